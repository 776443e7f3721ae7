//! Deployments as app-wide state: the version an alias points at, served by a simulated
//! endpoint in a worker of its own, its traffic and drift controls, the monitor's snapshots
//! and alert log, and the retraining loop an alert starts (`retrain`). Every change is
//! recorded in the deployment's history and stored; the worker's monitor state is stored
//! every few seconds, so a reload restarts the endpoint with the same window and alerts.

mod retrain;

use std::rc::Rc;

use kindling_core::data::Dataset;
use kindling_core::monitor::deployment::{
    Challenger, Deployment, EventKind, RetrainPolicy, SharedDeployments,
};
use kindling_core::monitor::{AlertRule, MonitorState, Snapshot, WindowShape};
use kindling_core::protocol::endpoint::{
    DeployedModel, EndpointCommand, EndpointEvent, EndpointSetup, TrafficSettings,
};
use kindling_core::protocol::{FromWorker, ToWorker};
use kindling_core::registry::ModelVersion;
use kindling_core::signature::Output;
use leptos::prelude::*;

use crate::state::data::{ServedFiles, recipe_data};
use crate::state::opening::Opening;
use crate::state::pipelines::Pipelines;
use crate::state::registry::Registry;
use crate::state::training::{SpawnTrainer, TrainerEvent, TrainerLink};
use crate::state::workbench::Workbench;

/// Points kept for the live charts (a minute at two snapshots a second).
pub const SERIES_POINTS: usize = 120;
/// The rules a new deployment starts with.
pub const DEFAULT_RULES: [&str; 2] = [
    "psi > 0.2 over 500 requests",
    "accuracy < 0.85 over 200 labels",
];

/// One point of the live charts.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub at_ms: f64,
    pub rate_per_s: f64,
    pub latency_p99_ms: Option<f64>,
    pub max_psi: Option<f64>,
    /// Accuracy, or RMSE for a regressor.
    pub score: Option<f64>,
}

#[derive(Clone, Copy)]
pub struct Deployments {
    store: StoredValue<Option<Rc<dyn SharedDeployments>>, LocalStorage>,
    /// The deployment shown: the latest one, serving or taken down.
    pub current: RwSignal<Option<Deployment>>,
    pub snapshot: RwSignal<Option<Snapshot>>,
    pub series: RwSignal<Vec<Point>>,
    /// Whether the endpoint answers requests now.
    pub serving: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    /// The retraining under way, from the alert (or click) that started it to its end.
    pub retraining: RwSignal<Option<Retraining>>,
    link: StoredValue<Option<Box<dyn TrainerLink>>, LocalStorage>,
    /// The deployed version's training rows: what drift is measured against and retraining
    /// starts from.
    reference: StoredValue<Option<Dataset>, LocalStorage>,
    opening: Opening,
    workbench: Workbench,
    registry: Registry,
    pipelines: Pipelines,
    files: StoredValue<Rc<dyn ServedFiles>, LocalStorage>,
    spawn: StoredValue<SpawnTrainer, LocalStorage>,
    now_ms: fn() -> f64,
    random_u32: fn() -> u32,
}

/// Where a retraining is: its data being stored, or its pipeline run under way.
#[derive(Debug, Clone, PartialEq)]
pub enum Retraining {
    Preparing,
    Running { run_id: String },
}

pub struct DeploymentDeps {
    pub workbench: Workbench,
    pub registry: Registry,
    pub pipelines: Pipelines,
    pub files: Rc<dyn ServedFiles>,
    pub spawn: SpawnTrainer,
    pub now_ms: fn() -> f64,
    pub random_u32: fn() -> u32,
}

impl Deployments {
    pub fn new(deps: DeploymentDeps) -> Self {
        Self {
            store: StoredValue::new_local(None),
            current: RwSignal::new(None),
            snapshot: RwSignal::new(None),
            series: RwSignal::new(Vec::new()),
            serving: RwSignal::new(false),
            error: RwSignal::new(None),
            retraining: RwSignal::new(None),
            link: StoredValue::new_local(None),
            reference: StoredValue::new_local(None),
            opening: Opening::default(),
            workbench: deps.workbench,
            registry: deps.registry,
            pipelines: deps.pipelines,
            files: StoredValue::new_local(deps.files),
            spawn: StoredValue::new_local(deps.spawn),
            now_ms: deps.now_ms,
            random_u32: deps.random_u32,
        }
    }

    /// Adopts the opened store and, if the latest deployment was serving when the page closed,
    /// starts its endpoint again with the window it kept.
    pub async fn attach(&self, store: Rc<dyn SharedDeployments>) {
        match store.deployments().await {
            Ok(deployments) => {
                self.store.set_value(Some(store));
                let latest = deployments.into_iter().last();
                self.current.set(latest.clone());
                if let Some(deployment) = latest.filter(|deployment| deployment.active)
                    && let Err(error) = self.start_endpoint(&deployment).await
                {
                    self.error.set(Some(error));
                }
            }
            Err(error) => self.error.set(Some(error.to_string())),
        }
        self.opening.settle();
    }

    pub fn without_store(&self) {
        self.opening.settle();
    }

    /// Serves the version `alias` points at, replaying its training data (or the uploaded
    /// dataset `replay_dataset`), with the default rules.
    pub async fn deploy(
        &self,
        model: &str,
        alias: &str,
        replay_dataset: Option<String>,
        retrain: RetrainPolicy,
    ) -> Result<(), String> {
        let version = self.aliased(model, alias)?;
        let now_ms = (self.now_ms)();
        let rules = DEFAULT_RULES
            .iter()
            .map(|rule| AlertRule::parse(rule).expect("the default rules read"))
            .collect();
        let mut deployment = Deployment {
            id: format!("deployment-{}-{:08x}", now_ms as u64, (self.random_u32)()),
            model: model.to_owned(),
            alias: alias.to_owned(),
            version: version.version,
            challenger: None,
            settings: TrafficSettings::default(),
            replay_dataset,
            retrain,
            monitor: MonitorState::new(window_shape(&version), rules),
            history: Vec::new(),
            created_ms: now_ms,
            active: true,
        };
        deployment.record(
            now_ms,
            EventKind::Deployed {
                version: version.version,
            },
            format!("{model}@{alias} deployed by hand"),
        );
        self.snapshot.set(None);
        self.serve_anew(deployment).await
    }

    /// Serves `number` in place of the deployed version, with a fresh window: what the alias
    /// now points at after a promotion, or the previous version on a rollback.
    pub async fn redeploy(&self, number: u32, what: EventKind, why: String) -> Result<(), String> {
        let mut deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        let version = self
            .registry
            .version(&deployment.model, number)
            .ok_or("there is no such version")?;
        deployment.version = number;
        let alerts = std::mem::take(&mut deployment.monitor.alerts);
        deployment.monitor =
            MonitorState::new(window_shape(&version), deployment.monitor.rules.clone());
        deployment.monitor.alerts = alerts;
        deployment.active = true;
        deployment.record((self.now_ms)(), what, why);
        self.serve_anew(deployment).await
    }

    /// Replaces the running endpoint with one for `deployment`, its charts starting empty, and
    /// keeps the deployment.
    async fn serve_anew(&self, mut deployment: Deployment) -> Result<(), String> {
        self.stop_endpoint();
        self.series.set(Vec::new());
        self.start_endpoint(&deployment).await?;
        // What a person changed while the endpoint started is kept, not the copy read before.
        if let Some(latest) = self.current.get_untracked()
            && latest.id == deployment.id
        {
            deployment.retrain = latest.retrain;
        }
        self.save(deployment).await
    }

    /// Points the alias back at the version deployed before this one and serves it.
    pub async fn roll_back(&self) -> Result<(), String> {
        let deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        let previous = deployment
            .previous_version()
            .ok_or("no earlier version was deployed here")?;
        self.registry
            .move_alias(
                &deployment.model,
                &deployment.alias,
                previous,
                "rolled back from the Deployments page",
                None,
            )
            .await?;
        self.redeploy(
            previous,
            EventKind::RolledBack {
                from: deployment.version,
                to: previous,
            },
            "rolled back by hand".into(),
        )
        .await
    }

    /// Runs `version` beside the deployed one (or removes the challenger).
    pub async fn set_challenger(&self, challenger: Option<Challenger>) -> Result<(), String> {
        let mut deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        deployment.challenger = challenger.clone();
        deployment.record(
            (self.now_ms)(),
            EventKind::ChallengerSet {
                version: challenger.map(|challenger| challenger.version),
            },
            "set by hand",
        );
        if deployment.active {
            self.stop_endpoint();
            self.start_endpoint(&deployment).await?;
        }
        self.save(deployment).await
    }

    /// New traffic settings, heard by the endpoint at its next tick. A slider sends one per
    /// step it is dragged through, so they are not written to storage one by one: the worker's
    /// next monitor state (every few seconds) stores the deployment with them.
    pub fn set_settings(&self, settings: TrafficSettings) {
        let Some(mut deployment) = self.current.get_untracked() else {
            return;
        };
        self.send(EndpointCommand::Settings(settings.clone()));
        deployment.settings = settings;
        self.current.set(Some(deployment));
    }

    /// Replaces the alert rules with these, one per line; nothing changes if one is wrong.
    pub fn set_rules(&self, text: &str) -> Result<(), String> {
        let rules = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                AlertRule::parse(line).map_err(|error| format!("\"{}\": {error}", line.trim()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        self.send(EndpointCommand::Rules(rules.clone()));
        deployment.monitor.rules = rules;
        self.save_later(deployment);
        Ok(())
    }

    pub fn set_retrain_policy(&self, policy: RetrainPolicy) {
        if let Some(mut deployment) = self.current.get_untracked() {
            deployment.retrain = policy;
            self.save_later(deployment);
        }
    }

    /// Stops the endpoint; the deployment and its history stay.
    pub async fn take_down(&self) -> Result<(), String> {
        let mut deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        self.stop_endpoint();
        deployment.active = false;
        deployment.record((self.now_ms)(), EventKind::TakenDown, "by hand");
        self.save(deployment).await
    }

    fn aliased(&self, model: &str, alias: &str) -> Result<ModelVersion, String> {
        let registered = self
            .registry
            .model(model)
            .ok_or_else(|| format!("there is no model \"{model}\""))?;
        let number = *registered
            .aliases
            .get(alias)
            .ok_or_else(|| format!("{model} has no alias \"{alias}\""))?;
        self.registry
            .version(model, number)
            .ok_or_else(|| format!("{model} v{number} is missing"))
    }

    async fn start_endpoint(&self, deployment: &Deployment) -> Result<(), String> {
        let version = self
            .registry
            .version(&deployment.model, deployment.version)
            .ok_or_else(|| format!("{} v{} is missing", deployment.model, deployment.version))?;
        let files = self.files.get_value();
        let reference = recipe_data(
            &version.lineage.recipe.dataset,
            &version.lineage.dataset.id,
            self.workbench,
            files.as_ref(),
        )
        .await
        .ok_or("the data this version was trained on is not in this browser, so drift cannot be measured against it")?;
        let replay = match &deployment.replay_dataset {
            Some(id) => self
                .workbench
                .dataset(id)
                .await
                .map_err(|error| error.to_string())?
                .ok_or("the uploaded production data is no longer stored")?,
            None => reference.clone(),
        };
        let champion = self
            .deployed_model(&deployment.model, deployment.version)
            .await?;
        let challenger = match &deployment.challenger {
            Some(challenger) => Some((
                self.deployed_model(&deployment.model, challenger.version)
                    .await?,
                challenger.mode,
            )),
            None => None,
        };
        let setup = EndpointSetup {
            deployment_id: deployment.id.clone(),
            champion,
            challenger,
            reference: reference.clone(),
            replay,
            settings: deployment.settings.clone(),
            monitor: deployment.monitor.clone(),
            seed: (self.random_u32)(),
        };
        self.reference.set_value(Some(reference));
        let this = *self;
        let link = (self.spawn.get_value())(Rc::new(move |event| this.heard(event)))?;
        link.send(&ToWorker::Endpoint(EndpointCommand::Start(Box::new(setup))))?;
        self.link.set_value(Some(link));
        Ok(())
    }

    async fn deployed_model(&self, model: &str, number: u32) -> Result<DeployedModel, String> {
        Ok(DeployedModel {
            label: format!("{model} v{number}"),
            package: self.registry.package(model, number).await?,
        })
    }

    fn stop_endpoint(&self) {
        self.send(EndpointCommand::Stop);
        // Dropping the link ends its worker.
        self.link.set_value(None);
        self.serving.set(false);
    }

    fn send(&self, command: EndpointCommand) {
        self.link.with_value(|link| {
            if let Some(link) = link
                && let Err(error) = link.send(&ToWorker::Endpoint(command))
            {
                self.error.set(Some(error));
            }
        });
    }

    fn heard(&self, event: TrainerEvent) {
        match event {
            TrainerEvent::Message(FromWorker::Endpoint(event)) => match event {
                EndpointEvent::Started { .. } => {
                    self.serving.set(true);
                    self.error.set(None);
                }
                EndpointEvent::Snapshot(snapshot) => self.snapshot_arrived(*snapshot),
                EndpointEvent::State(state) => {
                    if let Some(mut deployment) = self.current.get_untracked() {
                        deployment.monitor = *state;
                        self.save_later(deployment);
                    }
                }
                EndpointEvent::Failed { reason } => {
                    self.serving.set(false);
                    self.error.set(Some(reason));
                }
            },
            TrainerEvent::Message(FromWorker::Crashed { message }) => {
                self.serving.set(false);
                self.error
                    .set(Some(format!("the endpoint stopped: {message}")));
            }
            TrainerEvent::Lost(reason) => {
                self.serving.set(false);
                self.error.set(Some(reason));
            }
            TrainerEvent::Message(_) => {}
        }
    }

    fn snapshot_arrived(&self, snapshot: Snapshot) {
        let point = Point {
            at_ms: snapshot.at_ms,
            rate_per_s: snapshot.rate_per_s,
            latency_p99_ms: snapshot.latency_p99_ms,
            max_psi: snapshot
                .drift
                .as_ref()
                .and_then(|report| report.max_psi().map(|(_, psi)| psi)),
            score: snapshot.accuracy.or(snapshot.rmse),
        };
        self.series.update(|series| {
            series.push(point);
            let extra = series.len().saturating_sub(SERIES_POINTS);
            series.drain(..extra);
        });
        if !snapshot.fired.is_empty()
            && let Some(mut deployment) = self.current.get_untracked()
        {
            // The alerts themselves came ahead, in the monitor state the worker sent with them.
            for alert in &snapshot.fired {
                deployment.record(alert.at_ms, EventKind::Alert, alert.message());
            }
            let first = snapshot.fired[0].message();
            let automatic = deployment.retrain.on_alert
                && deployment.retrain.pipeline.is_some()
                && !deployment.retrained_since_deployed();
            self.save_later(deployment);
            if automatic && self.retraining.get_untracked().is_none() {
                let this = *self;
                leptos::task::spawn_local(async move {
                    // An alert heard before this task ran may have started one already.
                    if this.retraining.get_untracked().is_some() {
                        return;
                    }
                    if let Err(error) = this.retrain(Some(first)).await {
                        this.error.set(Some(error));
                    }
                });
            }
        }
        self.snapshot.set(Some(snapshot));
        self.check_retraining();
    }

    /// Shows the change at once (what the next message reads) and stores it in the background.
    fn save_later(&self, deployment: Deployment) {
        self.current.set(Some(deployment.clone()));
        let this = *self;
        // Only stored: setting it again when the task runs would undo a change made meanwhile.
        leptos::task::spawn_local(async move {
            if let Err(error) = this.store_deployment(&deployment).await {
                this.error.set(Some(error));
            }
        });
    }

    async fn save(&self, deployment: Deployment) -> Result<(), String> {
        self.current.set(Some(deployment.clone()));
        self.store_deployment(&deployment).await
    }

    async fn store_deployment(&self, deployment: &Deployment) -> Result<(), String> {
        self.opening.settled().await;
        let store = self
            .store
            .get_value()
            .ok_or("deployments cannot be kept: the browser's storage is not available")?;
        store
            .save_deployment(deployment)
            .await
            .map_err(|error| error.to_string())
    }
}

/// What the window holds for a version: its columns and what it answers.
fn window_shape(version: &ModelVersion) -> WindowShape {
    let signature = &version.signature;
    let (target_name, class_names) = match &signature.output {
        Output::Classes {
            target,
            class_names,
        } => (target.clone(), class_names.clone()),
        Output::Value { target } => (target.clone(), Vec::new()),
    };
    WindowShape {
        feature_names: signature.feature_names.clone(),
        feature_kinds: Vec::new(),
        target_name,
        class_names,
    }
}
