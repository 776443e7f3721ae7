//! Training natively: one recipe to the end on the current thread, or many at once on a pool
//! of threads (a sweep's trials), each finished trial handed back as soon as it is done so the
//! caller can print and store it. The trainer is kindling-ml's, sliced as in the browser's
//! worker; here nobody needs to hear Pause between slices, so the slices are long.
//!
//! A trial that panics inside Burn is caught and reported as a failed run rather than taking
//! the whole command down (in debug builds; the release profile aborts on panic).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use kindling_core::data::Dataset;
use kindling_core::evaluation::Evaluation;
use kindling_core::metrics::EpochMetrics;
use kindling_core::spec::TrainSpec;
use kindling_core::tracking::{RunModel, RunOutcome, RunRecord};
use kindling_ml::Trainer;

use crate::clock::Stopwatch;

/// Slices this long keep the loop's overhead negligible; nothing listens between them.
const SLICE_MS: f64 = 1000.0;

/// How a training ended.
pub enum Ending {
    Finished {
        outcome: RunOutcome,
        evaluation: Box<Evaluation>,
        /// `None` when the weights could not be written out.
        model: Option<Box<RunModel>>,
    },
    Failed(String),
}

/// A recipe trained: its epochs, how it ended, and how long it took.
pub struct Trained {
    pub epochs: Vec<EpochMetrics>,
    pub ending: Ending,
    pub duration_ms: f64,
}

impl Trained {
    /// Folds the training into `run` as the browser does when its worker reports: epochs,
    /// then the final state and test scores.
    pub fn record_into(&self, run: &mut RunRecord, now_ms: f64) {
        run.record_epochs(&self.epochs);
        match &self.ending {
            Ending::Finished {
                outcome,
                evaluation,
                ..
            } => run.finish(*outcome, evaluation, now_ms),
            Ending::Failed(reason) => run.fail(reason.clone(), now_ms),
        }
    }

    pub fn evaluation(&self) -> Option<&Evaluation> {
        match &self.ending {
            Ending::Finished { evaluation, .. } => Some(evaluation),
            Ending::Failed(_) => None,
        }
    }

    pub fn model(&self) -> Option<&RunModel> {
        match &self.ending {
            Ending::Finished { model, .. } => model.as_deref(),
            Ending::Failed(_) => None,
        }
    }
}

/// Trains `spec` on `data` to the end on this thread.
pub fn train(spec: &TrainSpec, data: &Dataset) -> Trained {
    let clock = Stopwatch::start();
    let mut epochs = Vec::new();
    let ending = catch_unwind(AssertUnwindSafe(|| {
        train_to_end(spec, data, &clock, &mut epochs)
    }))
    .unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unknown error".to_owned());
        Ending::Failed(format!("the trainer crashed: {message}"))
    });
    Trained {
        epochs,
        ending,
        duration_ms: clock.ms(),
    }
}

fn train_to_end(
    spec: &TrainSpec,
    data: &Dataset,
    clock: &Stopwatch,
    epochs: &mut Vec<EpochMetrics>,
) -> Ending {
    let mut trainer = match Trainer::new(spec, data) {
        Ok(trainer) => trainer,
        Err(error) => return Ending::Failed(error.to_string()),
    };
    let now_ms = || clock.ms();
    loop {
        match trainer.run_slice(&now_ms, SLICE_MS) {
            Ok(slice) => {
                epochs.extend(slice.epochs);
                if slice.done {
                    break;
                }
            }
            Err(error) => return Ending::Failed(error.to_string()),
        }
    }
    Ending::Finished {
        outcome: if trainer.stopped_early() {
            RunOutcome::EarlyStopped
        } else {
            RunOutcome::Completed
        },
        evaluation: Box::new(trainer.evaluate()),
        model: trainer.run_model().ok().map(Box::new),
    }
}

/// Each trial's thread gets this much stack: Burn's kernels recurse deeper than the 2 MiB a
/// spawned thread has by default on some platforms.
const TRIAL_STACK_BYTES: usize = 16 << 20;

/// Trains every spec on `data`, at most `parallel` at once, each on its own thread. Calls
/// `done(index, trained)` on this thread as each finishes, in the order they finish. If no
/// thread can be started, the trials train here, one after another.
pub fn train_all(
    data: &Dataset,
    specs: &[TrainSpec],
    parallel: usize,
    mut done: impl FnMut(usize, Trained),
) {
    let next = AtomicUsize::new(0);
    let (sender, finished) = mpsc::channel();
    std::thread::scope(|scope| {
        let mut started = 0;
        for number in 0..parallel.clamp(1, specs.len().max(1)) {
            let sender = sender.clone();
            let next = &next;
            let worker = move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(spec) = specs.get(index) else { break };
                    if sender.send((index, train(spec, data))).is_err() {
                        break;
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .name(format!("trial-{}", number + 1))
                .stack_size(TRIAL_STACK_BYTES)
                .spawn_scoped(scope, worker);
            match spawned {
                Ok(_) => started += 1,
                Err(_) => break,
            }
        }
        drop(sender);
        if started == 0 {
            for (index, spec) in specs.iter().enumerate() {
                done(index, train(spec, data));
            }
            return;
        }
        for (index, trained) in finished {
            done(index, trained);
        }
    });
}

/// How many trials train at once when nobody says: one per core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
