//! What the UI knows about the run in the worker, folded from the worker's messages.
//!
//! Keeping the fold here (not in a component) means every message's effect is tested natively,
//! and the page only renders a [`RunProgress`].

use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;
use crate::protocol::{BoundaryGrid, FromWorker};
use crate::tracking::RunOutcome;

#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    /// The trainer is loading or has not answered yet.
    Starting,
    Running,
    Paused,
    Finished {
        outcome: RunOutcome,
        evaluation: Box<Evaluation>,
    },
    /// The run could not go on; the reason is written for a person.
    Failed {
        reason: String,
    },
}

impl RunStatus {
    /// True while the worker is busy with this run, so Train stays disabled.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            RunStatus::Starting | RunStatus::Running | RunStatus::Paused
        )
    }
}

/// One run as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunProgress {
    pub run_id: String,
    pub total_epochs: usize,
    pub status: RunStatus,
    pub history: Vec<EpochMetrics>,
    pub fraction_done: f64,
    /// The newest decision boundary, for 2-D classification runs only.
    pub boundary: Option<BoundaryGrid>,
}

impl RunProgress {
    pub fn new(run_id: String, total_epochs: usize) -> Self {
        Self {
            run_id,
            total_epochs,
            status: RunStatus::Starting,
            history: Vec::new(),
            fraction_done: 0.0,
            boundary: None,
        }
    }

    /// Folds one worker message in; messages about other runs are ignored.
    pub fn apply(&mut self, message: FromWorker) {
        match message {
            FromWorker::Ready { .. } => {}
            FromWorker::Crashed { message } if self.status.is_active() => {
                self.status = RunStatus::Failed {
                    reason: format!("the trainer crashed: {message}"),
                };
            }
            FromWorker::Progress {
                run_id,
                epochs,
                fraction_done,
            } if run_id == self.run_id => {
                self.history.extend(epochs);
                self.fraction_done = fraction_done;
                if self.status == RunStatus::Starting {
                    self.status = RunStatus::Running;
                }
            }
            FromWorker::Boundary { run_id, grid, .. } if run_id == self.run_id => {
                self.boundary = Some(grid);
            }
            FromWorker::Paused { run_id } if run_id == self.run_id => {
                self.status = RunStatus::Paused;
            }
            FromWorker::Resumed { run_id } if run_id == self.run_id => {
                self.status = RunStatus::Running;
            }
            FromWorker::Finished {
                run_id,
                outcome,
                evaluation,
                ..
            } if run_id == self.run_id => {
                if outcome != RunOutcome::Stopped {
                    self.fraction_done = 1.0;
                }
                self.status = RunStatus::Finished {
                    outcome,
                    evaluation,
                };
            }
            FromWorker::Failed { run_id, reason } if run_id == self.run_id => {
                self.status = RunStatus::Failed { reason };
            }
            _ => {}
        }
    }

    /// The trainer could not be reached at all (it failed to load, or died without a word).
    pub fn trainer_lost(&mut self, reason: &str) {
        if self.status.is_active() {
            self.status = RunStatus::Failed {
                reason: reason.to_owned(),
            };
        }
    }

    /// Milliseconds still to go, from the pace so far; `None` until an epoch has finished.
    pub fn eta_ms(&self) -> Option<f64> {
        let last = self.history.last()?;
        let remaining = self.total_epochs.saturating_sub(last.epoch);
        Some(last.elapsed_ms / last.epoch as f64 * remaining as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(epoch: usize) -> EpochMetrics {
        EpochMetrics {
            epoch,
            learning_rate: 0.01,
            train_loss: 1.0 / epoch as f64,
            train_accuracy: Some(0.5),
            val_loss: None,
            val_accuracy: None,
            val_r2: None,
            elapsed_ms: 10.0 * epoch as f64,
        }
    }

    fn progress(run_id: &str, epochs: Vec<EpochMetrics>, fraction_done: f64) -> FromWorker {
        FromWorker::Progress {
            run_id: run_id.into(),
            epochs,
            fraction_done,
        }
    }

    #[test]
    fn progress_appends_epochs_and_starts_running() {
        let mut run = RunProgress::new("a".into(), 10);
        run.apply(progress("a", vec![epoch(1), epoch(2)], 0.2));
        run.apply(progress("a", vec![epoch(3)], 0.3));
        assert_eq!(run.status, RunStatus::Running);
        assert_eq!(
            run.history.iter().map(|m| m.epoch).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(run.fraction_done, 0.3);
        assert_eq!(run.eta_ms(), Some(70.0));
    }

    #[test]
    fn messages_about_another_run_change_nothing() {
        let mut run = RunProgress::new("a".into(), 10);
        let before = run.clone();
        run.apply(progress("b", vec![epoch(1)], 0.1));
        run.apply(FromWorker::Failed {
            run_id: "b".into(),
            reason: "x".into(),
        });
        run.apply(boundary("b", 1, 0));
        assert_eq!(run, before);
    }

    fn boundary(run_id: &str, epoch: usize, class: usize) -> FromWorker {
        FromWorker::Boundary {
            run_id: run_id.into(),
            epoch,
            grid: BoundaryGrid {
                x_min: -1.0,
                x_max: 1.0,
                y_min: -1.0,
                y_max: 1.0,
                resolution: 1,
                cells: vec![(class, 0.75)],
            },
        }
    }

    #[test]
    fn the_newest_boundary_of_this_run_is_kept() {
        let mut run = RunProgress::new("a".into(), 10);
        assert_eq!(run.boundary, None);
        run.apply(boundary("a", 1, 0));
        run.apply(boundary("a", 2, 1));
        assert_eq!(run.boundary.as_ref().unwrap().cells, [(1, 0.75)]);
        // A grid says nothing about the run's state; Progress is what starts it running.
        assert_eq!(run.status, RunStatus::Starting);
    }

    #[test]
    fn pause_resume_finish() {
        let mut run = RunProgress::new("a".into(), 10);
        run.apply(FromWorker::Paused { run_id: "a".into() });
        assert_eq!(run.status, RunStatus::Paused);
        run.apply(FromWorker::Resumed { run_id: "a".into() });
        assert_eq!(run.status, RunStatus::Running);
        let report = crate::evaluation::classification_report(&[0, 1], &[0.9, 0.1, 0.2, 0.8], 2);
        let evaluation = Evaluation {
            best_epoch: 10,
            validation: None,
            test: Some(crate::evaluation::Report::Classification(report)),
        };
        run.apply(FromWorker::Finished {
            run_id: "a".into(),
            outcome: RunOutcome::Completed,
            evaluation: Box::new(evaluation.clone()),
            model: None,
        });
        assert_eq!(run.fraction_done, 1.0);
        assert!(!run.status.is_active());
        assert_eq!(
            run.status,
            RunStatus::Finished {
                outcome: RunOutcome::Completed,
                evaluation: Box::new(evaluation)
            }
        );
    }

    #[test]
    fn a_crash_or_a_lost_trainer_fails_an_active_run_only() {
        let mut run = RunProgress::new("a".into(), 10);
        run.apply(FromWorker::Crashed {
            message: "boom".into(),
        });
        assert_eq!(
            run.status,
            RunStatus::Failed {
                reason: "the trainer crashed: boom".into()
            }
        );
        run.trainer_lost("later");
        assert_eq!(
            run.status,
            RunStatus::Failed {
                reason: "the trainer crashed: boom".into()
            }
        );
    }
}
