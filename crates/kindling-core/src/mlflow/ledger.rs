//! What a sync remembers between syncs, per tracking URL: the MLflow ids Kindling's runs,
//! experiments and versions were given, how far each run's history got, and the aliases last
//! pushed; and the person's settings (the URL, whether to sync by itself). Kept in the same
//! store as the runs (IndexedDB in the tab, a file beside the workspace natively).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::storage::StoreFuture;

/// Settings → MLflow. An empty URL means Kindling makes no request at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MlflowSettings {
    pub tracking_url: String,
    /// Sync after a run ends and after a registry change.
    #[serde(default)]
    pub sync_automatically: bool,
}

/// The id map of one tracking server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncLedger {
    pub tracking_url: String,
    /// Experiment name → MLflow experiment id.
    #[serde(default)]
    pub experiments: BTreeMap<String, String>,
    /// Kindling run id → what MLflow holds of it.
    #[serde(default)]
    pub runs: BTreeMap<String, SyncedRun>,
    /// Registered models created (or found) on the server.
    #[serde(default)]
    pub models: BTreeSet<String>,
    /// `model/version` → MLflow's version number.
    #[serde(default)]
    pub versions: BTreeMap<String, String>,
    /// Model → alias → Kindling version, as last pushed.
    #[serde(default)]
    pub aliases: BTreeMap<String, BTreeMap<String, u32>>,
    #[serde(default)]
    pub last_sync_ms: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncedRun {
    pub mlflow_run_id: String,
    pub experiment_id: String,
    /// Where the run's artifacts go (`mlflow-artifacts:/1/<run>/artifacts`).
    pub artifact_uri: String,
    /// What was last sent of the run's summary (name, state, note, tags, epochs): a run
    /// unchanged since needs no request. Empty until the first batch of it was sent.
    pub sent: String,
    /// The tags last set, so a tag removed in Kindling is removed in MLflow.
    #[serde(default)]
    pub tags: BTreeSet<String>,
}

pub fn version_key(model: &str, version: u32) -> String {
    format!("{model}/{version}")
}

/// Where settings and ledgers are kept.
pub trait MlflowStore {
    fn mlflow_settings(&self) -> StoreFuture<'_, MlflowSettings>;
    fn save_mlflow_settings<'a>(&'a self, settings: &'a MlflowSettings) -> StoreFuture<'a, ()>;
    /// The ledger of `tracking_url`, or an empty one.
    fn mlflow_ledger<'a>(&'a self, tracking_url: &'a str) -> StoreFuture<'a, SyncLedger>;
    fn save_mlflow_ledger<'a>(&'a self, ledger: &'a SyncLedger) -> StoreFuture<'a, ()>;
}
