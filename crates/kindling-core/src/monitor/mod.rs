//! The second half of the lifecycle: a deployed model watched in production. A traffic
//! generator replays data as requests with drift a person controls (`traffic`); the monitor
//! keeps a sliding window of what the endpoint answered and the labels that have arrived
//! (`window`), compares the window with the training data feature by feature (`drift`, with
//! the statistics defined exactly in `stats` and `kolmogorov`), and judges alert rules on it
//! (`alerts`). The worker runs it beside the deployed model; `kindling monitor` runs the same
//! comparison on two CSV files. A `deployment` is what the page keeps of it all, in a store
//! of its own.

pub mod alerts;
pub mod deployment;
pub mod drift;
pub mod fresh;
pub mod kolmogorov;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod traffic;
pub mod window;

pub use alerts::{Alert, AlertMetric, AlertRule, AlertRuleError, AlertState, Observation};
pub use drift::{DriftReference, DriftReport, FeatureDrift};
pub use stats::KsTest;
pub use traffic::{DriftControls, LiveRow, NEW_CATEGORY, Traffic};
pub use window::{MonitorState, Served, Snapshot, WindowShape};
