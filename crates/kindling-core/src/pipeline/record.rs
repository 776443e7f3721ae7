//! What a pipeline run keeps: each step's state, duration, log and artefacts, like a CI
//! system's run view, and the pipeline's own memory between runs (its file, the schema it
//! inferred, the last data version it saw).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::short_id;
use crate::registry::gates::GateReport;
use crate::validation::{Anomaly, DataProfile, DataSchema};

/// A pipeline as stored: the file a person wrote and what earlier runs learnt about its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPipeline {
    pub name: String,
    /// The file, exactly as written.
    pub text: String,
    pub created_ms: f64,
    pub updated_ms: f64,
    /// Inferred from the first data version a run saw; later versions are held to it.
    #[serde(default)]
    pub schema: Option<DataSchema>,
    /// The last data version a run saw, to say what changed since.
    #[serde(default)]
    pub last_profile: Option<DataProfile>,
}

/// The steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Ingest,
    Validate,
    Split,
    Train,
    Evaluate,
    Gate,
    Register,
    Promote,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Ingest,
        Step::Validate,
        Step::Split,
        Step::Train,
        Step::Evaluate,
        Step::Gate,
        Step::Register,
        Step::Promote,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Ingest => "ingest",
            Step::Validate => "validate data",
            Step::Split => "split",
            Step::Train => "train",
            Step::Evaluate => "evaluate",
            Step::Gate => "gate",
            Step::Register => "register",
            Step::Promote => "promote",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepState {
    Waiting,
    Running,
    /// An earlier run did this with the same inputs; its artefacts are reused.
    Cached,
    Passed,
    Failed,
    /// A person pressed Stop while it ran.
    Stopped,
    /// Not part of this pipeline (no `[promote]`), or an earlier step stopped the run.
    Skipped,
}

impl StepState {
    pub fn label(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Running => "running",
            StepState::Cached => "cached",
            StepState::Passed => "passed",
            StepState::Failed => "failed",
            StepState::Stopped => "stopped",
            StepState::Skipped => "skipped",
        }
    }

    /// Done, and fine to go on from.
    pub fn succeeded(self) -> bool {
        matches!(self, StepState::Passed | StepState::Cached)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: Step,
    pub state: StepState,
    pub duration_ms: f64,
    pub log: Vec<String>,
    /// The content hash of the step's inputs (data version, its settings, the app version):
    /// a later run with the same key reuses this step's artefact.
    #[serde(default)]
    pub cache_key: Option<String>,
    #[serde(default)]
    pub artefact: Option<Artefact>,
}

/// What a step made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Artefact {
    Data {
        profile: DataProfile,
        /// What changed since the pipeline's previous data version; empty for the same one.
        changes: Vec<String>,
    },
    Validation {
        anomalies: Vec<Anomaly>,
        /// Set when this run's data became the schema.
        schema_inferred: bool,
    },
    Split {
        train_rows: usize,
        validation_rows: usize,
        test_rows: usize,
    },
    Training(Training),
    Evaluation {
        run_id: String,
        metrics: BTreeMap<String, f64>,
    },
    Gate(GateReport),
    Version {
        model: String,
        version: u32,
    },
    Alias {
        model: String,
        alias: String,
        version: u32,
    },
}

/// A training step's trials (one for a plain recipe) and the one it chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// `single`, `grid`, `random` or `halving`.
    pub strategy: String,
    /// The metric that chose the best trial.
    pub pick: String,
    pub trials: Vec<TrialRecord>,
    /// Index into `trials` of the chosen one.
    pub best: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    pub number: usize,
    /// Halving's rung (0 for other strategies).
    pub rung: usize,
    pub epochs: usize,
    /// The varied settings, `learning_rate=0.01 hidden_layers=[16]`.
    pub label: String,
    /// The content hash of the data version and the recipe: a finished trial with the same key
    /// is reused, so a sweep cut off by a reload resumes where it was.
    pub key: String,
    pub run_id: Option<String>,
    /// The run's state label (`finished`, `failed`, ...), `waiting` before it starts.
    pub state: String,
    /// The pick metric's value.
    pub score: Option<f64>,
}

/// What started a pipeline run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    Manual,
    /// A new version of its dataset was uploaded.
    NewData {
        dataset_id: String,
    },
    /// A monitoring alert fired.
    Alert {
        detail: String,
    },
}

impl Trigger {
    pub fn describe(&self) -> String {
        match self {
            Trigger::Manual => "started by hand".into(),
            Trigger::NewData { dataset_id } => {
                format!("new data version {}", short_id(dataset_id))
            }
            Trigger::Alert { detail } => format!("alert: {detail}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Passed,
    Failed {
        step: Step,
        reason: String,
    },
    /// A person pressed Stop; finished trials are kept and a re-run resumes.
    Stopped,
    /// The tab closed or reloaded while it ran; a re-run resumes.
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineRun {
    pub id: String,
    pub pipeline: String,
    /// The sha256 of the pipeline file this run followed.
    pub file_sha256: String,
    pub trigger: Trigger,
    pub started_ms: f64,
    pub ended_ms: Option<f64>,
    pub steps: Vec<StepRecord>,
    /// `None` while it runs.
    pub outcome: Option<Outcome>,
    pub app_version: String,
}

impl PipelineRun {
    pub fn step(&self, step: Step) -> &StepRecord {
        self.steps
            .iter()
            .find(|record| record.step == step)
            .expect("every run lists every step")
    }

    pub fn step_mut(&mut self, step: Step) -> &mut StepRecord {
        self.steps
            .iter_mut()
            .find(|record| record.step == step)
            .expect("every run lists every step")
    }

    /// The trials of its train step, when it got that far.
    pub fn training(&self) -> Option<&Training> {
        match &self.step(Step::Train).artefact {
            Some(Artefact::Training(training)) => Some(training),
            _ => None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.outcome.is_none()
    }

    /// One line for lists: passed, or where and why it stopped.
    pub fn summary(&self) -> String {
        match &self.outcome {
            None => "running".into(),
            Some(Outcome::Passed) => "passed".into(),
            Some(Outcome::Failed { step, reason }) => {
                format!("failed at {}: {reason}", step.title())
            }
            Some(Outcome::Stopped) => "stopped".into(),
            Some(Outcome::Interrupted) => "interrupted".into(),
        }
    }
}
