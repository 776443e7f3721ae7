//! Kindling's domain, free of Burn and of the web: what a dataset, a run and a metric are, how
//! synthetic data is generated, and the messages the UI and the trainer worker exchange.
//!
//! Everything here compiles and tests natively in seconds; the browser shell and the trainer
//! both build on it, so the rules of the product live in one place.

pub mod base64;
pub mod choice;
pub mod data;
pub mod evaluation;
pub mod ids;
pub mod lesson;
pub mod metrics;
pub mod mlflow;
pub mod monitor;
pub mod package;
pub mod percent;
pub mod pipeline;
pub mod protocol;
pub mod registry;
pub mod rng;
pub mod scoring;
pub mod session;
pub mod signature;
pub mod spec;
pub mod storage;
pub mod tracking;
pub mod validation;
pub mod workspace;

/// The app version, shown in the footer and recorded with every run so a result can be traced
/// to the build that made it.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Which source this crate was built from (`build.rs`): the page and the worker of one build
/// say the same, so a worker started from a newer build than its page (another tab updated the
/// app, and the worker's script came from the new build) is caught before any message is
/// misread.
pub const BUILD_ID: &str = env!("KINDLING_CORE_SOURCE_ID");
