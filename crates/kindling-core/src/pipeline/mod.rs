//! Pipelines: the lifecycle as one repeatable, checked, recorded run. A pipeline file names
//! the data, what it must look like, the recipe (or a sweep of recipes), the gates and where
//! the chosen model goes; the runner takes it through ingest → validate → split → train →
//! evaluate → gate → register → promote, the same way in the browser and on the command line
//! (each supplies a [`runner::PipelineHost`]).

pub mod cache;
pub mod file;
pub mod record;
pub mod runner;
pub mod store;
pub mod sweep;
#[cfg(test)]
mod tests;
pub mod write;
