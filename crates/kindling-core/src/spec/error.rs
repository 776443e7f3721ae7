//! The limits a spec must keep, and what a person reads when a setting is outside them.

use thiserror::Error;

use crate::data::prepare::SplitError;
use crate::data::synthetic::SyntheticError;

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
