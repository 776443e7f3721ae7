//! The in-memory stores (runs, registry, workspace import, pipelines, deployments, MLflow
//! settings, lesson progress) in one value, for native tests of
//! everything built on the stores; the browser's IndexedDB store is the other implementation,
//! held to the same contracts.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::plan::ImportPlan;
use super::store::WorkspaceStore;
use crate::evaluation::Evaluation;
use crate::lesson::progress::{LessonProgress, LessonStore};
use crate::metrics::EpochMetrics;
use crate::mlflow::{MlflowSettings, MlflowStore, SyncLedger};
use crate::monitor::deployment::{Deployment, DeploymentStore};
use crate::pipeline::record::{PipelineRun, StoredPipeline};
use crate::pipeline::store::PipelineStore;
use crate::registry::store::{RegistryStore, VersionBundle};
use crate::registry::{Changed, ModelChange, ModelVersion, RegisteredModel};
use crate::storage::{StoreError, StoreFuture};
use crate::tracking::store::RunStore;
use crate::tracking::{DatasetEntry, RunBundle, RunModel, RunRecord, RunState, StoredDataset};

#[derive(Default)]
pub struct MemoryStore {
    inner: RefCell<Inner>,
}

#[derive(Default, Clone)]
struct Inner {
    /// Insertion order is the listing order, as IndexedDB's is by start time.
    runs: Vec<RunRecord>,
    epochs: BTreeMap<String, BTreeMap<usize, EpochMetrics>>,
    evaluations: BTreeMap<String, Evaluation>,
    run_models: BTreeMap<String, RunModel>,
    datasets: BTreeMap<String, StoredDataset>,
    models: BTreeMap<String, RegisteredModel>,
    versions: BTreeMap<(String, u32), ModelVersion>,
    packages: BTreeMap<(String, u32), Vec<u8>>,
    pipelines: BTreeMap<String, StoredPipeline>,
    pipeline_runs: Vec<PipelineRun>,
    deployments: Vec<Deployment>,
    mlflow_settings: MlflowSettings,
    mlflow_ledgers: BTreeMap<String, SyncLedger>,
    lesson_progress: LessonProgress,
}

impl Inner {
    fn put_run(&mut self, run: &RunRecord) {
        match self.runs.iter_mut().find(|stored| stored.id == run.id) {
            Some(stored) => *stored = run.clone(),
            None => {
                self.runs.push(run.clone());
                self.runs
                    .sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
            }
        }
    }

    fn put_epochs(&mut self, run_id: &str, epochs: &[EpochMetrics]) {
        let stored = self.epochs.entry(run_id.to_owned()).or_default();
        for epoch in epochs {
            stored.insert(epoch.epoch, epoch.clone());
        }
    }
}

impl RunStore for MemoryStore {
    async fn save_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.inner.borrow_mut().put_run(run);
        Ok(())
    }

    async fn append_epochs(
        &self,
        run: &RunRecord,
        epochs: &[EpochMetrics],
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.put_epochs(&run.id, epochs);
        inner.put_run(run);
        Ok(())
    }

    async fn finish_run(
        &self,
        run: &RunRecord,
        evaluation: Option<&Evaluation>,
        model: Option<&RunModel>,
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.put_run(run);
        if let Some(evaluation) = evaluation {
            inner.evaluations.insert(run.id.clone(), evaluation.clone());
        }
        if let Some(model) = model {
            inner.run_models.insert(run.id.clone(), model.clone());
        }
        Ok(())
    }

    async fn run_model(&self, id: &str) -> Result<Option<RunModel>, StoreError> {
        Ok(self.inner.borrow().run_models.get(id).cloned())
    }

    async fn runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        Ok(self.inner.borrow().runs.clone())
    }

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        Ok(self
            .inner
            .borrow()
            .runs
            .iter()
            .find(|r| r.id == id)
            .cloned())
    }

    async fn history(&self, id: &str) -> Result<Vec<EpochMetrics>, StoreError> {
        Ok(self
            .inner
            .borrow()
            .epochs
            .get(id)
            .map(|epochs| epochs.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn evaluation(&self, id: &str) -> Result<Option<Evaluation>, StoreError> {
        Ok(self.inner.borrow().evaluations.get(id).cloned())
    }

    async fn delete_runs(&self, ids: &[String]) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.runs.retain(|run| !ids.contains(&run.id));
        for id in ids {
            inner.epochs.remove(id);
            inner.evaluations.remove(id);
            inner.run_models.remove(id);
        }
        Ok(())
    }

    async fn add_bundles(
        &self,
        runs: &[RunBundle],
        datasets: &[StoredDataset],
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        let mut next = inner.clone();
        for bundle in runs {
            if next.runs.iter().any(|run| run.id == bundle.run.id) {
                return Err(StoreError::DuplicateRun(bundle.run.id.clone()));
            }
            next.put_run(&bundle.run);
            next.put_epochs(&bundle.run.id, &bundle.history);
            if let Some(evaluation) = &bundle.evaluation {
                next.evaluations
                    .insert(bundle.run.id.clone(), evaluation.clone());
            }
            if let Some(model) = &bundle.model {
                next.run_models.insert(bundle.run.id.clone(), model.clone());
            }
        }
        for dataset in datasets {
            next.datasets
                .entry(dataset.entry.id.clone())
                .or_insert_with(|| dataset.clone());
        }
        *inner = next;
        Ok(())
    }

    async fn save_dataset(&self, dataset: &StoredDataset) -> Result<(), StoreError> {
        self.inner
            .borrow_mut()
            .datasets
            .entry(dataset.entry.id.clone())
            .or_insert_with(|| dataset.clone());
        Ok(())
    }

    async fn dataset(&self, id: &str) -> Result<Option<StoredDataset>, StoreError> {
        Ok(self.inner.borrow().datasets.get(id).cloned())
    }

    async fn delete_dataset(&self, id: &str) -> Result<(), StoreError> {
        self.inner.borrow_mut().datasets.remove(id);
        Ok(())
    }

    async fn interrupt_running(&self, live_run_id: Option<&str>) -> Result<usize, StoreError> {
        let mut count = 0;
        for run in &mut self.inner.borrow_mut().runs {
            if run.state == RunState::Running && Some(run.id.as_str()) != live_run_id {
                run.state = RunState::Interrupted;
                count += 1;
            }
        }
        Ok(count)
    }

    async fn dataset_entries(&self) -> Result<Vec<DatasetEntry>, StoreError> {
        let mut entries: Vec<DatasetEntry> = self
            .inner
            .borrow()
            .datasets
            .values()
            .map(|stored| stored.entry.clone())
            .collect();
        entries.sort_by(|a, b| a.added_ms.total_cmp(&b.added_ms));
        Ok(entries)
    }
}

impl RegistryStore for MemoryStore {
    async fn models(&self) -> Result<Vec<RegisteredModel>, StoreError> {
        Ok(self.inner.borrow().models.values().cloned().collect())
    }

    async fn versions(&self) -> Result<Vec<ModelVersion>, StoreError> {
        Ok(self.inner.borrow().versions.values().cloned().collect())
    }

    async fn change_model(
        &self,
        name: &str,
        change: &ModelChange,
        package: Option<&[u8]>,
    ) -> Result<Changed, StoreError> {
        let mut inner = self.inner.borrow_mut();
        let model = inner.models.get(name).cloned();
        let versions: Vec<ModelVersion> = inner
            .versions
            .range((name.to_owned(), 0)..=(name.to_owned(), u32::MAX))
            .map(|(_, version)| version.clone())
            .collect();
        let changed = change.apply_stored(name, model, &versions)?;
        inner.models.insert(name.to_owned(), changed.model.clone());
        if let Some(version) = &changed.version {
            let key = (version.model.clone(), version.version);
            inner.versions.insert(key.clone(), version.clone());
            if let Some(package) = package {
                inner.packages.insert(key, package.to_vec());
            }
        }
        Ok(changed)
    }

    async fn add_version(
        &self,
        model: &RegisteredModel,
        version: &ModelVersion,
        package: &[u8],
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        let key = (version.model.clone(), version.version);
        if inner.versions.contains_key(&key) {
            return Err(StoreError::DuplicateVersion {
                model: key.0,
                version: key.1,
            });
        }
        inner
            .models
            .entry(model.name.clone())
            .or_insert_with(|| model.clone());
        inner.versions.insert(key.clone(), version.clone());
        inner.packages.insert(key, package.to_vec());
        Ok(())
    }

    async fn package(&self, model: &str, version: u32) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .inner
            .borrow()
            .packages
            .get(&(model.to_owned(), version))
            .cloned())
    }

    async fn delete_model(&self, name: &str) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.models.remove(name);
        inner.versions.retain(|(model, _), _| model != name);
        inner.packages.retain(|(model, _), _| model != name);
        Ok(())
    }

    async fn add_models(
        &self,
        models: &[RegisteredModel],
        versions: &[VersionBundle],
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        let mut next = inner.clone();
        for model in models {
            if next
                .models
                .insert(model.name.clone(), model.clone())
                .is_some()
            {
                return Err(StoreError::DuplicateModel(model.name.clone()));
            }
        }
        for bundle in versions {
            let key = (bundle.version.model.clone(), bundle.version.version);
            if next
                .versions
                .insert(key.clone(), bundle.version.clone())
                .is_some()
            {
                return Err(StoreError::DuplicateVersion {
                    model: key.0,
                    version: key.1,
                });
            }
            next.packages.insert(key, bundle.package.clone());
        }
        *inner = next;
        Ok(())
    }
}

impl WorkspaceStore for MemoryStore {
    async fn add_import(&self, plan: &ImportPlan) -> Result<(), StoreError> {
        let before = self.inner.borrow().clone();
        let added = async {
            RunStore::add_bundles(self, &plan.runs, &plan.datasets).await?;
            RegistryStore::add_models(self, &plan.models, &plan.versions).await
        }
        .await;
        if added.is_err() {
            *self.inner.borrow_mut() = before;
        }
        added
    }
}

impl DeploymentStore for MemoryStore {
    async fn deployments(&self) -> Result<Vec<Deployment>, StoreError> {
        let mut deployments = self.inner.borrow().deployments.clone();
        deployments.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        Ok(deployments)
    }

    async fn save_deployment(&self, deployment: &Deployment) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        match inner.deployments.iter_mut().find(|d| d.id == deployment.id) {
            Some(stored) => *stored = deployment.clone(),
            None => inner.deployments.push(deployment.clone()),
        }
        Ok(())
    }
}

impl PipelineStore for MemoryStore {
    async fn pipelines(&self) -> Result<Vec<StoredPipeline>, StoreError> {
        Ok(self.inner.borrow().pipelines.values().cloned().collect())
    }

    async fn save_pipeline(&self, pipeline: &StoredPipeline) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner
            .pipelines
            .insert(pipeline.name.clone(), pipeline.clone());
        Ok(())
    }

    async fn delete_pipeline(&self, name: &str) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.pipelines.remove(name);
        inner.pipeline_runs.retain(|run| run.pipeline != name);
        Ok(())
    }

    async fn pipeline_runs(&self, name: &str) -> Result<Vec<PipelineRun>, StoreError> {
        let inner = self.inner.borrow();
        let mut runs: Vec<PipelineRun> = inner
            .pipeline_runs
            .iter()
            .filter(|run| run.pipeline == name)
            .cloned()
            .collect();
        runs.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
        Ok(runs)
    }

    async fn save_pipeline_run(&self, run: &PipelineRun) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        match inner
            .pipeline_runs
            .iter_mut()
            .find(|stored| stored.id == run.id)
        {
            Some(stored) => *stored = run.clone(),
            None => inner.pipeline_runs.push(run.clone()),
        }
        Ok(())
    }
}

impl MlflowStore for MemoryStore {
    fn mlflow_settings(&self) -> StoreFuture<'_, MlflowSettings> {
        let settings = self.inner.borrow().mlflow_settings.clone();
        Box::pin(async move { Ok(settings) })
    }

    fn save_mlflow_settings<'a>(&'a self, settings: &'a MlflowSettings) -> StoreFuture<'a, ()> {
        self.inner.borrow_mut().mlflow_settings = settings.clone();
        Box::pin(async { Ok(()) })
    }

    fn mlflow_ledger<'a>(&'a self, tracking_url: &'a str) -> StoreFuture<'a, SyncLedger> {
        let ledger = self
            .inner
            .borrow()
            .mlflow_ledgers
            .get(tracking_url)
            .cloned();
        Box::pin(async move { Ok(ledger.unwrap_or_default()) })
    }

    fn save_mlflow_ledger<'a>(&'a self, ledger: &'a SyncLedger) -> StoreFuture<'a, ()> {
        self.inner
            .borrow_mut()
            .mlflow_ledgers
            .insert(ledger.tracking_url.clone(), ledger.clone());
        Box::pin(async { Ok(()) })
    }
}

impl LessonStore for MemoryStore {
    fn lesson_progress(&self) -> StoreFuture<'_, LessonProgress> {
        let progress = self.inner.borrow().lesson_progress.clone();
        Box::pin(async move { Ok(progress) })
    }

    fn save_lesson_progress<'a>(&'a self, progress: &'a LessonProgress) -> StoreFuture<'a, ()> {
        self.inner.borrow_mut().lesson_progress = progress.clone();
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::contract::check_registry;
    use crate::tracking::contract::{block_on, check_store};
    use crate::workspace::contract::check_workspace;

    #[test]
    fn the_memory_store_keeps_the_store_contract() {
        block_on(check_store(&MemoryStore::default()));
    }

    #[test]
    fn the_memory_store_keeps_the_registry_contract() {
        block_on(check_registry(&MemoryStore::default()));
    }

    #[test]
    fn the_memory_store_keeps_the_pipeline_contract() {
        block_on(crate::pipeline::store::check_pipeline_store(
            &MemoryStore::default(),
        ));
    }

    #[test]
    fn the_memory_store_keeps_the_deployment_contract() {
        block_on(crate::monitor::deployment::check_deployment_store(
            &MemoryStore::default(),
        ));
    }

    #[test]
    fn the_memory_store_keeps_the_workspace_contract() {
        block_on(check_workspace(
            &MemoryStore::default(),
            &MemoryStore::default(),
        ));
    }
}
