//! What a person asks the trainer to do: the data, the model, the optimiser settings and the
//! seed. A spec is plain data so it can cross to the worker, be stored with a run and re-run.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::bundled::BundledDataset;
use crate::data::prepare::{SplitError, SplitSpec};
use crate::data::synthetic::{SyntheticError, SyntheticSpec};

/// Where a run's data came from, recorded with the run. The data itself travels beside the
/// spec (the UI loads or imports it), and its content hash says exactly which rows were used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DatasetSpec {
    Synthetic(SyntheticSpec),
    Bundled(BundledDataset),
    /// A CSV the person imported, by the name they gave it.
    Imported {
        name: String,
    },
}

impl DatasetSpec {
    pub fn validate(&self) -> Result<(), SyntheticError> {
        match self {
            DatasetSpec::Synthetic(spec) => spec.validate(),
            DatasetSpec::Bundled(_) | DatasetSpec::Imported { .. } => Ok(()),
        }
    }
}

/// The model's architecture. Input and output sizes come from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// Fully connected hidden layers between input and output.
    Mlp {
        /// Units of each hidden layer, input side first.
        hidden_layers: Vec<usize>,
        activation: Activation,
        /// Probability of zeroing a hidden unit while training (0 for none).
        dropout: f64,
    },
    /// No hidden layer: logistic (softmax) regression for classes, linear regression for a
    /// number. The baseline every other model should beat.
    Linear,
    /// For image data: a 3x3 convolution (valid padding) and ReLU, an optional 2x2 max-pool, an
    /// optional dense hidden layer, then the output.
    Cnn {
        filters: usize,
        pool: bool,
        /// Units of the dense layer after the convolution (0 for none).
        dense_units: usize,
    },
}

impl ModelSpec {
    /// The default multi-layer perceptron: two ReLU layers of 64.
    pub fn mlp(hidden_layers: Vec<usize>) -> Self {
        ModelSpec::Mlp {
            hidden_layers,
            activation: Activation::Relu,
            dropout: 0.0,
        }
    }

    /// The default CNN for small images such as 8x8 digits.
    pub fn small_cnn() -> Self {
        ModelSpec::Cnn {
            filters: 16,
            pool: true,
            dense_units: 64,
        }
    }

    /// Checks the architecture's settings (also those read from an uploaded package).
    pub fn validate(&self) -> Result<(), SpecError> {
        match self {
            ModelSpec::Mlp {
                hidden_layers,
                dropout,
                ..
            } => {
                check_hidden_layers(hidden_layers)?;
                if !(0.0..=MAX_DROPOUT).contains(dropout) {
                    return Err(SpecError::Dropout(*dropout));
                }
            }
            ModelSpec::Linear => {}
            ModelSpec::Cnn {
                filters,
                dense_units,
                ..
            } => {
                if !(1..=MAX_FILTERS).contains(filters) {
                    return Err(SpecError::Filters(*filters));
                }
                if *dense_units > MAX_LAYER_UNITS {
                    return Err(SpecError::DenseUnits(*dense_units));
                }
            }
        }
        Ok(())
    }

    pub fn label(&self) -> String {
        match self {
            ModelSpec::Mlp {
                hidden_layers,
                activation,
                ..
            } if !hidden_layers.is_empty() => {
                let layers: Vec<String> = hidden_layers.iter().map(ToString::to_string).collect();
                format!("MLP {} {}", layers.join("-"), activation.label())
            }
            ModelSpec::Mlp { .. } | ModelSpec::Linear => "linear".into(),
            ModelSpec::Cnn { filters, .. } => format!("CNN {filters} filters"),
        }
    }
}

/// The non-linearity between hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Activation {
    #[default]
    Relu,
    Tanh,
    Sigmoid,
    Gelu,
}

impl Activation {
    pub const ALL: [Activation; 4] = [
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Gelu,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Gelu => "gelu",
        }
    }
}

/// The CPU backend Burn trains on. Both are pure Rust and run in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    NdArray,
    Flex,
}

impl Backend {
    /// The backend new runs train on. With both backends' SIMD kernels built in, flex trained
    /// W1 and W3 1.5-2x faster than ndarray on a first visit and W2 as fast; once V8 had
    /// optimised the trainer, flex won W2 and the two were within this machine's spread on W1
    /// and W3 (BENCHMARKS.md, 2026-11-30). ndarray stays for runs made with it.
    pub const FASTEST: Backend = Backend::Flex;

    pub fn label(self) -> &'static str {
        match self {
            Backend::NdArray => "ndarray",
            Backend::Flex => "flex",
        }
    }
}

/// How the weights move along the gradient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Adaptive steps; forgiving of the learning rate, the usual first choice. Weight decay is
    /// added to the gradient (L2).
    Adam,
    /// Adam with weight decay applied to the weights directly (decoupled), as Loshchilov and
    /// Hutter propose.
    AdamW,
    /// Plain gradient descent with momentum (0 for none).
    Sgd { momentum: f64 },
}

/// How the learning rate changes over the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Schedule {
    #[default]
    Constant,
    /// Multiply the rate by `factor` every `every_epochs` epochs.
    Step { every_epochs: usize, factor: f64 },
    /// Follow half a cosine from the full rate down to zero over the run.
    Cosine,
}

impl Schedule {
    /// The learning rate for a 1-based epoch of a run of `epochs`.
    pub fn learning_rate(self, base: f64, epoch: usize, epochs: usize) -> f64 {
        match self {
            Schedule::Constant => base,
            Schedule::Step {
                every_epochs,
                factor,
            } => base * factor.powi(((epoch - 1) / every_epochs.max(1)) as i32),
            Schedule::Cosine => {
                let progress = (epoch - 1) as f64 / epochs.max(1) as f64;
                base * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
}

/// What early stopping watches on the validation split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StopMetric {
    /// Lower is better.
    #[default]
    ValidationLoss,
    /// Accuracy for classes, R² for a number: higher is better.
    ValidationScore,
}

/// Stop when the validation metric has not improved for `patience` epochs, and keep the
/// weights of the best epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    pub metric: StopMetric,
    pub patience: usize,
    /// The smallest change that counts as an improvement.
    pub min_delta: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub dataset: DatasetSpec,
    pub split: SplitSpec,
    pub model: ModelSpec,
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    pub schedule: Schedule,
    /// L2 penalty (Adam, SGD) or decoupled decay (AdamW); 0 for none.
    pub weight_decay: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub early_stopping: Option<EarlyStopping>,
    /// Seeds weight initialisation, dropout and shuffling: the same spec gives the same run.
    pub seed: u64,
    pub backend: Backend,
}

pub const MAX_HIDDEN_LAYERS: usize = 8;
pub const MAX_LAYER_UNITS: usize = 1024;
pub const MAX_BATCH_SIZE: usize = 4096;
pub const MAX_EPOCHS: usize = 100_000;
pub const MAX_LEARNING_RATE: f64 = 1000.0;
pub const MAX_FILTERS: usize = 256;
pub const MAX_DROPOUT: f64 = 0.9;

/// A setting outside what the trainer accepts, said so the person can fix it.
#[derive(Debug, Error, PartialEq)]
pub enum SpecError {
    #[error(
        "hidden layers must be whole numbers separated by commas, like \"64, 64\" ({0:?} is not)"
    )]
    LayerNotANumber(String),
    #[error("each hidden layer needs between 1 and {MAX_LAYER_UNITS} units, not {0}")]
    LayerUnits(usize),
    #[error("at most {MAX_HIDDEN_LAYERS} hidden layers, not {0}")]
    LayerCount(usize),
    #[error("the learning rate must be a number above 0 and at most {MAX_LEARNING_RATE}, not {0}")]
    LearningRate(f64),
    #[error("momentum must be between 0 and 1 (below 1), not {0}")]
    Momentum(f64),
    #[error("the batch size must be between 1 and {MAX_BATCH_SIZE}, not {0}")]
    BatchSize(usize),
    #[error("the number of epochs must be between 1 and {MAX_EPOCHS}, not {0}")]
    Epochs(usize),
    #[error("dropout must be between 0 and 0.9, not {0}")]
    Dropout(f64),
    #[error("a CNN needs between 1 and {MAX_FILTERS} filters, not {0}")]
    Filters(usize),
    #[error("the dense layer needs at most {MAX_LAYER_UNITS} units, not {0}")]
    DenseUnits(usize),
    #[error("weight decay must be between 0 and 1, not {0}")]
    WeightDecay(f64),
    #[error(
        "a step schedule needs a step of at least one epoch and a factor between 0 and 1, not every {every_epochs} epochs by {factor}"
    )]
    StepSchedule { every_epochs: usize, factor: f64 },
    #[error(
        "early stopping needs a patience of at least one epoch and a minimum change of 0 or more"
    )]
    EarlyStopping,
    #[error("early stopping watches the validation split: give it a share above 0")]
    EarlyStoppingWithoutValidation,
    #[error("the data cannot be made: {0}")]
    Dataset(#[from] SyntheticError),
    #[error(transparent)]
    Split(#[from] SplitError),
}

impl Default for TrainSpec {
    /// Settings that learn the default spiral to ≥ 95% training accuracy in a couple of seconds.
    fn default() -> Self {
        Self {
            dataset: DatasetSpec::Synthetic(SyntheticSpec::default()),
            split: SplitSpec::default(),
            model: ModelSpec::mlp(vec![64, 64]),
            optimizer: Optimizer::Adam,
            learning_rate: 0.01,
            schedule: Schedule::Constant,
            weight_decay: 0.0,
            batch_size: 64,
            epochs: 100,
            early_stopping: None,
            seed: 42,
            backend: Backend::FASTEST,
        }
    }
}

impl TrainSpec {
    /// Settings that work well for a dataset: the ones `kindling-ml/tests/quality.rs` holds to
    /// its quality bar (a CNN for the digit images, a linear model for the small, noisy diabetes
    /// set, the default MLP otherwise).
    pub fn preset_for(bundled: Option<BundledDataset>) -> Self {
        let model = match bundled {
            Some(BundledDataset::Digits) => ModelSpec::small_cnn(),
            Some(BundledDataset::Diabetes) => ModelSpec::Linear,
            _ => ModelSpec::mlp(vec![64, 64]),
        };
        let defaults = Self::default();
        let dataset = bundled.map_or(defaults.dataset.clone(), DatasetSpec::Bundled);
        Self {
            dataset,
            model,
            ..defaults
        }
    }

    /// Checks every setting, so the worker is only ever given a spec it can train.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.model.validate()?;
        if !(0.0..=1.0).contains(&self.weight_decay) {
            return Err(SpecError::WeightDecay(self.weight_decay));
        }
        if let Schedule::Step {
            every_epochs,
            factor,
        } = self.schedule
            && !(every_epochs >= 1 && factor > 0.0 && factor <= 1.0)
        {
            return Err(SpecError::StepSchedule {
                every_epochs,
                factor,
            });
        }
        if let Some(stopping) = self.early_stopping {
            if stopping.patience == 0 || stopping.min_delta.is_nan() || stopping.min_delta < 0.0 {
                return Err(SpecError::EarlyStopping);
            }
            if self.split.validation_fraction <= 0.0 {
                return Err(SpecError::EarlyStoppingWithoutValidation);
            }
        }
        self.split.validate()?;
        let lr = self.learning_rate;
        if !(lr > 0.0 && lr <= MAX_LEARNING_RATE) {
            return Err(SpecError::LearningRate(lr));
        }
        if let Optimizer::Sgd { momentum } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err(SpecError::Momentum(momentum));
        }
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(SpecError::BatchSize(self.batch_size));
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return Err(SpecError::Epochs(self.epochs));
        }
        self.dataset.validate()?;
        Ok(())
    }
}

/// Reads hidden layer sizes as a person types them: "64, 64", "32" or "" for none.
pub fn parse_hidden_layers(text: &str) -> Result<Vec<usize>, SpecError> {
    let layers = text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<usize>()
                .map_err(|_| SpecError::LayerNotANumber(part.to_owned()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_hidden_layers(&layers)?;
    Ok(layers)
}

fn check_hidden_layers(layers: &[usize]) -> Result<(), SpecError> {
    if layers.len() > MAX_HIDDEN_LAYERS {
        return Err(SpecError::LayerCount(layers.len()));
    }
    match layers.iter().find(|&&u| u == 0 || u > MAX_LAYER_UNITS) {
        Some(&units) => Err(SpecError::LayerUnits(units)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_runs_train_on_flex() {
        assert_eq!(TrainSpec::default().backend, Backend::Flex);
        for bundled in [
            None,
            Some(BundledDataset::Digits),
            Some(BundledDataset::Diabetes),
        ] {
            assert_eq!(TrainSpec::preset_for(bundled).backend, Backend::Flex);
        }
    }

    #[test]
    fn default_spec_is_valid() {
        assert_eq!(TrainSpec::default().validate(), Ok(()));
    }

    #[test]
    fn hidden_layers_parse_as_typed() {
        assert_eq!(parse_hidden_layers("64, 64"), Ok(vec![64, 64]));
        assert_eq!(parse_hidden_layers(" 8,16 ,"), Ok(vec![8, 16]));
        assert_eq!(parse_hidden_layers(""), Ok(vec![]));
        assert_eq!(
            parse_hidden_layers("64, x").unwrap_err().to_string(),
            "hidden layers must be whole numbers separated by commas, like \"64, 64\" (\"x\" is not)"
        );
        assert_eq!(parse_hidden_layers("0"), Err(SpecError::LayerUnits(0)));
        assert_eq!(
            parse_hidden_layers("1,1,1,1,1,1,1,1,1"),
            Err(SpecError::LayerCount(9))
        );
    }

    #[test]
    fn schedules_follow_their_formula() {
        assert_eq!(Schedule::Constant.learning_rate(0.1, 50, 100), 0.1);
        let step = Schedule::Step {
            every_epochs: 10,
            factor: 0.5,
        };
        assert_eq!(step.learning_rate(0.1, 10, 100), 0.1);
        assert_eq!(step.learning_rate(0.1, 11, 100), 0.05);
        assert_eq!(step.learning_rate(0.1, 21, 100), 0.025);
        assert_eq!(Schedule::Cosine.learning_rate(0.1, 1, 100), 0.1);
        assert!((Schedule::Cosine.learning_rate(0.1, 51, 100) - 0.05).abs() < 1e-12);
        assert!(Schedule::Cosine.learning_rate(0.1, 100, 100) < 0.0001);
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let base = TrainSpec::default();
        let cases = [
            TrainSpec {
                learning_rate: 0.0,
                ..base.clone()
            },
            TrainSpec {
                learning_rate: f64::NAN,
                ..base.clone()
            },
            TrainSpec {
                batch_size: 0,
                ..base.clone()
            },
            TrainSpec {
                optimizer: Optimizer::Sgd { momentum: 1.0 },
                ..base.clone()
            },
            TrainSpec {
                epochs: 0,
                ..base.clone()
            },
            TrainSpec {
                model: ModelSpec::mlp(vec![2000]),
                ..base.clone()
            },
            TrainSpec {
                model: ModelSpec::Mlp {
                    hidden_layers: vec![8],
                    activation: Activation::Tanh,
                    dropout: 1.0,
                },
                ..base.clone()
            },
            TrainSpec {
                model: ModelSpec::Cnn {
                    filters: 0,
                    pool: true,
                    dense_units: 8,
                },
                ..base.clone()
            },
            TrainSpec {
                weight_decay: -0.1,
                ..base.clone()
            },
            TrainSpec {
                schedule: Schedule::Step {
                    every_epochs: 0,
                    factor: 0.5,
                },
                ..base.clone()
            },
            TrainSpec {
                early_stopping: Some(EarlyStopping {
                    metric: StopMetric::ValidationLoss,
                    patience: 5,
                    min_delta: 0.0,
                }),
                split: SplitSpec {
                    validation_fraction: 0.0,
                    ..SplitSpec::default()
                },
                ..base.clone()
            },
            TrainSpec {
                split: SplitSpec {
                    test_fraction: 0.9,
                    ..SplitSpec::default()
                },
                ..base.clone()
            },
        ];
        for spec in cases {
            assert!(spec.validate().is_err(), "{spec:?} was accepted");
        }
    }
}
