//! A whole workspace import on IndexedDB: runs, datasets and the registry written in one
//! transaction over every object store, so an import lands whole or not at all.

use kindling_core::storage::StoreError;
use kindling_core::workspace::{ImportPlan, WorkspaceStore};
use web_sys::IdbTransactionMode;

use super::IdbStore;
use super::registry::MODEL_STORES;
use super::requests::commit_in_slices;
use super::runs::RUN_STORES;

impl WorkspaceStore for IdbStore {
    async fn add_import(&self, plan: &ImportPlan) -> Result<(), StoreError> {
        let stored_runs = self.read_keys(super::RUNS).await?;
        if let Some(clash) = plan.runs.iter().find(|b| stored_runs.contains(&b.run.id)) {
            return Err(StoreError::DuplicateRun(clash.run.id.clone()));
        }
        if let Some(clash) = self.model_clash(&plan.models, &plan.versions).await? {
            return Err(clash);
        }
        let mut writes = self.run_writes(&plan.runs, &plan.datasets).await?;
        writes.extend(Self::model_writes(&plan.models, &plan.versions));
        let stores: Vec<&str> = RUN_STORES.iter().chain(MODEL_STORES).copied().collect();
        let transaction = self.transaction(&stores, IdbTransactionMode::Readwrite)?;
        commit_in_slices(&transaction, writes)
            .await
            .map_err(|error| match error {
                StoreError::KeyTaken => {
                    StoreError::DuplicateRun("(written by another tab meanwhile)".into())
                }
                other => other,
            })
    }
}
