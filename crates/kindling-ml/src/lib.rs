//! Kindling's trainer: models built from a [`kindling_core::spec::TrainSpec`], trained by a loop
//! that runs in slices so the worker can listen to Pause/Stop between them, and the trained
//! model that predicts, evaluates and saves its weights.
//!
//! It depends on Burn and on kindling-core, never on the web: the same code trains in the
//! browser worker and in native tests and benchmarks.

pub mod bench;
mod device;
pub mod endpoint;
mod model;
pub mod model_service;
mod package;
pub mod reproduce;
pub mod run_loop;
mod trained;
mod trainer;

pub use device::{autodiff_device, plain_device};
pub use model::{BuildError, Cnn, Mlp, Network};
pub use package::{automatic_checks, build_package, open_package, package_files};
pub use trained::{TrainedModel, WeightsError};
pub use trainer::{Slice, TrainError, Trainer};
