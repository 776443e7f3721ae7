//! A run as tracking keeps it: its state, the data it saw, its summary (name, tags, note, the
//! latest metrics, the whole recipe) and its params as MLflow would log them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::query::{Queryable, Value};
use crate::choice::Choice;
use crate::data::prepare::dataset_id;
use crate::data::{Dataset, Target, Task};
use crate::evaluation::{Evaluation, test_metrics};
use crate::metrics::EpochMetrics;
use crate::spec::{DatasetSpec, ModelSpec, Optimizer, TrainSpec};

/// Where a run is in its life. `Interrupted` is a run cut off mid-training (its tab closed or
/// reloaded, or its trainer crashed): its epochs so far are kept, but it has no final model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RunState {
    Running,
    Finished { early_stopped: bool },
    Stopped,
    Failed { reason: String },
    Interrupted,
}

impl RunState {
    /// The word the Runs table shows and the query language matches (`status = failed`).
    pub fn label(&self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Finished { .. } => "finished",
            RunState::Stopped => "stopped",
            RunState::Failed { .. } => "failed",
            RunState::Interrupted => "interrupted",
        }
    }
}

/// Which rows a run saw: enough to find the stored dataset again and to tell two versions of
/// "the same" file apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRef {
    /// [`dataset_id`]: the sha256 of the rows' canonical encoding.
    pub id: String,
    pub name: String,
    pub task: Task,
    pub rows: usize,
    pub features: usize,
    /// What the model predicts, and the classes' names in label order (empty for a number):
    /// the run's pages label confusion matrices and curves with them.
    pub target: String,
    pub class_names: Vec<String>,
}

impl DatasetRef {
    pub fn of(data: &Dataset) -> Self {
        let class_names = match &data.target {
            Target::Classes { class_names, .. } => class_names.clone(),
            Target::Values { .. } => Vec::new(),
        };
        Self {
            id: dataset_id(data),
            name: data.name.clone(),
            task: data.task(),
            rows: data.row_count(),
            features: data.feature_count(),
            target: data.target.name().to_owned(),
            class_names,
        }
    }
}

/// The experiment of runs no one put in another, and of every run kept before experiments.
pub const DEFAULT_EXPERIMENT: &str = "Default";

/// The longest experiment name: long enough for "Week 3 · Ada Lovelace · wine", short enough
/// for a table's heading.
pub const MAX_EXPERIMENT_CHARS: usize = 80;

fn default_experiment() -> String {
    DEFAULT_EXPERIMENT.to_owned()
}

/// Why a typed experiment name cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExperimentNameError {
    #[error("an experiment name is at most {MAX_EXPERIMENT_CHARS} characters; this one has {0}")]
    TooLong(usize),
    #[error("an experiment name is one line: take out the line break")]
    LineBreak,
}

/// An experiment name as a person typed it: trimmed, and blank meaning the default.
pub fn typed_experiment_name(typed: &str) -> Result<String, ExperimentNameError> {
    let name = typed.trim();
    if name.contains(['\n', '\r']) {
        return Err(ExperimentNameError::LineBreak);
    }
    match name.chars().count() {
        0 => Ok(DEFAULT_EXPERIMENT.to_owned()),
        count if count > MAX_EXPERIMENT_CHARS => Err(ExperimentNameError::TooLong(count)),
        _ => Ok(name.to_owned()),
    }
}

/// Every experiment `runs` belong to with how many runs each has: the default first, then by
/// name.
pub fn experiments(runs: &[RunRecord]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for run in runs {
        *counts.entry(run.experiment.as_str()).or_default() += 1;
    }
    let mut listed: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(name, count)| (name.to_owned(), count))
        .collect();
    listed.sort_by_key(|(name, _)| name != DEFAULT_EXPERIMENT);
    listed
}

/// One run as the Runs table lists it. Its epoch history and final evaluation are stored
/// beside it (see [`super::store::RunStore`]), so listing 10,000 runs reads only these summaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique across workspaces (time + randomness), so an imported run never takes the place
    /// of a local one.
    pub id: String,
    pub name: String,
    pub state: RunState,
    pub spec: TrainSpec,
    pub dataset: DatasetRef,
    pub tags: BTreeSet<String>,
    pub note: String,
    /// The experiment the run belongs to, as in MLflow: the Runs table, Compare and the MLflow
    /// sync group runs by it. Runs kept before experiments existed read as the default one.
    #[serde(default = "default_experiment")]
    pub experiment: String,
    pub started_ms: f64,
    pub ended_ms: Option<f64>,
    pub epochs_done: usize,
    /// Training time reported by the trainer (excludes time spent paused).
    pub duration_ms: f64,
    /// The latest value of each metric: the last epoch's train/validation figures, then the
    /// kept model's test scores once the run finishes.
    #[serde(deserialize_with = "crate::metrics::renamed_on_read")]
    pub metrics: BTreeMap<String, f64>,
    pub app_version: String,
    /// Why an interrupted run was cut off when the page saw it happen (the trainer crashed);
    /// `None` when the tab itself closed or reloaded, which nothing is left to record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted_because: Option<String>,
}

impl RunRecord {
    pub fn new(id: String, name: String, spec: TrainSpec, data: &Dataset, started_ms: f64) -> Self {
        Self {
            id,
            name,
            state: RunState::Running,
            spec,
            dataset: DatasetRef::of(data),
            tags: BTreeSet::new(),
            note: String::new(),
            experiment: DEFAULT_EXPERIMENT.to_owned(),
            started_ms,
            ended_ms: None,
            epochs_done: 0,
            duration_ms: 0.0,
            metrics: BTreeMap::new(),
            app_version: crate::APP_VERSION.to_owned(),
            interrupted_because: None,
        }
    }

    /// Folds newly finished epochs into the summary.
    pub fn record_epochs(&mut self, epochs: &[EpochMetrics]) {
        for epoch in epochs {
            self.epochs_done = self.epochs_done.max(epoch.epoch);
            self.duration_ms = epoch.elapsed_ms;
            let mut set = |name: &str, value: Option<f64>| {
                if let Some(value) = value.filter(|v| v.is_finite()) {
                    self.metrics.insert(name.to_owned(), value);
                }
            };
            set("train_loss", Some(epoch.train_loss));
            set("train_accuracy", epoch.train_accuracy);
            set("val_loss", epoch.val_loss);
            set("val_accuracy", epoch.val_accuracy);
            set("val_r2", epoch.val_r2);
            set("learning_rate", Some(epoch.learning_rate));
        }
    }

    /// The run produced a model: record how it ended and its test scores.
    pub fn finish(&mut self, outcome: RunOutcome, evaluation: &Evaluation, now_ms: f64) {
        self.state = match outcome {
            RunOutcome::Completed => RunState::Finished {
                early_stopped: false,
            },
            RunOutcome::EarlyStopped => RunState::Finished {
                early_stopped: true,
            },
            RunOutcome::Stopped => RunState::Stopped,
        };
        self.ended_ms = Some(now_ms);
        self.metrics
            .insert("best_epoch".into(), evaluation.best_epoch as f64);
        if let Some(report) = &evaluation.test {
            self.metrics.extend(test_metrics(report));
        }
    }

    pub fn fail(&mut self, reason: String, now_ms: f64) {
        self.state = RunState::Failed { reason };
        self.ended_ms = Some(now_ms);
    }

    /// The trainer went away mid-run (a crash, not the recipe's fault): the run keeps its
    /// epochs as an interrupted one that can be re-run, like a run whose tab was closed.
    pub fn interrupt(&mut self, reason: String, now_ms: f64) {
        self.state = RunState::Interrupted;
        self.interrupted_because = Some(reason);
        self.ended_ms = Some(now_ms);
    }

    /// The headline test score (accuracy or R²) the tables sort by by default.
    pub fn headline(&self) -> Option<f64> {
        self.metrics
            .get("test_accuracy")
            .or_else(|| self.metrics.get("test_r2"))
            .copied()
    }

    /// The run's settings as flat, comparable params (`params.lr` in a query), the way MLflow
    /// logs them: one name per knob, numbers as numbers.
    pub fn params(&self) -> BTreeMap<&'static str, Value> {
        let spec = &self.spec;
        let mut params = BTreeMap::new();
        let number = |value: f64| Value::Number(value);
        let text = |value: &str| Value::Text(value.to_owned());
        params.insert("dataset", text(&self.dataset.name));
        match &spec.dataset {
            DatasetSpec::Synthetic(data) => {
                params.insert("samples", number(data.sample_count as f64));
                params.insert("noise", number(data.noise));
                params.insert("data_seed", number(data.seed as f64));
            }
            DatasetSpec::Bundled(_) | DatasetSpec::Imported { .. } => {}
        }
        params.insert("model", text(spec.model.kind().key()));
        match &spec.model {
            ModelSpec::Mlp {
                hidden_layers,
                activation,
                dropout,
            } => {
                let layers: Vec<String> = hidden_layers.iter().map(ToString::to_string).collect();
                params.insert("hidden_layers", text(&layers.join("-")));
                params.insert("activation", text(activation.key()));
                params.insert("dropout", number(*dropout));
            }
            ModelSpec::Linear => {}
            ModelSpec::Cnn {
                filters,
                pool,
                dense_units,
            } => {
                params.insert("filters", number(*filters as f64));
                params.insert("pool", Value::Bool(*pool));
                params.insert("dense_units", number(*dense_units as f64));
            }
        }
        params.insert("optimizer", text(spec.optimizer.kind().key()));
        if let Optimizer::Sgd { momentum } = spec.optimizer {
            params.insert("momentum", number(momentum));
        }
        params.insert("learning_rate", number(spec.learning_rate));
        params.insert("schedule", text(spec.schedule.kind().key()));
        params.insert("weight_decay", number(spec.weight_decay));
        params.insert("batch_size", number(spec.batch_size as f64));
        params.insert("epochs", number(spec.epochs as f64));
        params.insert("early_stopping", Value::Bool(spec.early_stopping.is_some()));
        if let Some(stopping) = spec.early_stopping {
            params.insert("patience", number(stopping.patience as f64));
        }
        params.insert("seed", number(spec.seed as f64));
        params.insert("val_fraction", number(spec.split.validation_fraction));
        params.insert("test_fraction", number(spec.split.test_fraction));
        params.insert("backend", text(spec.backend.key()));
        params
    }
}

impl Queryable for RunRecord {
    fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).copied()
    }

    fn param(&self, name: &str) -> Option<Value> {
        self.params().remove(name)
    }

    fn has_tag(&self, name: &str) -> bool {
        self.tags.iter().any(|tag| tag.eq_ignore_ascii_case(name))
    }

    fn attribute(&self, name: &str) -> Option<String> {
        match name {
            "name" => Some(self.name.clone()),
            "status" => Some(self.state.label().to_owned()),
            "dataset" => Some(self.dataset.name.clone()),
            "model" => Some(self.spec.model.kind().key().to_owned()),
            "id" => Some(self.id.clone()),
            "experiment" => Some(self.experiment.clone()),
            _ => None,
        }
    }
}

/// How a run that produced a model came to an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    /// Every requested epoch ran.
    Completed,
    /// The person pressed Stop.
    Stopped,
    /// The validation metric stopped improving; the best epoch's weights were kept.
    EarlyStopped,
}

/// Words for generated run names: short, friendly and distinct, like MLflow's "bright-fox-42".
const ADJECTIVES: [&str; 24] = [
    "amber", "bold", "brisk", "calm", "clever", "crisp", "daring", "eager", "fleet", "gentle",
    "glad", "keen", "lucid", "merry", "nimble", "proud", "quick", "quiet", "rapid", "sly",
    "steady", "swift", "vivid", "witty",
];
const NOUNS: [&str; 24] = [
    "badger", "bison", "crane", "falcon", "ferret", "finch", "fox", "gecko", "heron", "ibis",
    "koala", "lark", "lynx", "marten", "moth", "newt", "otter", "owl", "panda", "raven", "robin",
    "seal", "tern", "wren",
];

/// A readable default name from any random number; the person can rename the run.
pub fn generated_run_name(random: u32) -> String {
    let adjective = ADJECTIVES[(random % 24) as usize];
    let noun = NOUNS[((random / 24) % 24) as usize];
    let number = (random / 576) % 100;
    format!("{adjective}-{noun}-{number}")
}

/// The metric names a run can carry, in the order tables and charts list them.
pub const METRIC_NAMES: [&str; 14] = [
    "test_accuracy",
    "test_f1_macro",
    "test_roc_auc",
    "test_log_loss",
    "test_r2",
    "test_rmse",
    "test_mae",
    "val_accuracy",
    "val_r2",
    "val_loss",
    "train_accuracy",
    "train_loss",
    "learning_rate",
    "best_epoch",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::evaluation::Report;

    fn record() -> RunRecord {
        let data = SyntheticSpec::default().generate().unwrap();
        RunRecord::new(
            "r1".into(),
            "quick-fox-1".into(),
            TrainSpec::default(),
            &data,
            1.0,
        )
    }

    #[test]
    fn a_crashed_trainer_leaves_an_interrupted_run_that_says_why_and_old_records_still_read() {
        let mut run = record();
        run.record_epochs(&[epoch(1, 0.5), epoch(2, 0.6)]);
        run.interrupt("the trainer crashed: out of memory".into(), 9.0);
        assert_eq!(run.state, RunState::Interrupted);
        assert_eq!(run.epochs_done, 2, "its epochs are kept");
        assert_eq!(run.ended_ms, Some(9.0));
        let json = serde_json::to_string(&run).unwrap();
        assert!(json.contains("\"interrupted_because\":\"the trainer crashed: out of memory\""));

        let before = serde_json::to_value(record()).unwrap();
        assert!(
            before.get("interrupted_because").is_none(),
            "absent unless set"
        );
        let read: RunRecord = serde_json::from_value(before).unwrap();
        assert_eq!(read.interrupted_because, None);
    }

    #[test]
    fn runs_belong_to_an_experiment_and_old_records_to_the_default_one() {
        let run = record();
        assert_eq!(run.experiment, DEFAULT_EXPERIMENT);
        let mut old = serde_json::to_value(&run).unwrap();
        old.as_object_mut().unwrap().remove("experiment");
        let read: RunRecord = serde_json::from_value(old).unwrap();
        assert_eq!(read.experiment, "Default");

        assert_eq!(typed_experiment_name("  Week 3  ").unwrap(), "Week 3");
        assert_eq!(
            typed_experiment_name(" ").unwrap(),
            "Default",
            "blank is the default"
        );
        assert_eq!(
            typed_experiment_name(&"é".repeat(81))
                .unwrap_err()
                .to_string(),
            "an experiment name is at most 80 characters; this one has 81"
        );
        assert!(
            typed_experiment_name(&"é".repeat(80)).is_ok(),
            "characters, not bytes"
        );
        assert_eq!(
            typed_experiment_name("a\nb").unwrap_err().to_string(),
            "an experiment name is one line: take out the line break"
        );

        let in_experiment = |name: &str| RunRecord {
            experiment: name.to_owned(),
            ..record()
        };
        let runs = [
            in_experiment("Week 3"),
            in_experiment("Default"),
            in_experiment("Alpha"),
            in_experiment("Week 3"),
        ];
        assert_eq!(
            experiments(&runs),
            [
                ("Default".to_owned(), 1),
                ("Alpha".to_owned(), 1),
                ("Week 3".to_owned(), 2)
            ]
        );
        let query = crate::tracking::query::Query::parse("experiment = 'Week 3'").unwrap();
        let matched: Vec<bool> = runs.iter().map(|run| query.matches(run)).collect();
        assert_eq!(matched, [true, false, false, true]);
    }

    fn epoch(epoch: usize, val_accuracy: f64) -> EpochMetrics {
        EpochMetrics {
            epoch,
            learning_rate: 0.01,
            train_loss: 1.0 / epoch as f64,
            train_accuracy: Some(0.5),
            val_loss: Some(0.7),
            val_accuracy: Some(val_accuracy),
            val_r2: None,
            elapsed_ms: 100.0 * epoch as f64,
        }
    }

    #[test]
    fn epochs_update_the_latest_metrics_and_duration() {
        let mut run = record();
        run.record_epochs(&[epoch(1, 0.6), epoch(2, 0.8)]);
        assert_eq!(run.epochs_done, 2);
        assert_eq!(run.duration_ms, 200.0);
        assert_eq!(run.metrics["val_accuracy"], 0.8);
        assert_eq!(run.metrics["train_loss"], 0.5);
        assert!(!run.metrics.contains_key("val_r2"));
    }

    #[test]
    fn finishing_records_the_test_scores_and_the_state() {
        let mut run = record();
        let report = crate::evaluation::classification_report(&[0, 1], &[0.9, 0.1, 0.2, 0.8], 2);
        let evaluation = Evaluation {
            best_epoch: 7,
            validation: None,
            test: Some(Report::Classification(report)),
        };
        run.finish(RunOutcome::EarlyStopped, &evaluation, 50.0);
        assert_eq!(
            run.state,
            RunState::Finished {
                early_stopped: true
            }
        );
        assert_eq!(run.metrics["test_accuracy"], 1.0);
        assert_eq!(run.metrics["best_epoch"], 7.0);
        assert_eq!(run.headline(), Some(1.0));
        assert_eq!(run.ended_ms, Some(50.0));
    }

    #[test]
    fn params_are_flat_and_typed() {
        let run = record();
        let params = run.params();
        assert_eq!(params["learning_rate"], Value::Number(0.01));
        assert_eq!(params["model"], Value::Text("mlp".into()));
        assert_eq!(params["hidden_layers"], Value::Text("64-64".into()));
        assert_eq!(params["early_stopping"], Value::Bool(false));
        assert_eq!(run.attribute("status").as_deref(), Some("running"));
    }

    #[test]
    fn generated_names_vary_with_the_number() {
        assert_eq!(generated_run_name(0), "amber-badger-0");
        assert_ne!(generated_run_name(1), generated_run_name(24));
        assert!(generated_run_name(u32::MAX).split('-').count() == 3);
    }
}
