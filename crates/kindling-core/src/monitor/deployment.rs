//! A deployment as the page keeps it: which version of which registered model serves (and
//! which challenger beside it), the traffic settings, what retrains it, the monitor's window
//! and alert log, and the history of everything that happened to it (deployed, rolled back,
//! alerted, retrained, promoted or refused), each with who, when and why, as alias moves are
//! recorded. Stored in IndexedDB (`src/platform/idb/deployments.rs`) after every change and
//! every few seconds while traffic runs, so a reload carries on where it was.

use serde::{Deserialize, Serialize};

use super::window::MonitorState;
use crate::protocol::endpoint::{ChallengerMode, TrafficSettings};
use crate::storage::{StoreError, StoreFuture};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub model: String,
    /// The alias it follows (e.g. `champion`): a promotion to it is redeployed.
    pub alias: String,
    pub version: u32,
    pub challenger: Option<Challenger>,
    pub settings: TrafficSettings,
    /// What the generator replays: `None` for the training data, else an uploaded dataset's
    /// id.
    pub replay_dataset: Option<String>,
    pub retrain: RetrainPolicy,
    pub monitor: MonitorState,
    pub history: Vec<DeploymentEvent>,
    pub created_ms: f64,
    /// `false` once the endpoint is taken down.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Challenger {
    pub version: u32,
    pub mode: ChallengerMode,
}

/// What an alert does.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RetrainPolicy {
    /// The pipeline an alert starts (it must register this deployment's model).
    pub pipeline: Option<String>,
    /// Whether an alert starts it without a person.
    pub on_alert: bool,
    /// Whether a challenger that passes the gates is promoted at once, or waits for a person
    /// to approve it.
    pub promote_automatically: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentEvent {
    pub at_ms: f64,
    pub what: EventKind,
    /// Why, in a person's words (the alert's message, the gate's reason, "by hand").
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    Deployed {
        version: u32,
    },
    RolledBack {
        from: u32,
        to: u32,
    },
    ChallengerSet {
        version: Option<u32>,
    },
    Alert,
    RetrainStarted {
        pipeline: String,
        run_id: String,
    },
    /// The pipeline's challenger passed and waits for a person.
    AwaitingApproval {
        version: u32,
    },
    Promoted {
        version: u32,
    },
    Refused,
    TakenDown,
}

impl EventKind {
    /// A short label for the history table.
    pub fn label(&self) -> String {
        match self {
            EventKind::Deployed { version } => format!("deployed v{version}"),
            EventKind::RolledBack { from, to } => format!("rolled back v{from} → v{to}"),
            EventKind::ChallengerSet {
                version: Some(version),
            } => {
                format!("challenger v{version}")
            }
            EventKind::ChallengerSet { version: None } => "challenger removed".into(),
            EventKind::Alert => "alert".into(),
            EventKind::RetrainStarted { pipeline, .. } => format!("retraining ({pipeline})"),
            EventKind::AwaitingApproval { version } => format!("v{version} awaits approval"),
            EventKind::Promoted { version } => format!("promoted v{version}"),
            EventKind::Refused => "challenger refused".into(),
            EventKind::TakenDown => "taken down".into(),
        }
    }
}

impl Deployment {
    pub fn record(&mut self, at_ms: f64, what: EventKind, why: impl Into<String>) {
        self.history.push(DeploymentEvent {
            at_ms,
            what,
            why: why.into(),
        });
    }

    /// Whether an alert already retrained this deployment since a person last deployed or
    /// rolled it back: alerts retrain automatically once, so drift that outlasts a retraining
    /// (and alerts on the version it promoted, trained partly on drifted rows) does not start
    /// one retraining after another. A person can still retrain by hand.
    pub fn retrained_since_deployed(&self) -> bool {
        self.history
            .iter()
            .rev()
            .find_map(|event| match event.what {
                EventKind::RetrainStarted { .. } => Some(true),
                EventKind::Deployed { .. } | EventKind::RolledBack { .. } => Some(false),
                _ => None,
            })
            .unwrap_or(false)
    }

    /// The version deployed before the current one, for a rollback.
    pub fn previous_version(&self) -> Option<u32> {
        let mut deployed = self.history.iter().filter_map(|event| match event.what {
            EventKind::Deployed { version }
            | EventKind::Promoted { version }
            | EventKind::RolledBack { to: version, .. } => Some(version),
            _ => None,
        });
        let mut last = None;
        let mut before = None;
        for version in deployed.by_ref() {
            if Some(version) != last {
                before = last;
                last = Some(version);
            }
        }
        before.filter(|version| *version != self.version)
    }
}

#[allow(async_fn_in_trait)]
pub trait DeploymentStore {
    /// Every deployment, oldest first.
    async fn deployments(&self) -> Result<Vec<Deployment>, StoreError>;
    /// Adds or replaces the deployment with this id.
    async fn save_deployment(&self, deployment: &Deployment) -> Result<(), StoreError>;
}

/// [`DeploymentStore`] as a trait object.
pub trait SharedDeployments {
    fn deployments(&self) -> StoreFuture<'_, Vec<Deployment>>;
    fn save_deployment<'a>(&'a self, deployment: &'a Deployment) -> StoreFuture<'a, ()>;
}

impl<S: DeploymentStore> SharedDeployments for S {
    fn deployments(&self) -> StoreFuture<'_, Vec<Deployment>> {
        Box::pin(DeploymentStore::deployments(self))
    }
    fn save_deployment<'a>(&'a self, deployment: &'a Deployment) -> StoreFuture<'a, ()> {
        Box::pin(DeploymentStore::save_deployment(self, deployment))
    }
}

/// The behaviour every deployment store must show; run against each implementation.
pub async fn check_deployment_store(store: &impl DeploymentStore) {
    use super::window::WindowShape;
    let deployment = |id: &str, created_ms: f64| Deployment {
        id: id.to_owned(),
        model: "iris".into(),
        alias: "champion".into(),
        version: 1,
        challenger: None,
        settings: TrafficSettings::default(),
        replay_dataset: None,
        retrain: RetrainPolicy::default(),
        monitor: MonitorState::new(
            WindowShape {
                feature_names: vec!["x".into()],
                feature_kinds: Vec::new(),
                target_name: "y".into(),
                class_names: vec!["a".into(), "b".into()],
            },
            Vec::new(),
        ),
        history: Vec::new(),
        created_ms,
        active: true,
    };
    assert!(store.deployments().await.unwrap().is_empty());
    let mut first = deployment("d-1", 2.0);
    store.save_deployment(&first).await.unwrap();
    store
        .save_deployment(&deployment("d-0", 1.0))
        .await
        .unwrap();
    first.version = 2;
    first.record(3.0, EventKind::Deployed { version: 2 }, "by hand");
    store.save_deployment(&first).await.unwrap();
    let stored = store.deployments().await.unwrap();
    let ids: Vec<&str> = stored.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["d-0", "d-1"], "oldest first, one record per id");
    assert_eq!(stored[1], first);
}
