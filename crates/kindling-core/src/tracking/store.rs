//! Where runs and imported datasets are kept. The browser keeps them in IndexedDB
//! (`src/platform/idb.rs`); [`super::memory::MemoryStore`] keeps them in memory for native
//! tests. Both pass [`super::contract::check_store`].
//!
//! Every method is one transaction: it either happens whole or not at all, so a failed write
//! (a full disk, a closed tab) never leaves half a run.

use std::future::Future;
use std::pin::Pin;

use thiserror::Error;

use super::workspace::{ImportPlan, Workspace, export_workspace, import_workspace};
use super::{DatasetEntry, RunBundle, RunModel, RunRecord, StoredDataset};
use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;

/// Why the store could not do what was asked, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StoreError {
    #[error(
        "the browser's storage for this site is full: delete some runs, or export the workspace \
         and clear old runs, then try again"
    )]
    QuotaExceeded,
    #[error(
        "another Kindling tab is using an older version of the saved data: close the other \
         tabs and reload this one"
    )]
    Blocked,
    #[error("the saved data was written by a newer version of Kindling: reload this tab to use it")]
    NewerVersion,
    #[error(
        "another Kindling tab updated how runs are saved, so this tab can no longer save: \
         reload it"
    )]
    Closed,
    #[error("the saved runs are still loading; try again in a moment")]
    NotReady,
    #[error("this browser does not allow this page to save data (private mode?): {0}")]
    Unavailable(String),
    #[error("a run with id {0} is already stored; nothing was written")]
    DuplicateRun(String),
    #[error("{model} already has a version {version}; nothing was written")]
    DuplicateVersion { model: String, version: u32 },
    #[error("another write stored this record first; nothing was written")]
    KeyTaken,
    #[error("there is no run with id {0}")]
    NoSuchRun(String),
    #[error("the saved data could not be read ({0}); it was left as it is")]
    Corrupt(String),
    #[error("the browser's storage failed: {0}")]
    Other(String),
    /// The store's own code was not there to run: the UI fetches it after the first render,
    /// so a network that fails first leaves the tab without one. The text says what to do.
    #[error("{0}")]
    CodeNotLoaded(String),
}

/// The seam between tracking and storage. Futures are not `Send`: the browser is one thread.
#[allow(async_fn_in_trait)]
pub trait RunStore {
    /// Creates the run, or replaces its summary (name, tags, note, state).
    async fn save_run(&self, run: &RunRecord) -> Result<(), StoreError>;

    /// Appends epochs and the summary that reflects them, together.
    async fn append_epochs(
        &self,
        run: &RunRecord,
        epochs: &[EpochMetrics],
    ) -> Result<(), StoreError>;

    /// Writes the final summary, the kept model's evaluation and the model itself, together.
    async fn finish_run(
        &self,
        run: &RunRecord,
        evaluation: Option<&Evaluation>,
        model: Option<&RunModel>,
    ) -> Result<(), StoreError>;

    /// The model the run kept, if it finished with one.
    async fn run_model(&self, id: &str) -> Result<Option<RunModel>, StoreError>;

    /// Every run summary, oldest first.
    async fn runs(&self) -> Result<Vec<RunRecord>, StoreError>;

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// The run's epochs in order.
    async fn history(&self, id: &str) -> Result<Vec<EpochMetrics>, StoreError>;

    async fn evaluation(&self, id: &str) -> Result<Option<Evaluation>, StoreError>;

    /// Removes the runs and everything stored with them. Unknown ids are ignored.
    async fn delete_runs(&self, ids: &[String]) -> Result<(), StoreError>;

    /// Adds whole runs and datasets at once (workspace import, undoing a delete). A run id
    /// that is already stored fails the whole call with [`StoreError::DuplicateRun`] and
    /// writes nothing; a dataset already stored (same content hash) is left as it is.
    async fn add_bundles(
        &self,
        runs: &[RunBundle],
        datasets: &[StoredDataset],
    ) -> Result<(), StoreError>;

    /// Keeps a dataset by its content hash; storing the same rows again changes nothing.
    async fn save_dataset(&self, dataset: &StoredDataset) -> Result<(), StoreError>;

    async fn dataset(&self, id: &str) -> Result<Option<StoredDataset>, StoreError>;

    /// What is stored, without the rows.
    async fn dataset_entries(&self) -> Result<Vec<DatasetEntry>, StoreError>;

    /// A run stored as running that no trainer in this tab runs was cut off by a reload or a
    /// closed tab: marks such runs interrupted, keeping their epochs, and returns how many.
    /// Reading and rewriting happen in one transaction, so a run another tab finishes
    /// meanwhile is never overwritten by an older copy.
    async fn interrupt_running(&self, live_run_id: Option<&str>) -> Result<usize, StoreError>;
}

/// Reads everything stored about the given runs, for export or for undoing a delete.
pub async fn bundles(store: &impl RunStore, ids: &[String]) -> Result<Vec<RunBundle>, StoreError> {
    let mut bundles = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(run) = store.run(id).await? else {
            return Err(StoreError::NoSuchRun(id.clone()));
        };
        bundles.push(RunBundle {
            history: store.history(id).await?,
            evaluation: store.evaluation(id).await?,
            run,
        });
    }
    Ok(bundles)
}

/// A boxed future for [`SharedStore`]; not `Send`, like everything in the tab.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + 'a>>;

/// [`RunStore`] as a trait object, so app state can hold "a store" without naming which one
/// (IndexedDB in the browser, memory in tests). Every `RunStore` is one.
pub trait SharedStore {
    fn save_run<'a>(&'a self, run: &'a RunRecord) -> StoreFuture<'a, ()>;
    fn append_epochs<'a>(
        &'a self,
        run: &'a RunRecord,
        epochs: &'a [EpochMetrics],
    ) -> StoreFuture<'a, ()>;
    fn finish_run<'a>(
        &'a self,
        run: &'a RunRecord,
        evaluation: Option<&'a Evaluation>,
        model: Option<&'a RunModel>,
    ) -> StoreFuture<'a, ()>;
    fn run_model<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<RunModel>>;
    fn runs(&self) -> StoreFuture<'_, Vec<RunRecord>>;
    fn history<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Vec<EpochMetrics>>;
    fn evaluation<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Evaluation>>;
    fn delete_runs<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, ()>;
    fn bundles<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<RunBundle>>;
    fn add_bundles<'a>(&'a self, runs: &'a [RunBundle]) -> StoreFuture<'a, ()>;
    fn save_dataset<'a>(&'a self, dataset: &'a StoredDataset) -> StoreFuture<'a, ()>;
    fn dataset<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredDataset>>;
    fn dataset_entries(&self) -> StoreFuture<'_, Vec<DatasetEntry>>;
    fn interrupt_running<'a>(&'a self, live_run_id: Option<&'a str>) -> StoreFuture<'a, usize>;
    fn export_workspace(&self, now_ms: f64) -> StoreFuture<'_, Workspace>;
    fn import_workspace(&self, workspace: Workspace) -> StoreFuture<'_, ImportPlan>;
}

impl<S: RunStore> SharedStore for S {
    fn save_run<'a>(&'a self, run: &'a RunRecord) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::save_run(self, run))
    }
    fn append_epochs<'a>(
        &'a self,
        run: &'a RunRecord,
        epochs: &'a [EpochMetrics],
    ) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::append_epochs(self, run, epochs))
    }
    fn finish_run<'a>(
        &'a self,
        run: &'a RunRecord,
        evaluation: Option<&'a Evaluation>,
        model: Option<&'a RunModel>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::finish_run(self, run, evaluation, model))
    }
    fn run_model<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<RunModel>> {
        Box::pin(RunStore::run_model(self, id))
    }
    fn runs(&self) -> StoreFuture<'_, Vec<RunRecord>> {
        Box::pin(RunStore::runs(self))
    }
    fn history<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Vec<EpochMetrics>> {
        Box::pin(RunStore::history(self, id))
    }
    fn evaluation<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Evaluation>> {
        Box::pin(RunStore::evaluation(self, id))
    }
    fn delete_runs<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::delete_runs(self, ids))
    }
    fn bundles<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<RunBundle>> {
        Box::pin(bundles(self, ids))
    }
    fn add_bundles<'a>(&'a self, runs: &'a [RunBundle]) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::add_bundles(self, runs, &[]))
    }
    fn save_dataset<'a>(&'a self, dataset: &'a StoredDataset) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::save_dataset(self, dataset))
    }
    fn dataset<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredDataset>> {
        Box::pin(RunStore::dataset(self, id))
    }
    fn dataset_entries(&self) -> StoreFuture<'_, Vec<DatasetEntry>> {
        Box::pin(RunStore::dataset_entries(self))
    }
    fn interrupt_running<'a>(&'a self, live_run_id: Option<&'a str>) -> StoreFuture<'a, usize> {
        Box::pin(RunStore::interrupt_running(self, live_run_id))
    }
    fn export_workspace(&self, now_ms: f64) -> StoreFuture<'_, Workspace> {
        Box::pin(export_workspace(self, now_ms))
    }
    fn import_workspace(&self, workspace: Workspace) -> StoreFuture<'_, ImportPlan> {
        Box::pin(import_workspace(self, workspace))
    }
}
