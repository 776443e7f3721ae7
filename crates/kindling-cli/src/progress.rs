//! A pipeline run as it happens, in text: each step as it finishes (its state, how long it
//! took, what it logged, indented), each trial as it finishes, and the verdict. The runner
//! reports the whole record after every change; this prints only what changed, so the text
//! reads like a CI job's log. In `--json` mode it prints nothing: the record is the answer.

use std::cell::RefCell;

use kindling_core::pipeline::record::{Outcome, PipelineRun, StepRecord, StepState};
use kindling_core::tracking::{RunRecord, RunState};

use crate::output::{Output, metric, seconds};

/// What has been printed of the run so far.
pub struct Progress {
    out: Output,
    /// The state each step was last printed in (`Waiting` until it finishes).
    printed: RefCell<Vec<StepState>>,
}

fn finished(state: StepState) -> bool {
    !matches!(state, StepState::Waiting | StepState::Running)
}

fn mark(state: StepState) -> &'static str {
    match state {
        StepState::Passed | StepState::Cached => "✓",
        StepState::Failed => "✗",
        StepState::Stopped => "■",
        StepState::Skipped | StepState::Waiting | StepState::Running => "–",
    }
}

impl Progress {
    pub fn new(out: Output) -> Self {
        Self {
            out,
            printed: RefCell::new(Vec::new()),
        }
    }

    /// Prints every step that finished since the last report.
    pub fn report(&self, run: &PipelineRun) {
        let mut printed = self.printed.borrow_mut();
        printed.resize(run.steps.len(), StepState::Waiting);
        for (step, shown) in run.steps.iter().zip(printed.iter_mut()) {
            if finished(step.state) && *shown != step.state {
                *shown = step.state;
                self.step(step);
            }
        }
    }

    fn step(&self, step: &StepRecord) {
        let first = step.log.first().map(String::as_str).unwrap_or("");
        let line = format!(
            "{} {:<14}{:<8}{:>7}  {first}",
            mark(step.state),
            step.step.title(),
            step.state.label(),
            seconds(step.duration_ms)
        );
        self.out.line(line.trim_end());
        for line in step.log.iter().skip(1) {
            self.out.line(format!("      {line}"));
        }
    }

    /// Before a batch of trials trains.
    pub fn training(&self, trials: usize, parallel: usize) {
        let plural = if trials == 1 { "" } else { "s" };
        self.out.line(format!(
            "  · training {trials} trial{plural}, {} at once",
            parallel.min(trials)
        ));
    }

    /// One trial, as soon as it finished.
    pub fn trial(&self, run: &RunRecord) {
        let scores: Vec<String> = ["val_accuracy", "test_accuracy", "val_r2", "test_r2"]
            .into_iter()
            .filter(|name| run.metrics.contains_key(*name))
            .map(|name| format!("{name} {}", metric(run.metrics.get(name).copied())))
            .collect();
        let how = match &run.state {
            RunState::Failed { reason } => format!("failed: {reason}"),
            state => format!(
                "{} in {}: {}",
                state.label(),
                seconds(run.duration_ms),
                scores.join(", ")
            ),
        };
        self.out.line(format!("  · trial {} {how}", run.name));
    }

    /// The last line: the verdict.
    pub fn verdict(&self, run: &PipelineRun) {
        self.out.line(match &run.outcome {
            Some(Outcome::Passed) => "pipeline passed".to_owned(),
            Some(Outcome::Failed { step, reason }) => {
                format!("pipeline failed at {}: {reason}", step.title())
            }
            Some(Outcome::Stopped) => "pipeline stopped".to_owned(),
            Some(Outcome::Interrupted) => "pipeline interrupted".to_owned(),
            None => "pipeline still running".to_owned(),
        });
    }
}
