//! Exporting and importing whole workspaces over the stores: everything is read through the
//! run and registry stores, and an import lands in one transaction of a [`WorkspaceStore`].

use std::collections::HashSet;

use super::file::{WORKSPACE_FORMAT, Workspace};
use super::plan::{ImportPlan, Stored, plan_import};
use crate::registry::store::{RegistryStore, VersionBundle};
use crate::storage::{StoreError, StoreFuture};
use crate::tracking::RunBundle;
use crate::tracking::store::RunStore;

/// A store that holds runs and the registry together and can add a whole import at once.
#[allow(async_fn_in_trait)]
pub trait WorkspaceStore: RunStore + RegistryStore {
    /// Adds everything `plan` holds in one transaction: all of it lands, or none (a run id,
    /// model name or version already stored fails it with that store error).
    async fn add_import(&self, plan: &ImportPlan) -> Result<(), StoreError>;
}

/// Everything in the store, ready to be written to a file.
pub async fn export_workspace(
    store: &impl WorkspaceStore,
    now_ms: f64,
) -> Result<Workspace, StoreError> {
    // Built from the listing itself, so a run deleted meanwhile (in another tab) cannot fail
    // the export.
    let mut runs = Vec::new();
    for run in RunStore::runs(store).await? {
        runs.push(RunBundle {
            history: store.history(&run.id).await?,
            evaluation: store.evaluation(&run.id).await?,
            model: store.run_model(&run.id).await?,
            run,
        });
    }
    let mut datasets = Vec::new();
    for entry in store.dataset_entries().await? {
        if let Some(dataset) = store.dataset(&entry.id).await? {
            datasets.push(dataset);
        }
    }
    let mut versions = Vec::new();
    for version in store.versions().await? {
        if let Some(package) = store.package(&version.model, version.version).await? {
            versions.push(VersionBundle { version, package });
        }
    }
    Ok(Workspace {
        format: WORKSPACE_FORMAT.to_owned(),
        app_version: crate::APP_VERSION.to_owned(),
        exported_ms: now_ms,
        runs,
        datasets,
        models: store.models().await?,
        versions,
        hand_in: None,
    })
}

/// Plans and applies an import beside what is stored: all of it lands, or none.
pub async fn import_workspace(
    store: &impl WorkspaceStore,
    workspace: Workspace,
) -> Result<ImportPlan, StoreError> {
    let runs = RunStore::runs(store).await?;
    let dataset_ids: HashSet<String> = store
        .dataset_entries()
        .await?
        .into_iter()
        .map(|entry| entry.id)
        .collect();
    let models = store.models().await?;
    let versions = store.versions().await?;
    let stored = Stored {
        runs: &runs,
        dataset_ids: &dataset_ids,
        models: &models,
        versions: &versions,
    };
    let plan = plan_import(workspace, &stored);
    store.add_import(&plan).await?;
    Ok(plan)
}

/// [`WorkspaceStore`]'s export and import as a trait object, like the other shared stores.
pub trait SharedWorkspace {
    fn export_workspace(&self, now_ms: f64) -> StoreFuture<'_, Workspace>;
    fn import_workspace(&self, workspace: Workspace) -> StoreFuture<'_, ImportPlan>;
}

impl<S: WorkspaceStore> SharedWorkspace for S {
    fn export_workspace(&self, now_ms: f64) -> StoreFuture<'_, Workspace> {
        Box::pin(export_workspace(self, now_ms))
    }
    fn import_workspace(&self, workspace: Workspace) -> StoreFuture<'_, ImportPlan> {
        Box::pin(import_workspace(self, workspace))
    }
}
