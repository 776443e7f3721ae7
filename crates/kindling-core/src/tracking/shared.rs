//! [`RunStore`] as a trait object, so app state holds "a store" without naming which one
//! (IndexedDB in the browser, memory in tests).

use super::run::RunRecord;
use super::store::{RunStore, bundles};
use super::stored::{DatasetEntry, RunBundle, RunModel, StoredDataset};
use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;
use crate::storage::StoreFuture;

/// Every `RunStore` is one.
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
    fn delete_dataset<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
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
    fn delete_dataset<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(RunStore::delete_dataset(self, id))
    }
}
