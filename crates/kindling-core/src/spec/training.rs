//! A whole training recipe: the data, the model, the optimiser settings, the schedule, early
//! stopping, the seed and the backend. Plain data, so it can cross to the worker, be stored
//! with a run and re-run.

use serde::{Deserialize, Serialize};

use super::error::{MAX_BATCH_SIZE, MAX_EPOCHS, MAX_LEARNING_RATE, SpecError};
use super::model::ModelSpec;
use crate::choice::Choice;
use crate::data::bundled::BundledDataset;
use crate::data::prepare::SplitSpec;
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

/// The CPU backend Burn trains on. Both are pure Rust and run in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    NdArray,
    Flex,
}

impl Choice for Backend {
    const WHAT: &'static str = "backend";
    const KEYS: &'static [(Self, &'static str)] =
        &[(Backend::NdArray, "ndarray"), (Backend::Flex, "flex")];
}

impl Backend {
    /// The backend new runs train on. With both backends' SIMD kernels built in, flex trained
    /// W1 and W3 1.5-2x faster than ndarray on a first visit and W2 as fast; once V8 had
    /// optimised the trainer, flex won W2 and the two were within this machine's spread on W1
    /// and W3 (BENCHMARKS.md, 2026-11-30). ndarray stays for runs made with it.
    pub const FASTEST: Backend = Backend::Flex;
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

/// The optimiser without its settings, as the form and params name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    Adam,
    AdamW,
    Sgd,
}

impl Choice for OptimizerKind {
    const WHAT: &'static str = "optimizer";
    const KEYS: &'static [(Self, &'static str)] = &[
        (OptimizerKind::Adam, "adam"),
        (OptimizerKind::AdamW, "adamw"),
        (OptimizerKind::Sgd, "sgd"),
    ];
}

impl Optimizer {
    pub fn kind(self) -> OptimizerKind {
        match self {
            Optimizer::Adam => OptimizerKind::Adam,
            Optimizer::AdamW => OptimizerKind::AdamW,
            Optimizer::Sgd { .. } => OptimizerKind::Sgd,
        }
    }
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
    pub fn kind(self) -> ScheduleKind {
        match self {
            Schedule::Constant => ScheduleKind::Constant,
            Schedule::Step { .. } => ScheduleKind::Step,
            Schedule::Cosine => ScheduleKind::Cosine,
        }
    }

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

/// The schedule without its settings, as the form and params name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    Constant,
    Step,
    Cosine,
}

impl Choice for ScheduleKind {
    const WHAT: &'static str = "learning-rate schedule";
    const KEYS: &'static [(Self, &'static str)] = &[
        (ScheduleKind::Constant, "constant"),
        (ScheduleKind::Step, "step"),
        (ScheduleKind::Cosine, "cosine"),
    ];
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

impl Choice for StopMetric {
    const WHAT: &'static str = "early-stopping metric";
    const KEYS: &'static [(Self, &'static str)] = &[
        (StopMetric::ValidationLoss, "loss"),
        (StopMetric::ValidationScore, "score"),
    ];
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::error::SpecError;
    use crate::spec::model::{Activation, ModelSpec, parse_hidden_layers};

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

    /// Every list's keys are distinct and read back as the option they name, so a form value,
    /// a param or a pipeline file means one thing.
    #[test]
    fn every_key_table_round_trips() {
        fn check<C: Choice + std::fmt::Debug>() {
            let keys: Vec<&str> = C::all().map(C::key).collect();
            let mut distinct = keys.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), keys.len(), "{keys:?}");
            for choice in C::all() {
                assert_eq!(C::from_key(choice.key()), Ok(choice));
            }
            assert!(C::from_key("no-such-key").is_err());
        }
        check::<crate::spec::ModelKind>();
        check::<Activation>();
        check::<crate::spec::OptimizerKind>();
        check::<crate::spec::ScheduleKind>();
        check::<StopMetric>();
        check::<Backend>();
        check::<crate::data::synthetic::Generator>();
        check::<BundledDataset>();
    }

    #[test]
    fn an_mlp_without_hidden_layers_is_the_linear_model() {
        assert_eq!(
            ModelSpec::mlp(vec![]).kind(),
            crate::spec::ModelKind::Linear
        );
        assert_eq!(ModelSpec::Linear.kind(), crate::spec::ModelKind::Linear);
        assert_eq!(ModelSpec::mlp(vec![8]).kind(), crate::spec::ModelKind::Mlp);
        assert_eq!(ModelSpec::small_cnn().kind(), crate::spec::ModelKind::Cnn);
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
