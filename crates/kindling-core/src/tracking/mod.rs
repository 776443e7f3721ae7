//! Experiment tracking: what is kept of every run, how runs are stored, searched, exported and
//! imported. Like MLflow's tracking model (params, metrics, tags, a note), but the recipe is the
//! whole [`crate::spec::TrainSpec`] plus the dataset's content hash, so any run can be re-run exactly.
//!
//! A [`RunRecord`] is a run's summary: name, state, the recipe, a [`DatasetRef`] (content hash,
//! shape, class names), tags, note, the latest value of each metric and the app version;
//! `params()` flattens the spec into MLflow-style params, keyed as `crate::choice` names them.
//! Epochs and the final evaluation are stored beside the record, so listing 10,000 runs reads
//! only summaries. `store::RunStore` (async, one transaction per method, all-or-nothing
//! `add_bundles`) is implemented by `crate::workspace::memory::MemoryStore` (native tests) and
//! the browser's IndexedDB store; both pass `contract::check_store`. `shared::SharedStore` is
//! the same trait boxed, so app state holds "a store" without naming it. `query` parses the
//! Runs filter. Export and import of whole workspaces are `crate::workspace`'s.
//! `recipe` is one run's recipe as a file of its own (`kindling-recipe/1`): what the run page
//! offers for download and `kindling train` repeats; `recipe_link` puts it in a link's fragment
//! and compares a repeat's metrics with it.

pub mod contract;
pub mod query;
pub mod recipe;
pub mod recipe_link;
pub mod run;
pub mod shared;
pub mod store;
pub mod stored;

pub use recipe::{RECIPE_FORMAT, Recipe, RecipeError};
pub use run::{
    DEFAULT_EXPERIMENT, DatasetRef, METRIC_NAMES, RunOutcome, RunRecord, RunState, experiments,
    generated_run_name, typed_experiment_name,
};
pub use stored::{DatasetEntry, RunBundle, RunModel, StoredDataset, WeightsFingerprint};
