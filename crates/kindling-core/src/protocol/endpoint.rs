//! The messages of a deployment: the page starts a simulated endpoint in a worker with the
//! models an alias points at, the training data to compare with and the data to replay, then
//! turns its traffic and drift up and down while it runs; the worker answers with snapshots
//! for the charts and, now and then, the whole monitor state for the page to keep.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::monitor::{AlertRule, DriftControls, MonitorState, Snapshot};

/// A model the endpoint serves, and how people know it ("iris v3"): its registered package,
/// opened with every upload check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployedModel {
    pub label: String,
    #[serde(with = "crate::base64::serde_bytes")]
    pub package: Vec<u8>,
}

/// How a challenger runs beside the deployed model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ChallengerMode {
    /// Every request is scored by both; the deployed model's answer is served.
    Shadow,
    /// This share of requests (0 to 1) is served by the challenger.
    Canary { share: f64 },
}

/// The traffic a person controls while the endpoint runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficSettings {
    pub running: bool,
    pub rate_per_s: f64,
    /// How long after its request a label arrives.
    pub label_lag_ms: f64,
    pub drift: DriftControls,
}

impl Default for TrafficSettings {
    fn default() -> Self {
        Self {
            running: true,
            rate_per_s: 50.0,
            label_lag_ms: 2_000.0,
            drift: DriftControls::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointSetup {
    pub deployment_id: String,
    pub champion: DeployedModel,
    pub challenger: Option<(DeployedModel, ChallengerMode)>,
    /// The data the champion was trained on: what drift is measured against.
    pub reference: Dataset,
    /// What the traffic generator replays (the same data, or a batch a person uploaded).
    pub replay: Dataset,
    pub settings: TrafficSettings,
    /// A fresh monitor, or the one the page kept, so a reload carries on where it was.
    pub monitor: MonitorState,
    pub seed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EndpointCommand {
    Start(Box<EndpointSetup>),
    Settings(TrafficSettings),
    Rules(Vec<AlertRule>),
    Stop,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EndpointEvent {
    Started {
        deployment_id: String,
    },
    Snapshot(Box<Snapshot>),
    /// The whole monitor, for the page to store.
    State(Box<MonitorState>),
    /// The endpoint could not start or go on; written for a person.
    Failed {
        reason: String,
    },
}
