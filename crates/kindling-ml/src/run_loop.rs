//! A run as the trainer worker drives it: what to post after each slice of training, when to
//! wait, and when the run is over. The worker only carries these decisions out (posting
//! messages, yielding to its event loop, sleeping while paused), so Pause, Resume, Stop and the
//! decision boundary's timing are tested natively with a fake clock.

use std::cell::Cell;

use kindling_core::data::{Dataset, Task};
use kindling_core::protocol::{BoundaryGrid, FromWorker};
use kindling_core::spec::TrainSpec;
use kindling_core::tracking::RunOutcome;

use crate::Trainer;

/// Often enough that the boundary visibly moves, rarely enough that drawing it (one pass over
/// 1,600 points, a few ms) costs training little.
pub const BOUNDARY_EVERY_MS: f64 = 250.0;
/// Cells per side: 40 × 40 is smooth enough under a few hundred points.
pub const BOUNDARY_RESOLUTION: usize = 40;

/// What the UI has asked of the run in progress, set by messages and read between slices.
#[derive(Debug, Default)]
pub struct Control {
    busy: Cell<bool>,
    paused: Cell<bool>,
    stop: Cell<bool>,
}

impl Control {
    /// Claims the trainer for a new run, or says it is busy with another.
    pub fn begin_run(&self) -> bool {
        if self.busy.replace(true) {
            return false;
        }
        self.paused.set(false);
        self.stop.set(false);
        true
    }

    pub fn end_run(&self) {
        self.busy.set(false);
    }

    pub fn pause(&self) {
        self.paused.set(true);
    }

    pub fn resume(&self) {
        self.paused.set(false);
    }

    /// Ends the run after the current slice, keeping what was learned.
    pub fn stop(&self) {
        self.stop.set(true);
    }
}

/// What the worker does after a step.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Post these, give the event loop a turn (so messages are heard), then step again.
    Continue(Vec<FromWorker>),
    /// Paused: post these, wait a little, then step again.
    Wait(Vec<FromWorker>),
    /// The run is over: post these.
    Done(Vec<FromWorker>),
}

/// One run in the worker, stepped a slice at a time.
pub struct TrainingRun {
    run_id: String,
    trainer: Trainer,
    boundary: Option<Boundary>,
    /// Epochs finished so far.
    epoch: usize,
    /// `Paused` was posted and `Resumed` not yet.
    pause_reported: bool,
}

impl TrainingRun {
    /// Prepares the run, or the `Failed` message that says why it cannot train.
    pub fn start(run_id: String, spec: &TrainSpec, data: &Dataset) -> Result<Self, FromWorker> {
        match Trainer::new(spec, data) {
            Ok(trainer) => Ok(Self {
                run_id,
                trainer,
                boundary: Boundary::for_data(data),
                epoch: 0,
                pause_reported: false,
            }),
            Err(error) => Err(FromWorker::Failed {
                run_id,
                reason: error.to_string(),
            }),
        }
    }

    /// Trains for about `slice_ms` unless the run is paused or stopped, and says what to post.
    pub fn step(&mut self, control: &Control, now_ms: &dyn Fn() -> f64, slice_ms: f64) -> Step {
        let mut messages = Vec::new();
        let paused = control.paused.get();
        let stop = control.stop.get();
        if self.pause_reported && (!paused || stop) {
            self.pause_reported = false;
            messages.push(FromWorker::Resumed {
                run_id: self.run_id.clone(),
            });
        }
        if stop {
            return Step::Done(self.finish(messages, RunOutcome::Stopped, now_ms));
        }
        if paused {
            if !self.pause_reported {
                self.pause_reported = true;
                messages.push(FromWorker::Paused {
                    run_id: self.run_id.clone(),
                });
            }
            return Step::Wait(messages);
        }
        let slice = match self.trainer.run_slice(now_ms, slice_ms) {
            Ok(slice) => slice,
            Err(error) => {
                messages.push(FromWorker::Failed {
                    run_id: self.run_id.clone(),
                    reason: error.to_string(),
                });
                return Step::Done(messages);
            }
        };
        if let Some(last) = slice.epochs.last() {
            self.epoch = last.epoch;
        }
        messages.push(FromWorker::Progress {
            run_id: self.run_id.clone(),
            epochs: slice.epochs,
            fraction_done: self.trainer.fraction_done(),
        });
        if let Some(boundary) = &mut self.boundary
            && now_ms() - boundary.sent_at_ms >= BOUNDARY_EVERY_MS
        {
            messages.push(boundary.message(&self.run_id, self.epoch, &self.trainer, now_ms()));
        }
        if slice.done {
            let outcome = if self.trainer.stopped_early() {
                RunOutcome::EarlyStopped
            } else {
                RunOutcome::Completed
            };
            return Step::Done(self.finish(messages, outcome, now_ms));
        }
        Step::Continue(messages)
    }

    /// The last boundary (so the page shows the kept model's) and `Finished`.
    fn finish(
        &mut self,
        mut messages: Vec<FromWorker>,
        outcome: RunOutcome,
        now_ms: &dyn Fn() -> f64,
    ) -> Vec<FromWorker> {
        if let Some(boundary) = &mut self.boundary {
            messages.push(boundary.message(&self.run_id, self.epoch, &self.trainer, now_ms()));
        }
        messages.push(FromWorker::Finished {
            run_id: self.run_id.clone(),
            outcome,
            evaluation: Box::new(self.trainer.evaluate()),
            model: self.trainer.run_model().ok().map(Box::new),
        });
        messages
    }
}

/// The decision boundary of a run on 2-D classification data: where to ask the model, fixed
/// from the data at the start so the frame does not jump, and when it was last sent.
struct Boundary {
    frame: (f64, f64, f64, f64),
    centres: Vec<f32>,
    sent_at_ms: f64,
}

impl Boundary {
    fn for_data(data: &Dataset) -> Option<Self> {
        if data.feature_count() != 2 || data.task() != Task::Classification || data.has_categories()
        {
            return None;
        }
        let frame = BoundaryGrid::frame(&data.features);
        Some(Self {
            frame,
            centres: BoundaryGrid::cell_centres(frame, BOUNDARY_RESOLUTION),
            // The first slice sends one, so a boundary shows as soon as training starts.
            sent_at_ms: f64::NEG_INFINITY,
        })
    }

    fn message(
        &mut self,
        run_id: &str,
        epoch: usize,
        trainer: &Trainer,
        now_ms: f64,
    ) -> FromWorker {
        let (x_min, x_max, y_min, y_max) = self.frame;
        self.sent_at_ms = now_ms;
        FromWorker::Boundary {
            run_id: run_id.to_owned(),
            epoch,
            grid: BoundaryGrid {
                x_min,
                x_max,
                y_min,
                y_max,
                resolution: BOUNDARY_RESOLUTION,
                cells: trainer.predict_grid(&self.centres),
            },
        }
    }
}
