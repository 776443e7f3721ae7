//! The model's architecture: what kind of network, its layers and their non-linearity.

use serde::{Deserialize, Serialize};

use super::error::{MAX_DROPOUT, MAX_FILTERS, MAX_HIDDEN_LAYERS, MAX_LAYER_UNITS, SpecError};
use crate::choice::Choice;

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

    /// What kind of network this is; an MLP without hidden layers is linear.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::Mlp { hidden_layers, .. } if !hidden_layers.is_empty() => ModelKind::Mlp,
            ModelSpec::Mlp { .. } | ModelSpec::Linear => ModelKind::Linear,
            ModelSpec::Cnn { .. } => ModelKind::Cnn,
        }
    }

    pub fn label(&self) -> String {
        match self {
            ModelSpec::Mlp {
                hidden_layers,
                activation,
                ..
            } if !hidden_layers.is_empty() => {
                let layers: Vec<String> = hidden_layers.iter().map(ToString::to_string).collect();
                format!("MLP {} {}", layers.join("-"), activation.key())
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

/// The kind of network, as the model select, params (`model = cnn`) and pipeline files name
/// it. An MLP without hidden layers is the linear model, whichever way it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    Mlp,
    Linear,
    Cnn,
}

impl Choice for ModelKind {
    const WHAT: &'static str = "model";
    const KEYS: &'static [(Self, &'static str)] = &[
        (ModelKind::Mlp, "mlp"),
        (ModelKind::Linear, "linear"),
        (ModelKind::Cnn, "cnn"),
    ];
}

impl Choice for Activation {
    const WHAT: &'static str = "activation";
    const KEYS: &'static [(Self, &'static str)] = &[
        (Activation::Relu, "relu"),
        (Activation::Tanh, "tanh"),
        (Activation::Sigmoid, "sigmoid"),
        (Activation::Gelu, "gelu"),
    ];
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
