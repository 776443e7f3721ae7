//! What a person asks the trainer to do: the data, the model, the optimiser settings and the
//! seed. A spec is plain data so it can cross to the worker, be stored with a run and re-run.
mod error;
mod model;
pub mod params;
mod training;

pub use error::{
    MAX_BATCH_SIZE, MAX_DROPOUT, MAX_EPOCHS, MAX_FILTERS, MAX_HIDDEN_LAYERS, MAX_LAYER_UNITS,
    MAX_LEARNING_RATE, SpecError,
};
pub use model::{Activation, ModelKind, ModelSpec, parse_hidden_layers};
pub use training::{
    Backend, DatasetSpec, EarlyStopping, Optimizer, OptimizerKind, Schedule, ScheduleKind,
    StopMetric, TrainSpec,
};
