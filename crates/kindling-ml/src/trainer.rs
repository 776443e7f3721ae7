//! The training loop, cut into slices: `run_slice(now_ms, budget_ms)` advances a few batches
//! and returns, so the worker can hear Pause and Stop between slices; slicing never changes
//! the maths. Burn's own loop is written out (forward, `backward`, `GradientsParams`,
//! `optim.step`) because burn-train's Learner does not run in a browser.
//!
//! The data is split and standardised (fitted on training rows only); the loss is summed on
//! the device and read back once per epoch; correct predictions are counted on the host from
//! each batch's outputs, with core's `argmax`, so every accuracy Kindling reports picks classes
//! alike. Few of Burn's operations run per step on purpose: in the browser each is a large
//! function V8 recompiles in a run's first seconds (BENCHMARKS.md). The validation split is
//! scored on the host; early stopping keeps the best epoch's weights.

use burn::nn::loss::{MseLoss, Reduction};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::loss::cross_entropy_with_logits;
use kindling_core::data::prepare::{Preprocessing, Split};
use kindling_core::data::{Dataset, Target, Task};
use kindling_core::evaluation::{Evaluation, Report, argmax};
use kindling_core::metrics::EpochMetrics;
use kindling_core::rng::Mulberry32;
use kindling_core::signature::{ModelSignature, Prediction};
use kindling_core::spec::{ModelSpec, Optimizer, SpecError, StopMetric, TrainSpec};
use kindling_core::tracking::{RunModel, WeightsFingerprint};
use thiserror::Error;

use crate::device::{autodiff_device, with_seed};
use crate::model::{BuildError, Network};
use crate::trained::{self, TrainedModel, WeightsError, report_for};

/// Why a run cannot start or cannot go on, in words for the person who started it.
#[derive(Debug, Error, PartialEq)]
pub enum TrainError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the dataset has no rows to train on")]
    EmptyDataset,
    #[error("the dataset needs at least two classes to train a classifier")]
    SingleClass,
    #[error(
        "the split leaves no rows to train on: use a larger dataset or smaller validation and test shares"
    )]
    NoTrainingRows,
    #[error("the loss became {what} at epoch {epoch}: try a smaller learning rate")]
    Diverged { what: &'static str, epoch: usize },
}

/// What one slice of training produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// The epochs that finished during this slice, in order.
    pub epochs: Vec<EpochMetrics>,
    /// True when the run has finished: every epoch ran, or early stopping ended it.
    pub done: bool,
}

/// The training targets on the device, in the form the loss wants.
enum DeviceTargets {
    /// Each row's class one-hot on the device, so a batch's targets are taken by the same float
    /// `select` as its features and the loss needs no integer gather (rows × classes values, at
    /// most 100 classes); and each row's class on the host, where correct predictions are counted.
    Classes {
        one_hot: Tensor<2>,
        host_labels: Vec<u32>,
    },
    /// Standardised values, one column.
    Values(Tensor<2>),
}

/// A split kept for scoring: its model inputs on the device, its target on the host (values
/// standardised, as the network outputs them).
struct ScoredSplit {
    features: Tensor<2>,
    target: Target,
}

/// A training run that advances a few batches at a time.
///
/// Between slices the caller is free to do anything (answer messages, pause, stop), and a
/// paused run costs nothing. The loss is summed on the device and read back once per epoch.
/// The same spec, data and seed give bit-identical metrics on the same backend.
///
/// A step calls as few of Burn's operations as it can. In the browser each is a large wasm
/// function (Burn's generic kernels carry a path for every dtype), and every one a step calls is
/// soon recompiled by V8's optimising compiler: seconds of CPU in a run's first moments, which
/// slow the page on a two-core machine. So an epoch's order of the rows goes to the device once
/// and each batch's rows are a slice of it, classes reach the loss one-hot, and correct
/// predictions are counted on the host from the batch's outputs (batch size × classes values),
/// not with integer operations on the device. The metrics are bit for bit what Burn's
/// `CrossEntropyLoss` and on-device counting gave.
pub struct Trainer {
    spec: TrainSpec,
    task: Task,
    signature: ModelSignature,
    /// Raw (unprocessed) rows of the held-out splits, for the final evaluation.
    validation_data: Dataset,
    test_data: Dataset,
    model: Option<Network>,
    /// The best epoch so far and its weights (evaluation mode), under early stopping.
    best: Option<(usize, f64, Network)>,
    epochs_without_improvement: usize,
    stopped_early: bool,
    optimizer: ModuleOptimizer,
    features: Tensor<2>,
    targets: DeviceTargets,
    /// This epoch's order of the training rows, on the host and on the device.
    order: Vec<i32>,
    epoch_rows: Tensor<1, Int>,
    validation: Option<ScoredSplit>,
    row_count: usize,
    shuffle_rng: Mulberry32,
    cursor: usize,
    /// Steps taken since the start: with the seed, it seeds each step's dropout masks.
    steps_taken: u64,
    /// The weights' fingerprint after the run's first steps, once taken (see `trained::fingerprint`).
    early_weights: Option<WeightsFingerprint>,
    completed_epochs: usize,
    epoch_loss_sum: Tensor<1>,
    epoch_correct: usize,
    active_ms: f64,
}

impl Trainer {
    pub fn new(spec: &TrainSpec, data: &Dataset) -> Result<Self, TrainError> {
        spec.validate()?;
        if data.row_count() == 0 {
            return Err(TrainError::EmptyDataset);
        }
        let task = data.task();
        if task == Task::Classification && data.class_count() < 2 {
            return Err(TrainError::SingleClass);
        }
        let split = spec.split.split(data);
        if split.train.is_empty() {
            return Err(TrainError::NoTrainingRows);
        }
        let Split {
            train,
            validation,
            test,
        } = &split;
        let preprocessing = Preprocessing::fit(data, train);
        let input_size = preprocessing.input_width(data.feature_count());
        let signature =
            ModelSignature::for_data(&spec.model, data, preprocessing.clone(), spec.backend);
        let device = autodiff_device(spec.backend);
        let model = with_seed(&device, spec.seed, || {
            Network::new(
                &spec.model,
                input_size,
                data.output_size(),
                data.image_shape,
                &device,
            )
        })?;

        let train_data = data.select_rows(train);
        let row_count = train_data.row_count();
        let features = Tensor::<2>::from_data(
            TensorData::new(
                preprocessing.transform(&preprocessing.codes(&train_data)),
                [row_count, input_size],
            ),
            &device,
        );
        let targets = match model_target(&preprocessing, &train_data) {
            Target::Classes { labels, .. } => {
                let class_count = data.class_count();
                let mut one_hot = vec![0.0f32; row_count * class_count];
                for (row, &label) in labels.iter().enumerate() {
                    one_hot[row * class_count + label as usize] = 1.0;
                }
                DeviceTargets::Classes {
                    one_hot: Tensor::from_data(
                        TensorData::new(one_hot, [row_count, class_count]),
                        &device,
                    ),
                    host_labels: labels,
                }
            }
            Target::Values { values, .. } => DeviceTargets::Values(Tensor::from_data(
                TensorData::new(values, [row_count, 1]),
                &device,
            )),
        };
        let validation_data = data.select_rows(validation);
        let scored_validation = (!validation.is_empty()).then(|| ScoredSplit {
            features: Tensor::<2>::from_data(
                TensorData::new(
                    preprocessing.transform(&preprocessing.codes(&validation_data)),
                    [validation.len(), input_size],
                ),
                &device,
            )
            .inner(),
            target: model_target(&preprocessing, &validation_data),
        });
        Ok(Self {
            spec: spec.clone(),
            task,
            signature,
            validation_data,
            test_data: data.select_rows(test),
            model: Some(model),
            best: None,
            epochs_without_improvement: 0,
            stopped_early: false,
            optimizer: optimizer_for(spec.optimizer, spec.weight_decay),
            features,
            targets,
            order: Vec::new(),
            epoch_rows: Tensor::zeros([0], &device),
            validation: scored_validation,
            row_count,
            // The shuffle stream is separate from initialisation, as in the reference harness.
            shuffle_rng: Mulberry32::new((spec.seed as u32).wrapping_add(1)),
            cursor: 0,
            steps_taken: 0,
            early_weights: None,
            completed_epochs: 0,
            epoch_loss_sum: Tensor::zeros([1], &device),
            epoch_correct: 0,
            active_ms: 0.0,
        })
    }

    /// Trains batches until `now_ms()` has advanced by `budget_ms` (always at least one batch)
    /// or the run is done. `now_ms` is any monotonic clock in milliseconds.
    pub fn run_slice(
        &mut self,
        now_ms: &dyn Fn() -> f64,
        budget_ms: f64,
    ) -> Result<Slice, TrainError> {
        let slice_start_ms = now_ms();
        let mut epochs = Vec::new();
        while !self.is_done() {
            self.step();
            self.note_early_weights();
            if self.cursor == self.row_count {
                let elapsed_ms = self.active_ms + (now_ms() - slice_start_ms);
                epochs.push(self.finish_epoch(elapsed_ms)?);
            }
            if now_ms() - slice_start_ms >= budget_ms {
                break;
            }
        }
        self.active_ms += now_ms() - slice_start_ms;
        Ok(Slice {
            epochs,
            done: self.is_done(),
        })
    }

    pub fn is_done(&self) -> bool {
        self.stopped_early || self.completed_epochs >= self.spec.epochs
    }

    /// True when early stopping ended the run before its last epoch.
    pub fn stopped_early(&self) -> bool {
        self.stopped_early
    }

    /// How much of the run has been trained, counting the current epoch's batches.
    pub fn fraction_done(&self) -> f64 {
        if self.stopped_early {
            return 1.0;
        }
        let epochs = self.completed_epochs as f64 + self.cursor as f64 / self.row_count as f64;
        (epochs / self.spec.epochs as f64).min(1.0)
    }

    /// Trains exactly `steps` steps from the start (crossing epochs as a run does), or until the
    /// run is done: how a check retrains a recipe's first steps.
    pub fn train_steps(&mut self, steps: u64) -> Result<(), TrainError> {
        while !self.is_done() && self.steps_taken < steps {
            self.step();
            self.note_early_weights();
            if self.cursor == self.row_count {
                self.finish_epoch(self.active_ms)?;
            }
        }
        Ok(())
    }

    pub fn steps_taken(&self) -> u64 {
        self.steps_taken
    }

    /// The latest weights' fingerprint (a hash of Burn's record of them).
    pub fn weights_fingerprint(&self) -> WeightsFingerprint {
        trained::fingerprint(&self.signature, self.network(), self.steps_taken)
    }

    /// What a finished run keeps: the model to keep and the fingerprint of its first steps (a
    /// run shorter than that is fingerprinted whole).
    pub fn run_model(&self) -> Result<RunModel, WeightsError> {
        let mut model = self.trained_model().run_model()?;
        model.early_weights = Some(
            self.early_weights
                .clone()
                .unwrap_or_else(|| self.weights_fingerprint()),
        );
        Ok(model)
    }

    fn note_early_weights(&mut self) {
        if self.early_weights.is_none() && self.steps_taken >= trained::FINGERPRINT_STEPS {
            self.early_weights = Some(self.weights_fingerprint());
        }
    }

    /// The model to keep: the best epoch's weights under early stopping, else the latest.
    pub fn trained_model(&self) -> TrainedModel {
        let network = match &self.best {
            Some((_, _, network)) => network.clone(),
            None => self.network().valid(),
        };
        TrainedModel::new(self.signature.clone(), network)
    }

    /// The latest weights' most likely class and its probability for each raw row, preprocessed
    /// as in training. The latest, not the kept: under early stopping a person watching the
    /// boundary should see it overfit past the best epoch. Empty for a regression model. The run
    /// is untouched: the copy is in evaluation mode, so it draws no dropout mask from the random
    /// stream.
    pub fn predict_grid(&self, raw_points: &[f32]) -> Vec<(usize, f32)> {
        if self.task != Task::Classification {
            return Vec::new();
        }
        TrainedModel::new(self.signature.clone(), self.network().valid())
            .predict(raw_points)
            .into_iter()
            .filter_map(|prediction| match prediction {
                Prediction::Class {
                    label,
                    probabilities,
                } => {
                    // A diverged network answers NaN, which JSON (the worker's messages) cannot
                    // carry: such a cell is drawn as no confidence at all.
                    let confidence = probabilities[label as usize];
                    Some((
                        label as usize,
                        if confidence.is_finite() {
                            confidence
                        } else {
                            0.0
                        },
                    ))
                }
                Prediction::Value(_) => None,
            })
            .collect()
    }

    /// The kept model scored on the validation and test rows it never trained on.
    pub fn evaluate(&self) -> Evaluation {
        let model = self.trained_model();
        let score = |data: &Dataset| (data.row_count() > 0).then(|| model.evaluate(data));
        Evaluation {
            best_epoch: self
                .best
                .as_ref()
                .map_or(self.completed_epochs, |(epoch, _, _)| *epoch),
            validation: score(&self.validation_data),
            test: score(&self.test_data),
        }
    }

    fn network(&self) -> &Network {
        self.model
            .as_ref()
            .expect("the model is only taken out during a step")
    }

    fn uses_dropout(&self) -> bool {
        matches!(self.spec.model, ModelSpec::Mlp { dropout, .. } if dropout > 0.0)
    }

    fn learning_rate(&self) -> f64 {
        self.spec.schedule.learning_rate(
            self.spec.learning_rate,
            self.completed_epochs + 1,
            self.spec.epochs,
        )
    }

    fn step(&mut self) {
        let device = self.features.device();
        if self.cursor == 0 {
            let mut order: Vec<i32> = (0..self.row_count as i32).collect();
            self.shuffle_rng.shuffle(&mut order);
            self.epoch_rows =
                Tensor::from_data(TensorData::new(order.clone(), [self.row_count]), &device);
            self.order = order;
        }
        let end = (self.cursor + self.spec.batch_size).min(self.row_count);
        let batch_size = end - self.cursor;
        let batch_rows = self.epoch_rows.clone().narrow(0, self.cursor, batch_size);
        let inputs = self.features.clone().select(0, batch_rows.clone());

        let model = self
            .model
            .take()
            .expect("the model is present between steps");
        let outputs = if self.uses_dropout() {
            let step_seed =
                self.spec.seed ^ (self.steps_taken + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            with_seed(&device, step_seed, || model.forward(inputs))
        } else {
            model.forward(inputs)
        };
        self.steps_taken += 1;
        let loss = match &self.targets {
            DeviceTargets::Classes {
                one_hot,
                host_labels,
            } => {
                let targets = one_hot.clone().select(0, batch_rows);
                let loss = cross_entropy_with_logits(outputs.clone(), targets);
                let batch_labels = self.order[self.cursor..end]
                    .iter()
                    .map(|&row| host_labels[row as usize]);
                self.epoch_correct += count_correct(outputs.detach().into_data(), batch_labels);
                loss
            }
            DeviceTargets::Values(values) => {
                let targets = values.clone().select(0, batch_rows);
                MseLoss::new().forward(outputs, targets, Reduction::Mean)
            }
        };
        self.epoch_loss_sum =
            self.epoch_loss_sum.clone() + loss.clone().detach() * batch_size as f32;

        let learning_rate = self.learning_rate();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(learning_rate, model, grads));
        self.cursor = end;
    }

    fn finish_epoch(&mut self, elapsed_ms: f64) -> Result<EpochMetrics, TrainError> {
        let device = self.features.device();
        let loss_sum = std::mem::replace(&mut self.epoch_loss_sum, Tensor::zeros([1], &device));
        let correct = std::mem::take(&mut self.epoch_correct);
        let epoch = self.completed_epochs + 1;
        let train_loss = loss_sum.into_scalar::<f32>() as f64 / self.row_count as f64;
        if !train_loss.is_finite() {
            let what = if train_loss.is_nan() {
                "NaN"
            } else {
                "infinite"
            };
            return Err(TrainError::Diverged { what, epoch });
        }
        let learning_rate = self.learning_rate();
        self.completed_epochs = epoch;
        self.cursor = 0;

        let classification = self.task == Task::Classification;
        let mut metrics = EpochMetrics {
            epoch,
            learning_rate,
            train_loss,
            train_accuracy: classification.then(|| correct as f64 / self.row_count as f64),
            val_loss: None,
            val_accuracy: None,
            val_r2: None,
            elapsed_ms,
        };
        if let Some(validation) = &self.validation {
            let network = self.network().valid();
            let outputs = network
                .forward(validation.features.clone())
                .into_data()
                .try_into_vec::<f32>()
                .expect("network outputs are f32");
            match report_for(&outputs, &validation.target) {
                Report::Classification(report) => {
                    metrics.val_loss = Some(report.log_loss);
                    metrics.val_accuracy = Some(report.accuracy);
                }
                Report::Regression(report) => {
                    metrics.val_loss = Some(report.mse);
                    metrics.val_r2 = Some(report.r2.unwrap_or(0.0));
                }
            }
            self.watch_for_early_stopping(&metrics, network);
        }
        Ok(metrics)
    }

    /// Keeps the best epoch's weights and ends the run after `patience` epochs without
    /// improvement. Without early stopping the latest weights are the model.
    fn watch_for_early_stopping(&mut self, metrics: &EpochMetrics, network: Network) {
        let Some(stopping) = self.spec.early_stopping else {
            return;
        };
        let (value, improved) = match stopping.metric {
            StopMetric::ValidationLoss => {
                let value = metrics.val_loss.unwrap_or(f64::INFINITY);
                let improved = self
                    .best
                    .as_ref()
                    .is_none_or(|(_, best, _)| value < best - stopping.min_delta);
                (value, improved)
            }
            StopMetric::ValidationScore => {
                let value = metrics.val_score().unwrap_or(f64::NEG_INFINITY);
                let improved = self
                    .best
                    .as_ref()
                    .is_none_or(|(_, best, _)| value > best + stopping.min_delta);
                (value, improved)
            }
        };
        if improved {
            self.best = Some((metrics.epoch, value, network));
            self.epochs_without_improvement = 0;
        } else {
            self.epochs_without_improvement += 1;
            self.stopped_early = self.epochs_without_improvement >= stopping.patience
                && self.completed_epochs < self.spec.epochs;
        }
    }
}

/// How many rows of a batch's outputs (one row of class scores per label) name their label.
fn count_correct(outputs: TensorData, labels: impl Iterator<Item = u32>) -> usize {
    let scores = outputs.as_slice::<f32>().expect("network outputs are f32");
    let class_count = outputs.shape()[1];
    scores
        .chunks_exact(class_count)
        .zip(labels)
        .filter(|(row, label)| argmax(row) == *label as usize)
        .count()
}

/// What the network is trained to output: the classes as they are, or standardised values.
fn model_target(preprocessing: &Preprocessing, data: &Dataset) -> Target {
    match (&data.target, preprocessing.target) {
        (Target::Values { name, values }, Some(scaling)) => Target::Values {
            name: name.clone(),
            values: values.iter().map(|&v| scaling.scale(v)).collect(),
        },
        (target, _) => target.clone(),
    }
}

fn optimizer_for(optimizer: Optimizer, weight_decay: f64) -> ModuleOptimizer {
    let l2 = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32));
    match optimizer {
        Optimizer::Adam => AdamConfig::new().with_weight_decay(l2).init(),
        Optimizer::AdamW => AdamWConfig::new()
            .with_weight_decay(weight_decay as f32)
            .init(),
        Optimizer::Sgd { momentum } => {
            let momentum = (momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(momentum)
                    .with_dampening(0.0)
            });
            SgdConfig::new()
                .with_momentum(momentum)
                .with_weight_decay(l2)
                .init()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_correct_when_its_label_scores_highest_and_a_tie_goes_to_the_first_class() {
        let outputs = TensorData::new(vec![0.1f32, 0.9, 0.8, 0.2, 0.5, 0.5, 0.3, 0.7], [4, 2]);
        let labels = [1, 1, 0, 0];
        assert_eq!(count_correct(outputs, labels.into_iter()), 2);
    }
}
