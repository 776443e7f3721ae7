//! The runner against a host that "trains" by formula: which steps run, which are reused,
//! where a run stops and what it leaves, without Burn or a browser.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use super::{HostFuture, PipelineHost, TrainRequest, run_pipeline};
use crate::data::Dataset;
use crate::data::synthetic::SyntheticSpec;
use crate::pipeline::file::{Pipeline, parse};
use crate::pipeline::record::{
    Artefact, Outcome, PipelineRun, Step, StepState, StoredPipeline, Trigger,
};
use crate::registry::ModelVersion;
use crate::registry::fixtures;
use crate::registry::gates::{self, Champion, Gate, GateReport};
use crate::tracking::contract::block_on;
use crate::tracking::{RunRecord, RunState};

#[derive(Default)]
struct FakeHost {
    data: RefCell<Option<Dataset>>,
    runs: RefCell<BTreeMap<String, RunRecord>>,
    /// (model, version, run id, metrics)
    versions: RefCell<Vec<ModelVersion>>,
    aliases: RefCell<BTreeMap<(String, String), u32>>,
    ids: Cell<u32>,
    trained: Cell<usize>,
    /// Press Stop once this many runs have trained.
    stop_after: Cell<Option<usize>>,
    stop: Cell<bool>,
    widest_batch: Cell<usize>,
}

/// The fake's validation accuracy: best at a learning rate of 0.01, a little better with
/// more epochs, so a grid and halving have a clear winner.
fn score(request: &TrainRequest) -> f64 {
    let spec = &request.spec;
    0.9 - (spec.learning_rate / 0.01).ln().abs() * 0.05 + spec.epochs as f64 * 0.0001
}

impl PipelineHost for FakeHost {
    fn now_ms(&self) -> f64 {
        1_000.0
    }

    fn new_run_id(&self) -> String {
        self.ids.set(self.ids.get() + 1);
        format!("run-{:03}", self.ids.get())
    }

    fn load<'a>(&'a self, _pipeline: &'a Pipeline) -> HostFuture<'a, Dataset> {
        let data = self
            .data
            .borrow()
            .clone()
            .ok_or_else(|| "no data".to_owned());
        Box::pin(async move { data })
    }

    fn train<'a>(
        &'a self,
        data: &'a Dataset,
        requests: Vec<TrainRequest>,
        _parallel: Option<usize>,
    ) -> HostFuture<'a, Vec<RunRecord>> {
        self.widest_batch
            .set(self.widest_batch.get().max(requests.len()));
        let runs = requests
            .into_iter()
            .map(|request| {
                let mut run = RunRecord::new(
                    request.run_id.clone(),
                    request.name.clone(),
                    request.spec.clone(),
                    data,
                    0.0,
                );
                run.tags = request.tags.iter().cloned().collect();
                run.experiment = request.experiment.clone();
                if self.stop.get() {
                    run.state = RunState::Stopped;
                } else {
                    self.trained.set(self.trained.get() + 1);
                    let accuracy = score(&request);
                    run.metrics.insert("val_accuracy".into(), accuracy);
                    run.metrics.insert("test_accuracy".into(), accuracy - 0.01);
                    run.state = RunState::Finished {
                        early_stopped: false,
                    };
                    if self.stop_after.get() == Some(self.trained.get()) {
                        self.stop.set(true);
                    }
                }
                self.runs.borrow_mut().insert(run.id.clone(), run.clone());
                run
            })
            .collect();
        Box::pin(async move { Ok(runs) })
    }

    fn run<'a>(&'a self, id: &'a str) -> HostFuture<'a, Option<RunRecord>> {
        let run = self.runs.borrow().get(id).cloned();
        Box::pin(async move { Ok(run) })
    }

    fn gate<'a>(
        &'a self,
        run: &'a RunRecord,
        model: Option<&'a str>,
        gates: &'a [Gate],
    ) -> HostFuture<'a, GateReport> {
        let champion = model.and_then(|model| {
            let number = *self
                .aliases
                .borrow()
                .get(&(model.to_owned(), "champion".to_owned()))?;
            self.versions
                .borrow()
                .iter()
                .find(|v| v.model == model && v.version == number)
                .cloned()
        });
        let champion = champion.as_ref().map(|version| Champion {
            version: version.version,
            metrics: &version.metrics,
        });
        let report = gates::evaluate(gates, &run.metrics, champion.as_ref(), Vec::new());
        Box::pin(async move { Ok(report) })
    }

    fn champion<'a>(&'a self, model: &'a str) -> HostFuture<'a, Option<(u32, String)>> {
        let number = self
            .aliases
            .borrow()
            .get(&(model.to_owned(), "champion".to_owned()))
            .copied();
        let champion = number.and_then(|number| {
            let versions = self.versions.borrow();
            let version = versions
                .iter()
                .find(|v| v.model == model && v.version == number)?;
            Some((number, version.lineage.run_id.clone()))
        });
        Box::pin(async move { Ok(champion) })
    }

    fn register<'a>(
        &'a self,
        run: &'a RunRecord,
        model: &'a str,
        _gates: &'a [Gate],
        report: &'a GateReport,
    ) -> HostFuture<'a, ModelVersion> {
        let number = self
            .versions
            .borrow()
            .iter()
            .filter(|v| v.model == model)
            .count() as u32
            + 1;
        let mut version = fixtures::version(model, number);
        version.lineage.run_id = run.id.clone();
        version.metrics = run.metrics.clone();
        version.gate_report = report.clone();
        self.versions.borrow_mut().push(version.clone());
        Box::pin(async move { Ok(version) })
    }

    fn version_of_run<'a>(
        &'a self,
        model: &'a str,
        run_id: &'a str,
    ) -> HostFuture<'a, Option<u32>> {
        let found = self
            .versions
            .borrow()
            .iter()
            .find(|v| v.model == model && v.lineage.run_id == run_id)
            .map(|v| v.version);
        Box::pin(async move { Ok(found) })
    }

    fn alias<'a>(&'a self, model: &'a str, alias: &'a str) -> HostFuture<'a, Option<u32>> {
        let found = self
            .aliases
            .borrow()
            .get(&(model.to_owned(), alias.to_owned()))
            .copied();
        Box::pin(async move { Ok(found) })
    }

    fn promote<'a>(
        &'a self,
        model: &'a str,
        alias: &'a str,
        version: u32,
        _reason: String,
    ) -> HostFuture<'a, ()> {
        self.aliases
            .borrow_mut()
            .insert((model.to_owned(), alias.to_owned()), version);
        Box::pin(async { Ok(()) })
    }

    fn report(&self, _run: &PipelineRun) {}

    fn stop_requested(&self) -> bool {
        self.stop.get()
    }
}

const GRID: &str = r#"
format = "kindling-pipeline/1"
name = "spiral"
[data]
synthetic = "spiral"
[expect]
schema = "first-version"
min_rows = 50
[train]
epochs = 20
[sweep]
strategy = "grid"
learning_rate = [0.1, 0.01, 0.003, 0.03]
[gate]
test_accuracy = ">= 0.5"
beat_champion_by = 0.0
[promote]
model = "spiral"
alias = "champion"
"#;

/// Runs the pipeline `text` on `host` as its stored memory and earlier runs say.
struct Bench {
    host: FakeHost,
    memory: StoredPipeline,
    history: Vec<PipelineRun>,
}

impl Bench {
    fn new(text: &str) -> Self {
        let host = FakeHost::default();
        *host.data.borrow_mut() = Some(SyntheticSpec::default().generate().unwrap());
        let memory = StoredPipeline {
            name: parse(text).unwrap().name,
            text: text.to_owned(),
            created_ms: 0.0,
            updated_ms: 0.0,
            schema: None,
            last_profile: None,
        };
        Self {
            host,
            memory,
            history: Vec::new(),
        }
    }

    fn run(&mut self) -> PipelineRun {
        let pipeline = parse(&self.memory.text).unwrap();
        let id = format!("p{}", self.history.len() + 1);
        let record = PipelineRun::start(id, &pipeline, "sha".into(), Trigger::Manual, 0.0);
        let done = block_on(run_pipeline(
            &self.host,
            &pipeline,
            &mut self.memory,
            &self.history,
            record,
        ));
        self.history.push(done.clone());
        done
    }
}

fn states(run: &PipelineRun) -> Vec<&'static str> {
    run.steps.iter().map(|step| step.state.label()).collect()
}

#[test]
fn a_grid_trains_every_trial_picks_the_best_and_promotes_it() {
    let mut bench = Bench::new(GRID);
    let run = bench.run();
    assert_eq!(run.outcome, Some(Outcome::Passed), "{run:#?}");
    assert_eq!(states(&run), ["passed"; 8]);
    let training = run.training().unwrap();
    assert_eq!(training.trials.len(), 4);
    assert_eq!(
        bench.host.widest_batch.get(),
        4,
        "a grid's trials go to the host together"
    );
    let best = &training.trials[training.best.unwrap()];
    assert_eq!(best.label, "learning_rate=0.01");
    assert_eq!(
        bench.host.aliases.borrow()[&("spiral".to_owned(), "champion".to_owned())],
        1
    );
    let best_run = &bench.host.runs.borrow()[best.run_id.as_ref().unwrap()];
    assert!(
        best_run.tags.contains("pipeline-spiral") && best_run.tags.contains("sweep"),
        "{:?}",
        best_run.tags
    );
    assert_eq!(
        best_run.experiment, "spiral",
        "a sweep's trials are its pipeline's experiment"
    );
    assert!(
        bench.memory.schema.is_some(),
        "the first version became the schema"
    );
}

#[test]
fn an_unchanged_rerun_reuses_every_step_and_changes_nothing() {
    let mut bench = Bench::new(GRID);
    bench.run();
    let again = bench.run();
    assert_eq!(again.outcome, Some(Outcome::Passed), "{again:#?}");
    assert_eq!(states(&again), ["cached"; 8]);
    assert_eq!(bench.host.trained.get(), 4, "nothing trained twice");
    assert_eq!(
        bench.host.versions.borrow().len(),
        1,
        "nothing registered twice"
    );
    assert!(
        again.step(Step::Train).log[0].contains("run p1:"),
        "{:?}",
        again.step(Step::Train).log
    );
}

#[test]
fn a_renamed_column_stops_the_run_before_it_trains() {
    let mut bench = Bench::new(GRID);
    bench.run();
    bench.host.data.borrow_mut().as_mut().unwrap().feature_names[0] = "renamed".into();
    let run = bench.run();
    let Some(Outcome::Failed {
        step: Step::Validate,
        reason,
    }) = &run.outcome
    else {
        panic!("{:?}", run.outcome)
    };
    assert!(reason.contains("blocking data anomal"), "{reason}");
    assert!(
        reason.ends_with("x: the column is missing: the first version had it"),
        "{reason}"
    );
    assert_eq!(&states(&run)[2..], ["skipped"; 6]);
    assert_eq!(
        bench.host.trained.get(),
        4,
        "nothing trained on the bad version"
    );
    let Some(Artefact::Validation { anomalies, .. }) = &run.step(Step::Validate).artefact else {
        panic!()
    };
    assert!(anomalies.iter().any(|anomaly| anomaly.blocking));
}

#[test]
fn a_failed_gate_stops_before_the_registry_with_the_report() {
    let mut bench = Bench::new(&GRID.replace(">= 0.5", ">= 0.99"));
    let run = bench.run();
    let Some(Outcome::Failed {
        step: Step::Gate,
        reason,
    }) = &run.outcome
    else {
        panic!("{:?}", run.outcome)
    };
    assert!(reason.contains("test_accuracy ≥ 0.99"), "{reason}");
    assert!(
        matches!(run.step(Step::Gate).artefact, Some(Artefact::Gate(ref report)) if !report.passed())
    );
    assert_eq!(run.step(Step::Register).state, StepState::Skipped);
    assert!(bench.host.versions.borrow().is_empty());
}

#[test]
fn a_challenger_must_beat_the_champion_and_the_champion_is_not_judged_against_itself() {
    let mut bench = Bench::new(GRID);
    bench.run();
    // The same data with a worse grid: its best trial cannot beat the champion.
    bench.memory.text = GRID.replace("[0.1, 0.01, 0.003, 0.03]", "[0.1, 0.3]");
    let worse = bench.run();
    assert!(
        matches!(&worse.outcome, Some(Outcome::Failed { step: Step::Gate, reason }) if reason.contains("champion")),
        "{:?}",
        worse.outcome
    );
    bench.memory.text = GRID.to_owned();
    let same = bench.run();
    assert_eq!(same.outcome, Some(Outcome::Passed), "{:?}", same.outcome);
    assert_eq!(bench.host.versions.borrow().len(), 1);
    // The champion's own thresholds still apply when they change.
    bench.memory.text = GRID.replace(">= 0.5", ">= 0.99");
    let stricter = bench.run();
    assert!(
        matches!(&stricter.outcome, Some(Outcome::Failed { step: Step::Gate, reason }) if reason.contains("≥ 0.99")),
        "{:?}",
        stricter.outcome
    );
}

#[test]
fn a_stopped_sweep_keeps_its_finished_trials_and_resumes_with_the_rest() {
    let mut bench =
        Bench::new(&GRID.replace("strategy = \"grid\"", "strategy = \"grid\"\nparallel = 1"));
    bench.host.stop_after.set(Some(2));
    let stopped = bench.run();
    assert_eq!(stopped.outcome, Some(Outcome::Stopped));
    assert_eq!(stopped.step(Step::Train).state, StepState::Stopped);
    let kept: Vec<&str> = stopped
        .training()
        .unwrap()
        .trials
        .iter()
        .map(|trial| trial.state.as_str())
        .collect();
    assert_eq!(kept, ["finished", "finished", "stopped", "stopped"]);
    bench.host.stop.set(false);
    bench.host.stop_after.set(None);
    let resumed = bench.run();
    assert_eq!(
        resumed.outcome,
        Some(Outcome::Passed),
        "{:?}",
        resumed.outcome
    );
    assert_eq!(
        bench.host.trained.get(),
        4,
        "only the two unfinished trials trained again"
    );
    let log = &resumed.step(Step::Train).log;
    assert_eq!(
        log.iter()
            .filter(|line| line.contains("reuses run"))
            .count(),
        2,
        "{log:?}"
    );
}

#[test]
fn halving_trains_rung_by_rung_and_keeps_the_best_third() {
    let text = GRID
        .replace(
            "strategy = \"grid\"",
            "strategy = \"halving\"\ntrials = 9\nseed = 3",
        )
        .replace(
            "learning_rate = [0.1, 0.01, 0.003, 0.03]",
            "learning_rate = { min = 0.001, max = 0.1, log = true }",
        )
        .replace("epochs = 20", "epochs = 90");
    let mut bench = Bench::new(&text);
    let run = bench.run();
    assert_eq!(run.outcome, Some(Outcome::Passed), "{:?}", run.outcome);
    let training = run.training().unwrap();
    let per_rung: Vec<(usize, usize)> = (0..3)
        .map(|rung| {
            let trials: Vec<_> = training
                .trials
                .iter()
                .filter(|trial| trial.rung == rung)
                .collect();
            (trials.len(), trials[0].epochs)
        })
        .collect();
    assert_eq!(per_rung, [(9, 10), (3, 30), (1, 90)]);
    assert_eq!(bench.host.trained.get(), 13);
    let best = &training.trials[training.best.unwrap()];
    let best_first_rung = training
        .trials
        .iter()
        .filter(|trial| trial.rung == 0)
        .max_by(|a, b| a.score.partial_cmp(&b.score).unwrap())
        .unwrap();
    assert_eq!(
        best.number, best_first_rung.number,
        "the fake's ranking does not change with epochs"
    );
}
