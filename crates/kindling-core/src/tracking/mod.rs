//! Experiment tracking: what is kept of every run, how runs are stored, searched, exported and
//! imported. Like MLflow's tracking model (params, metrics, tags, a note), but the recipe is the
//! whole [`crate::spec::TrainSpec`] plus the dataset's content hash, so any run can be re-run exactly.

pub mod contract;
pub mod memory;
pub mod query;
pub mod run;
pub mod shared;
pub mod store;
pub mod stored;
pub mod workspace;

pub use run::{DatasetRef, METRIC_NAMES, RunOutcome, RunRecord, RunState, generated_run_name};
pub use stored::{DatasetEntry, RunBundle, RunModel, StoredDataset};
