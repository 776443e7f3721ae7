//! Reactive state and the actions on it. It reaches the outside world only through traits
//! (e.g. [`training::TrainerLink`]) that `platform` implements.

pub mod data;
pub mod models;
pub mod opening;
pub mod registry;
pub mod training;
pub mod workbench;
