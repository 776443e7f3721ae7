//! What a person asks the trainer to do: the data, the model, the optimiser settings and the
//! seed. A spec is plain data so it can cross to the worker, be stored with a run and re-run.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::Dataset;
use crate::data::synthetic::{SyntheticError, SyntheticSpec};

/// Where a run's data comes from; the worker builds the dataset itself from this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DatasetSpec {
    Synthetic(SyntheticSpec),
}

impl DatasetSpec {
    pub fn load(&self) -> Result<Dataset, SyntheticError> {
        match self {
            DatasetSpec::Synthetic(spec) => spec.generate(),
        }
    }

    pub fn validate(&self) -> Result<(), SyntheticError> {
        match self {
            DatasetSpec::Synthetic(spec) => spec.validate(),
        }
    }
}

/// A multi-layer perceptron: the input layer comes from the data, the output from its classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Units of each hidden layer, input side first.
    pub hidden_layers: Vec<usize>,
}

/// The CPU backend Burn trains on. Both are pure Rust and run in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Backend {
    #[default]
    NdArray,
    Flex,
}

/// How the weights move along the gradient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Adaptive steps; forgiving of the learning rate, the usual first choice.
    Adam,
    /// Plain gradient descent with momentum (0 for none).
    Sgd { momentum: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub dataset: DatasetSpec,
    pub model: ModelSpec,
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub epochs: usize,
    /// Seeds weight initialisation and shuffling: the same spec gives the same run.
    pub seed: u64,
    pub backend: Backend,
}

pub const MAX_HIDDEN_LAYERS: usize = 8;
pub const MAX_LAYER_UNITS: usize = 1024;
pub const MAX_BATCH_SIZE: usize = 4096;
pub const MAX_EPOCHS: usize = 100_000;
pub const MAX_LEARNING_RATE: f64 = 1000.0;

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
    #[error("the data cannot be made: {0}")]
    Dataset(#[from] SyntheticError),
}

impl Default for TrainSpec {
    /// Settings that learn the default spiral to ≥ 95% training accuracy in a couple of seconds.
    fn default() -> Self {
        Self {
            dataset: DatasetSpec::Synthetic(SyntheticSpec::default()),
            model: ModelSpec {
                hidden_layers: vec![64, 64],
            },
            optimizer: Optimizer::Adam,
            learning_rate: 0.01,
            batch_size: 64,
            epochs: 100,
            seed: 42,
            backend: Backend::default(),
        }
    }
}

impl TrainSpec {
    /// Checks every setting, so the worker is only ever given a spec it can train.
    pub fn validate(&self) -> Result<(), SpecError> {
        check_hidden_layers(&self.model.hidden_layers)?;
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
                model: ModelSpec {
                    hidden_layers: vec![2000],
                },
                ..base.clone()
            },
        ];
        for spec in cases {
            assert!(spec.validate().is_err(), "{spec:?} was accepted");
        }
    }
}
