//! Reactive state and the actions on it. It reaches the outside world only through traits
//! (e.g. [`training::TrainerLink`]) that `platform` implements.

pub mod data;
pub mod deployments;
#[cfg(test)]
mod fakes;
pub mod lessons;
pub mod mlflow;
pub mod models;
pub mod opening;
pub mod pipelines;
pub mod recipe_link;
pub mod registry;
pub mod train_form;
pub mod training;
pub mod workbench;

#[cfg(test)]
mod deployment_tests;
#[cfg(test)]
mod lesson_tests;
#[cfg(test)]
mod mlflow_tests;
#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
mod tests;
