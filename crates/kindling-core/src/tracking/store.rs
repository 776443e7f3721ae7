//! Where runs and imported datasets are kept. The browser keeps them in IndexedDB
//! (`src/platform/idb.rs`); [`super::memory::MemoryStore`] keeps them in memory for native
//! tests. Both pass [`super::contract::check_store`].
//!
//! Every method is one transaction: it either happens whole or not at all, so a failed write
//! (a full disk, a closed tab) never leaves half a run.

use super::run::RunRecord;
use super::stored::{DatasetEntry, RunBundle, RunModel, StoredDataset};
use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;
use crate::storage::StoreError;

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

    /// Adds whole runs (with their models) and datasets at once (undoing a delete). A run id
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

    /// Removes a stored dataset; an unknown id changes nothing. Whether anything still needs
    /// it is the caller's to decide (`workspace::usage`).
    async fn delete_dataset(&self, id: &str) -> Result<(), StoreError>;

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
            model: store.run_model(id).await?,
            run,
        });
    }
    Ok(bundles)
}
