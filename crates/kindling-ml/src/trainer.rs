use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use burn::tensor::TensorData;
use kindling_core::data::{Dataset, Target};
use kindling_core::evaluation::{ClassificationReport, classification_report};
use kindling_core::metrics::EpochMetrics;
use kindling_core::rng::Mulberry32;
use kindling_core::spec::{Optimizer, SpecError, TrainSpec};
use thiserror::Error;

use crate::device::device_for;
use crate::model::Mlp;

/// Why a run cannot start or cannot go on, in words for the person who started it.
#[derive(Debug, Error, PartialEq)]
pub enum TrainError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("the dataset has no rows to train on")]
    EmptyDataset,
    #[error("the dataset needs at least two classes to train a classifier")]
    SingleClass,
    #[error("the loss became {what} at epoch {epoch}: try a smaller learning rate")]
    Diverged { what: &'static str, epoch: usize },
}

/// What one slice of training produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// The epochs that finished during this slice, in order.
    pub epochs: Vec<EpochMetrics>,
    /// True when the last requested epoch has finished.
    pub done: bool,
}

/// A training run that advances a few batches at a time.
///
/// Between slices the caller is free to do anything (answer messages, pause, stop), and a
/// paused run costs nothing. Loss and accuracy are summed on the device and read back once per
/// epoch, so a step never waits for a read-back it does not need.
pub struct Trainer {
    spec: TrainSpec,
    model: Option<Mlp>,
    optimizer: ModuleOptimizer,
    loss: CrossEntropyLoss,
    features: Tensor<2>,
    labels: Tensor<1, Int>,
    /// The same labels on the host, for evaluation.
    host_labels: Vec<u32>,
    class_count: usize,
    row_count: usize,
    shuffle_rng: Mulberry32,
    order: Vec<i32>,
    cursor: usize,
    completed_epochs: usize,
    epoch_loss_sum: Tensor<1>,
    epoch_correct: Tensor<1, Int>,
    active_ms: f64,
}

impl Trainer {
    pub fn new(spec: &TrainSpec, data: &Dataset) -> Result<Self, TrainError> {
        spec.validate()?;
        let row_count = data.row_count();
        if row_count == 0 {
            return Err(TrainError::EmptyDataset);
        }
        if data.class_count() < 2 {
            return Err(TrainError::SingleClass);
        }
        let device = device_for(spec.backend, spec.seed);
        let model = Mlp::new(
            data.feature_count(),
            &spec.model.hidden_layers,
            data.class_count(),
            &device,
        );
        let features = Tensor::<2>::from_data(
            TensorData::new(data.features.clone(), [row_count, data.feature_count()]),
            &device,
        );
        let Target::Classes {
            labels: host_labels,
            ..
        } = &data.target;
        let labels = Tensor::<1, Int>::from_data(
            TensorData::new(host_labels.iter().map(|&l| l as i32).collect(), [row_count]),
            &device,
        );
        Ok(Self {
            spec: spec.clone(),
            model: Some(model),
            optimizer: optimizer_for(spec.optimizer),
            loss: CrossEntropyLossConfig::new().init(&device),
            features,
            labels,
            host_labels: host_labels.clone(),
            class_count: data.class_count(),
            row_count,
            // The shuffle stream is separate from initialisation, as in the reference harness.
            shuffle_rng: Mulberry32::new((spec.seed as u32).wrapping_add(1)),
            order: Vec::new(),
            cursor: 0,
            completed_epochs: 0,
            epoch_loss_sum: Tensor::zeros([1], &device),
            epoch_correct: Tensor::zeros([1], &device),
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
        self.completed_epochs >= self.spec.epochs
    }

    /// How much of the run has been trained, counting the current epoch's batches.
    pub fn fraction_done(&self) -> f64 {
        let epochs = self.completed_epochs as f64 + self.cursor as f64 / self.row_count as f64;
        (epochs / self.spec.epochs as f64).min(1.0)
    }

    /// The current model's report over the whole training set, in evaluation mode.
    pub fn evaluate(&self) -> ClassificationReport {
        let logits = self.model().valid().forward(self.features.clone().inner());
        let probabilities = burn::tensor::activation::softmax(logits, 1)
            .into_data()
            .try_into_vec::<f32>()
            .expect("softmax of float logits is f32");
        classification_report(&self.host_labels, &probabilities, self.class_count)
    }

    fn model(&self) -> &Mlp {
        self.model
            .as_ref()
            .expect("the model is only taken out during a step")
    }

    fn step(&mut self) {
        if self.cursor == 0 {
            self.order = (0..self.row_count as i32).collect();
            self.shuffle_rng.shuffle(&mut self.order);
        }
        let end = (self.cursor + self.spec.batch_size).min(self.row_count);
        let batch_rows = &self.order[self.cursor..end];
        let device = self.features.device();
        let indices = Tensor::<1, Int>::from_data(
            TensorData::new(batch_rows.to_vec(), [batch_rows.len()]),
            &device,
        );
        let inputs = self.features.clone().select(0, indices.clone());
        let targets = self.labels.clone().select(0, indices);

        let model = self
            .model
            .take()
            .expect("the model is present between steps");
        let logits = model.forward(inputs);
        let loss = self.loss.forward(logits.clone(), targets.clone());

        let batch_len = batch_rows.len() as f32;
        let predicted = logits.detach().argmax(1).flatten::<1>(0, 1);
        self.epoch_correct = self.epoch_correct.clone() + predicted.equal(targets).int().sum();
        self.epoch_loss_sum = self.epoch_loss_sum.clone() + loss.clone().detach() * batch_len;

        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(self.spec.learning_rate, model, grads));
        self.cursor = end;
    }

    fn finish_epoch(&mut self, elapsed_ms: f64) -> Result<EpochMetrics, TrainError> {
        let device = self.features.device();
        let loss_sum = std::mem::replace(&mut self.epoch_loss_sum, Tensor::zeros([1], &device));
        let correct = std::mem::replace(&mut self.epoch_correct, Tensor::zeros([1], &device));
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
        self.completed_epochs = epoch;
        self.cursor = 0;
        Ok(EpochMetrics {
            epoch,
            train_loss,
            train_accuracy: correct.into_scalar::<i64>() as f64 / self.row_count as f64,
            elapsed_ms,
        })
    }
}

fn optimizer_for(optimizer: Optimizer) -> ModuleOptimizer {
    match optimizer {
        Optimizer::Adam => AdamConfig::new().init(),
        Optimizer::Sgd { momentum } => {
            let momentum = (momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(momentum)
                    .with_dampening(0.0)
            });
            SgdConfig::new().with_momentum(momentum).init()
        }
    }
}
