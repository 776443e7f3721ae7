//! The loop that closes the lifecycle: an alert starts the deployment's pipeline on the
//! training data plus the production rows whose labels have arrived; the pipeline's gates
//! decide; a challenger that passes is promoted (and served) at once, or, when a person must
//! approve, is registered under the `challenger` alias and waits. Each step is recorded in
//! the deployment's history: alert → pipeline run → challenger → gate report → promotion or
//! refusal.

use kindling_core::data::Dataset;
use kindling_core::monitor::deployment::EventKind;
use kindling_core::monitor::fresh::training_plus_window;
use kindling_core::pipeline::record::{Artefact, Outcome, PipelineRun, Step, Trigger};
use leptos::prelude::*;

use super::{Deployments, Retraining};

/// Where a retrained model waits when a person must approve its promotion.
const CHALLENGER: &str = "challenger";
use crate::state::pipelines::Retrain;

impl Deployments {
    /// Starts the deployment's pipeline on fresh data: `Some(alert)` when an alert set it off,
    /// `None` when a person did.
    pub async fn retrain(&self, alert: Option<String>) -> Result<(), String> {
        let (why, trigger) = match alert {
            Some(detail) => (detail.clone(), Trigger::Alert { detail }),
            None => ("started by hand".to_owned(), Trigger::Manual),
        };
        if self.retraining.get_untracked().is_some() {
            return Err("this model is being retrained already".into());
        }
        let deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        let pipeline = deployment
            .retrain
            .pipeline
            .clone()
            .ok_or("choose the pipeline that retrains this model first")?;
        let reference = self
            .reference
            .get_value()
            .ok_or("the training data is not loaded yet")?;
        let now_ms = (self.now_ms)();
        let data = training_plus_window(&reference, &deployment.monitor, now_ms)
            .ok_or("no production labels have arrived yet to retrain on")?;
        let alias = (!deployment.retrain.promote_automatically).then(|| CHALLENGER.to_owned());
        // Claimed before the first await: a second alert heard meanwhile starts nothing.
        self.retraining.set(Some(Retraining::Preparing));
        let started = self.start_pipeline(&pipeline, data, alias, trigger).await;
        let run_id = match started {
            Ok(run_id) => run_id,
            Err(error) => {
                self.retraining.set(None);
                return Err(error);
            }
        };
        self.retraining.set(Some(Retraining::Running {
            run_id: run_id.clone(),
        }));
        // Read again: the endpoint kept reporting while the data was stored.
        let mut deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        deployment.record(
            (self.now_ms)(),
            EventKind::RetrainStarted { pipeline, run_id },
            why,
        );
        self.save(deployment).await
    }

    async fn start_pipeline(
        &self,
        pipeline: &str,
        data: Dataset,
        alias: Option<String>,
        trigger: Trigger,
    ) -> Result<String, String> {
        // Stored like an upload, so the runs it trains can be checked and reproduced.
        self.workbench
            .save_dataset(data.clone())
            .await
            .map_err(|error| error.to_string())?;
        self.pipelines.start_with(
            pipeline,
            trigger,
            Retrain {
                data: Some(data),
                alias,
            },
        )
    }

    /// Once the retraining run has ended: the new champion served, a challenger waiting for
    /// approval, or the refusal recorded with its reason.
    pub(super) fn check_retraining(&self) {
        let Some(Retraining::Running { run_id }) = self.retraining.get_untracked() else {
            return;
        };
        let finished = self.pipelines.runs.with_untracked(|runs| {
            runs.iter()
                .find(|run| run.id == run_id && run.outcome.is_some())
                .cloned()
        });
        let Some(run) = finished else { return };
        self.retraining.set(None);
        let this = *self;
        leptos::task::spawn_local(async move {
            if let Err(error) = this.retraining_ended(run).await {
                this.error.set(Some(error));
            }
        });
    }

    async fn retraining_ended(&self, run: PipelineRun) -> Result<(), String> {
        let mut deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        let now_ms = (self.now_ms)();
        let promoted = match &run.step(Step::Promote).artefact {
            Some(Artefact::Alias { alias, version, .. }) => Some((alias.clone(), *version)),
            _ => None,
        };
        let gate = match &run.step(Step::Gate).artefact {
            Some(Artefact::Gate(report)) => Some(
                report
                    .checks
                    .iter()
                    .map(|check| check.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        };
        match (&run.outcome, promoted) {
            (Some(Outcome::Passed), Some((alias, version))) if alias == deployment.alias => {
                let why = format!(
                    "pipeline run {} passed its gates{}",
                    run.id,
                    gate.map(|gate| format!(": {gate}")).unwrap_or_default()
                );
                self.redeploy(version, EventKind::Promoted { version }, why)
                    .await
            }
            (Some(Outcome::Passed), Some((_, version))) => {
                deployment.record(
                    now_ms,
                    EventKind::AwaitingApproval { version },
                    format!("v{version} passed the gates of pipeline run {}", run.id),
                );
                self.save(deployment).await
            }
            (Some(Outcome::Failed { reason, .. }), _) => {
                deployment.record(now_ms, EventKind::Refused, reason.clone());
                self.save(deployment).await
            }
            (outcome, _) => {
                let why = match outcome {
                    Some(Outcome::Stopped) => "the retraining run was stopped".to_owned(),
                    Some(Outcome::Interrupted) => "the retraining run was interrupted".to_owned(),
                    _ => "the retraining run promoted nothing".to_owned(),
                };
                deployment.record(now_ms, EventKind::Refused, why);
                self.save(deployment).await
            }
        }
    }

    /// A person approves the challenger a retraining left waiting: the alias moves to it and
    /// it is served.
    pub async fn approve(&self, version: u32) -> Result<(), String> {
        let deployment = self.current.get_untracked().ok_or("nothing is deployed")?;
        self.registry
            .move_alias(
                &deployment.model,
                &deployment.alias,
                version,
                "approved on the Deployments page after retraining",
                None,
            )
            .await?;
        self.redeploy(
            version,
            EventKind::Promoted { version },
            "approved by hand".into(),
        )
        .await
    }
}
