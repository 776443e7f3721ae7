//! The tab's side of a pipeline run: data from the bundled files, the generator or the
//! person's uploads; trials on a pool of trainers; gates, versions and aliases through the
//! same registry the Models pages use, so a pipeline's version is indistinguishable from one
//! registered by hand.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use kindling_core::data::Dataset;
use kindling_core::pipeline::file::{DataSource, Pipeline};
use kindling_core::pipeline::record::PipelineRun;
use kindling_core::pipeline::runner::{HostFuture, PipelineHost, TrainRequest};
use kindling_core::registry::gates::{Gate, GateReport};
use kindling_core::registry::{CHAMPION, ModelVersion};
use kindling_core::tracking::RunRecord;
use leptos::prelude::*;

use super::pool::Pool;
use crate::state::data::{ServedFiles, load_bundled};
use crate::state::registry::{Candidate, Registry};
use crate::state::workbench::Workbench;

pub struct BrowserHost {
    pub workbench: Workbench,
    pub registry: Registry,
    pub files: Rc<dyn ServedFiles>,
    pub pool: Pool,
    /// Trials at once when the file does not say.
    pub parallel: usize,
    pub random_u32: fn() -> u32,
    pub on_report: Box<dyn Fn(&PipelineRun)>,
    /// The gate's candidate (the run with its weights), kept for the register step.
    pub candidate: RefCell<Option<Candidate>>,
    pub stopped: Rc<Cell<bool>>,
    /// Trials started by this run: part of each id, so trials started in the same
    /// millisecond never share one.
    pub trials_started: Cell<u32>,
    /// Data given with the start (a drift alert's training data plus production rows), used
    /// instead of the file's `[data]`.
    pub data: Option<Dataset>,
}

impl BrowserHost {
    async fn load_data(&self, pipeline: &Pipeline) -> Result<Dataset, String> {
        if let Some(data) = &self.data {
            return Ok(data.clone());
        }
        match &pipeline.data {
            DataSource::Bundled(bundled) => load_bundled(*bundled, self.files.as_ref()).await,
            DataSource::Synthetic(spec) => spec.generate().map_err(|error| error.to_string()),
            DataSource::Csv { file, .. } => {
                let name = DataSource::dataset_name(file);
                let newest = self.workbench.datasets.with_untracked(|entries| {
                    entries
                        .iter()
                        .filter(|entry| entry.name == name)
                        .max_by(|a, b| a.added_ms.total_cmp(&b.added_ms))
                        .map(|entry| entry.id.clone())
                });
                let id = newest.ok_or_else(|| {
                    format!(
                        "no dataset named \"{name}\" has been uploaded: add {file} on the Data page"
                    )
                })?;
                self.workbench
                    .dataset(&id)
                    .await
                    .map_err(|error| error.to_string())?
                    .ok_or_else(|| format!("the dataset \"{name}\" is no longer stored"))
            }
        }
    }

    fn model(&self, name: &str) -> Option<kindling_core::registry::RegisteredModel> {
        self.registry
            .models
            .with_untracked(|models| models.iter().find(|m| m.name == name).cloned())
    }
}

impl PipelineHost for BrowserHost {
    fn now_ms(&self) -> f64 {
        (self.pool.now_ms)()
    }

    fn new_run_id(&self) -> String {
        self.trials_started.set(self.trials_started.get() + 1);
        format!(
            "run-{}-{:08x}-{}",
            self.now_ms() as u64,
            (self.random_u32)(),
            self.trials_started.get()
        )
    }

    fn load<'a>(&'a self, pipeline: &'a Pipeline) -> HostFuture<'a, Dataset> {
        Box::pin(self.load_data(pipeline))
    }

    fn train<'a>(
        &'a self,
        data: &'a Dataset,
        requests: Vec<TrainRequest>,
        parallel: Option<usize>,
    ) -> HostFuture<'a, Vec<RunRecord>> {
        Box::pin(
            self.pool
                .train_all(data, requests, parallel.unwrap_or(self.parallel)),
        )
    }

    fn run<'a>(&'a self, id: &'a str) -> HostFuture<'a, Option<RunRecord>> {
        let run = self
            .workbench
            .runs
            .with_untracked(|runs| runs.iter().find(|run| run.id == id).cloned());
        Box::pin(async move { Ok(run) })
    }

    fn gate<'a>(
        &'a self,
        run: &'a RunRecord,
        model: Option<&'a str>,
        gates: &'a [Gate],
    ) -> HostFuture<'a, GateReport> {
        Box::pin(async move {
            // A pipeline without [promote] is still checked, against a model no one has.
            let name = model.unwrap_or("unregistered");
            let candidate = self
                .registry
                .validate_against(run.clone(), name, gates.to_vec())
                .await?;
            let report = candidate.report.clone();
            *self.candidate.borrow_mut() = Some(candidate);
            Ok(report)
        })
    }

    fn champion<'a>(&'a self, model: &'a str) -> HostFuture<'a, Option<(u32, String)>> {
        let champion = self.model(model).and_then(|model| {
            let number = *model.aliases.get(CHAMPION)?;
            let version = self.registry.version(&model.name, number)?;
            Some((number, version.lineage.run_id))
        });
        Box::pin(async move { Ok(champion) })
    }

    fn register<'a>(
        &'a self,
        run: &'a RunRecord,
        model: &'a str,
        gates: &'a [Gate],
        _report: &'a GateReport,
    ) -> HostFuture<'a, ModelVersion> {
        Box::pin(async move {
            let candidate =
                self.candidate.borrow_mut().take().filter(|candidate| {
                    candidate.run.id == run.id && candidate.model_name == model
                });
            let candidate = match candidate {
                Some(candidate) => candidate,
                // The gate was reused from an earlier pipeline run: check again for the weights.
                None => {
                    self.registry
                        .validate_against(run.clone(), model, gates.to_vec())
                        .await?
                }
            };
            self.registry.register(candidate).await
        })
    }

    fn version_of_run<'a>(
        &'a self,
        model: &'a str,
        run_id: &'a str,
    ) -> HostFuture<'a, Option<u32>> {
        let found = self.registry.versions.with_untracked(|versions| {
            versions
                .iter()
                .find(|v| v.model == model && v.lineage.run_id == run_id)
                .map(|v| v.version)
        });
        Box::pin(async move { Ok(found) })
    }

    fn alias<'a>(&'a self, model: &'a str, alias: &'a str) -> HostFuture<'a, Option<u32>> {
        let found = self
            .model(model)
            .and_then(|model| model.aliases.get(alias).copied());
        Box::pin(async move { Ok(found) })
    }

    fn promote<'a>(
        &'a self,
        model: &'a str,
        alias: &'a str,
        version: u32,
        reason: String,
    ) -> HostFuture<'a, ()> {
        Box::pin(async move {
            self.registry
                .move_alias(model, alias, version, &reason, None)
                .await
        })
    }

    fn report(&self, run: &PipelineRun) {
        (self.on_report)(run);
    }

    fn stop_requested(&self) -> bool {
        self.stopped.get()
    }
}
