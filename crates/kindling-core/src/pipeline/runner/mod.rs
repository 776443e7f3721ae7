//! Takes a pipeline through its steps. The rules live here; a [`PipelineHost`] does what
//! differs between the tab and the command line: loading data, training (in workers, or on
//! threads), checking and registering models. Every change to the run record is reported to
//! the host, which shows it live and stores it, so a reload never loses a finished step.

use std::future::Future;
use std::pin::Pin;

use super::cache;
use super::file::Pipeline;
use super::record::{
    Artefact, Outcome, PipelineRun, Step, StepRecord, StepState, StoredPipeline, Trigger,
};
use crate::data::Dataset;
use crate::ids::short_id;
use crate::registry::ModelVersion;
use crate::registry::gates::{Gate, GateReport};
use crate::spec::TrainSpec;
use crate::tracking::RunRecord;
use crate::validation::{self, DataProfile, DataSchema, SchemaPolicy};

pub type HostFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + 'a>>;

/// One trial to train as a tracked run with this id, name, tags and recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainRequest {
    pub run_id: String,
    pub name: String,
    /// A pipeline's runs, its sweep's trials among them, are the experiment of its name.
    pub experiment: String,
    pub tags: Vec<String>,
    pub spec: TrainSpec,
}

/// What the browser and the command line each provide. Errors are in words for a person.
pub trait PipelineHost {
    fn now_ms(&self) -> f64;
    /// A fresh run id.
    fn new_run_id(&self) -> String;
    /// The data a source names now (for a CSV, the latest upload of its name, or the file).
    fn load<'a>(&'a self, pipeline: &'a Pipeline) -> HostFuture<'a, Dataset>;
    /// Trains every request on `data`, at most `parallel` at once (the host's cores when
    /// `None`), each a tracked run; returns each run's final record, in order. A run that
    /// failed is returned failed, not as an error; an error means none could be trained.
    fn train<'a>(
        &'a self,
        data: &'a Dataset,
        requests: Vec<TrainRequest>,
        parallel: Option<usize>,
    ) -> HostFuture<'a, Vec<RunRecord>>;
    /// A stored run, if it is still there.
    fn run<'a>(&'a self, id: &'a str) -> HostFuture<'a, Option<RunRecord>>;
    /// The run checked against `gates` (or the registered model's own) and the automatic
    /// checks, judged against `model`'s champion when there is one.
    fn gate<'a>(
        &'a self,
        run: &'a RunRecord,
        model: Option<&'a str>,
        gates: &'a [Gate],
    ) -> HostFuture<'a, GateReport>;
    /// The version that holds `model`'s champion alias and the run it came from.
    fn champion<'a>(&'a self, model: &'a str) -> HostFuture<'a, Option<(u32, String)>>;
    /// Registers the run as `model`'s next version (creating the model with `gates`).
    fn register<'a>(
        &'a self,
        run: &'a RunRecord,
        model: &'a str,
        gates: &'a [Gate],
        report: &'a GateReport,
    ) -> HostFuture<'a, ModelVersion>;
    /// The version of `model` registered from `run_id`, if one was.
    fn version_of_run<'a>(&'a self, model: &'a str, run_id: &'a str)
    -> HostFuture<'a, Option<u32>>;
    /// The version `alias` points at.
    fn alias<'a>(&'a self, model: &'a str, alias: &'a str) -> HostFuture<'a, Option<u32>>;
    fn promote<'a>(
        &'a self,
        model: &'a str,
        alias: &'a str,
        version: u32,
        reason: String,
    ) -> HostFuture<'a, ()>;
    /// Called after every change to the record.
    fn report(&self, run: &PipelineRun);
    /// True once a person asked the run to stop.
    fn stop_requested(&self) -> bool;
}

impl PipelineRun {
    /// A new run of `pipeline` (whose file's hash is `file_sha256`), every step waiting.
    pub fn start(
        id: String,
        pipeline: &Pipeline,
        file_sha256: String,
        trigger: Trigger,
        now_ms: f64,
    ) -> Self {
        Self {
            id,
            pipeline: pipeline.name.clone(),
            file_sha256,
            trigger,
            started_ms: now_ms,
            ended_ms: None,
            steps: Step::ALL
                .iter()
                .map(|&step| StepRecord {
                    step,
                    state: StepState::Waiting,
                    duration_ms: 0.0,
                    log: Vec::new(),
                    cache_key: None,
                    artefact: None,
                })
                .collect(),
            outcome: None,
            app_version: crate::APP_VERSION.to_owned(),
        }
    }
}

/// Why the steps stopped early.
enum Halt {
    Failed(Step, String),
    Stopped,
}

/// Runs `pipeline` from the start of `record` to its end. `memory` (the stored pipeline) gains
/// the schema of the first data version and the latest data profile; `previous` are this
/// pipeline's earlier runs, whose steps are reused when their keys match.
pub async fn run_pipeline<H: PipelineHost + ?Sized>(
    host: &H,
    pipeline: &Pipeline,
    memory: &mut StoredPipeline,
    previous: &[PipelineRun],
    mut record: PipelineRun,
) -> PipelineRun {
    host.report(&record);
    let halted = Steps {
        host,
        pipeline,
        previous,
    }
    .all(memory, &mut record)
    .await;
    let now_ms = host.now_ms();
    record.outcome = Some(match halted {
        Ok(()) => Outcome::Passed,
        Err(Halt::Failed(step, reason)) => Outcome::Failed { step, reason },
        Err(Halt::Stopped) => Outcome::Stopped,
    });
    for step in &mut record.steps {
        if matches!(step.state, StepState::Waiting | StepState::Running) {
            step.state = StepState::Skipped;
        }
    }
    record.ended_ms = Some(now_ms);
    host.report(&record);
    record
}

struct Steps<'a, H: ?Sized> {
    host: &'a H,
    pipeline: &'a Pipeline,
    previous: &'a [PipelineRun],
}

/// A step's result: its state, log and artefact, and the key a later run may reuse it by.
struct Done {
    state: StepState,
    log: Vec<String>,
    key: Option<String>,
    artefact: Option<Artefact>,
}

impl Done {
    fn passed(log: Vec<String>, key: Option<String>, artefact: Artefact) -> Self {
        Self {
            state: StepState::Passed,
            log,
            key,
            artefact: Some(artefact),
        }
    }

    fn reused(run: &PipelineRun, key: String, artefact: &Artefact) -> Self {
        Self {
            state: StepState::Cached,
            log: vec![format!(
                "the same inputs as run {}: its result is reused",
                short_id(&run.id)
            )],
            key: Some(key),
            artefact: Some(artefact.clone()),
        }
    }

    /// The registry already holds what the step would make (a version, an alias).
    fn already(what: String, key: String, artefact: Artefact) -> Self {
        Self {
            state: StepState::Cached,
            log: vec![what],
            key: Some(key),
            artefact: Some(artefact),
        }
    }

    fn skipped(reason: &str) -> Self {
        Self {
            state: StepState::Skipped,
            log: vec![reason.to_owned()],
            key: None,
            artefact: None,
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("settings always serialise")
}

impl<H: PipelineHost + ?Sized> Steps<'_, H> {
    fn begin(&self, record: &mut PipelineRun, step: Step) -> f64 {
        record.step_mut(step).state = StepState::Running;
        self.host.report(record);
        self.host.now_ms()
    }

    fn end(&self, record: &mut PipelineRun, step: Step, started_ms: f64, done: Done) {
        let entry = record.step_mut(step);
        entry.state = done.state;
        entry.log = done.log;
        entry.cache_key = done.key;
        entry.artefact = done.artefact;
        entry.duration_ms = self.host.now_ms() - started_ms;
        self.host.report(record);
    }

    /// Ends `step` failed with `reason` in its log, keeping what it found (`artefact`).
    fn fail(
        &self,
        record: &mut PipelineRun,
        step: Step,
        started_ms: f64,
        mut log: Vec<String>,
        reason: String,
        artefact: Option<Artefact>,
    ) -> Halt {
        log.push(reason.clone());
        self.end(
            record,
            step,
            started_ms,
            Done {
                state: StepState::Failed,
                log,
                key: None,
                artefact,
            },
        );
        Halt::Failed(step, reason)
    }

    async fn all(&self, memory: &mut StoredPipeline, record: &mut PipelineRun) -> Result<(), Halt> {
        let (data, profile) = self.ingest(memory, record).await?;
        self.validate(memory, record, &data, &profile)?;
        self.split(record, &data);
        let training = self.train(record, &data).await?;
        let best = self.evaluate(record, &training).await?;
        let report = self.gate(record, &best).await?;
        let Some(promote) = &self.pipeline.promote else {
            let started = self.begin(record, Step::Register);
            self.end(
                record,
                Step::Register,
                started,
                Done::skipped("the pipeline has no [promote]: nothing is registered"),
            );
            let started = self.begin(record, Step::Promote);
            self.end(
                record,
                Step::Promote,
                started,
                Done::skipped("the pipeline has no [promote]"),
            );
            return Ok(());
        };
        let version = self
            .register(record, &best, &promote.model, &report)
            .await?;
        match &promote.alias {
            Some(alias) => self.promote(record, &promote.model, alias, version).await,
            None => {
                let started = self.begin(record, Step::Promote);
                self.end(
                    record,
                    Step::Promote,
                    started,
                    Done::skipped("[promote] names no alias"),
                );
                Ok(())
            }
        }
    }

    async fn ingest(
        &self,
        memory: &mut StoredPipeline,
        record: &mut PipelineRun,
    ) -> Result<(Dataset, DataProfile), Halt> {
        let started = self.begin(record, Step::Ingest);
        let data = match self.host.load(self.pipeline).await {
            Ok(data) => data,
            Err(reason) => {
                return Err(self.fail(record, Step::Ingest, started, Vec::new(), reason, None));
            }
        };
        let profile = DataProfile::of(&data);
        let mut log = vec![format!(
            "data version {} ({} rows, {} columns, target {})",
            short_id(&profile.dataset_id),
            profile.rows,
            profile.columns.len(),
            profile.target.name()
        )];
        let changes = match &memory.last_profile {
            None => {
                log.push("the first data version this pipeline has seen".into());
                Vec::new()
            }
            Some(last) if last.dataset_id == profile.dataset_id => {
                log.push("the same version as the last run".into());
                Vec::new()
            }
            Some(last) => {
                let changes = profile.changes_since(last);
                log.push(format!(
                    "changed since version {}:",
                    short_id(&last.dataset_id)
                ));
                log.extend(changes.iter().map(|change| format!("  {change}")));
                changes
            }
        };
        memory.last_profile = Some(profile.clone());
        let artefact = Artefact::Data {
            profile: profile.clone(),
            changes,
        };
        let key = cache::key(
            "ingest",
            &[&profile.dataset_id, &format!("{:?}", self.pipeline.data)],
        );
        let done = match cache::cached(self.previous, Step::Ingest, &key) {
            // The data had to be read to know it is the same; what it found is unchanged.
            Some((earlier, _)) => {
                let mut done = Done::reused(earlier, key, &artefact);
                done.log.insert(0, log.swap_remove(0));
                done
            }
            None => Done::passed(log, Some(key), artefact),
        };
        self.end(record, Step::Ingest, started, done);
        Ok((data, profile))
    }

    fn validate(
        &self,
        memory: &mut StoredPipeline,
        record: &mut PipelineRun,
        data: &Dataset,
        profile: &DataProfile,
    ) -> Result<(), Halt> {
        let started = self.begin(record, Step::Validate);
        let expect = self.pipeline.expect.clone().unwrap_or_default();
        let schema_from = memory
            .schema
            .as_ref()
            .map_or("", |schema| schema.inferred_from.as_str());
        let key = cache::key(
            "validate",
            &[&profile.dataset_id, &json(&expect), schema_from],
        );
        if let Some((run, artefact)) = cache::cached(self.previous, Step::Validate, &key) {
            self.end(
                record,
                Step::Validate,
                started,
                Done::reused(run, key, artefact),
            );
            return Ok(());
        }
        let mut log = Vec::new();
        let mut schema_inferred = false;
        if expect.schema == SchemaPolicy::FirstVersion && memory.schema.is_none() {
            memory.schema = Some(DataSchema::infer(profile));
            schema_inferred = true;
            log.push(format!(
                "schema inferred from this version: {} columns; later versions are held to it",
                profile.columns.len()
            ));
        }
        let anomalies = validation::check(data, profile, memory.schema.as_ref(), &expect);
        for anomaly in &anomalies {
            log.push(format!(
                "{}: {anomaly}",
                if anomaly.blocking {
                    "blocking"
                } else {
                    "warning"
                }
            ));
        }
        let blocking: Vec<String> = anomalies
            .iter()
            .filter(|a| a.blocking)
            .map(ToString::to_string)
            .collect();
        if !blocking.is_empty() {
            let reason = format!(
                "{} blocking data {}: {}",
                blocking.len(),
                if blocking.len() == 1 {
                    "anomaly"
                } else {
                    "anomalies"
                },
                blocking.join("; ")
            );
            // The report stays beside the failure: it is what a person reads.
            let artefact = Artefact::Validation {
                anomalies,
                schema_inferred,
            };
            return Err(self.fail(record, Step::Validate, started, log, reason, Some(artefact)));
        }
        if anomalies.is_empty() {
            log.push("no anomalies".into());
        }
        let key = memory.schema.as_ref().map_or(key.clone(), |schema| {
            cache::key(
                "validate",
                &[&profile.dataset_id, &json(&expect), &schema.inferred_from],
            )
        });
        self.end(
            record,
            Step::Validate,
            started,
            Done::passed(
                log,
                Some(key),
                Artefact::Validation {
                    anomalies,
                    schema_inferred,
                },
            ),
        );
        Ok(())
    }

    fn split(&self, record: &mut PipelineRun, data: &Dataset) {
        let started = self.begin(record, Step::Split);
        let spec = self.pipeline.train.split;
        let key = cache::key(
            "split",
            &[&crate::data::prepare::dataset_id(data), &json(&spec)],
        );
        if let Some((run, artefact)) = cache::cached(self.previous, Step::Split, &key) {
            self.end(
                record,
                Step::Split,
                started,
                Done::reused(run, key, artefact),
            );
            return;
        }
        let split = spec.split(data);
        let log = vec![format!(
            "{} rows to train on, {} to validate, {} to test (seed {})",
            split.train.len(),
            split.validation.len(),
            split.test.len(),
            spec.seed
        )];
        let artefact = Artefact::Split {
            train_rows: split.train.len(),
            validation_rows: split.validation.len(),
            test_rows: split.test.len(),
        };
        self.end(
            record,
            Step::Split,
            started,
            Done::passed(log, Some(key), artefact),
        );
    }
}

mod promote;
#[cfg(test)]
mod tests;
mod train;
