//! Kindling's trainer: models built from a [`kindling_core::spec::TrainSpec`], trained by a loop
//! that runs in slices so the worker can listen to Pause/Stop between them.
//!
//! It depends on Burn and on kindling-core, never on the web: the same code trains in the
//! browser worker and in native tests and benchmarks.

mod device;
mod model;
mod trainer;

pub use device::device_for;
pub use model::Mlp;
pub use trainer::{Slice, TrainError, Trainer};
