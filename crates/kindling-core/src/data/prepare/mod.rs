//! Turning a dataset into what a model trains on, without leaking the test data into training:
//! a seeded (stratified) split, the raw columns' preprocessing and the inputs' standardisation
//! fitted on the training rows only, and a content hash that says exactly which data a model
//! saw.

mod columns;
mod id;
mod scaling;
mod split;

pub use columns::{ColumnPreprocessing, Preprocessing, UNSEEN};
pub use id::dataset_id;
pub use scaling::{Standardization, TargetScaling};
pub use split::{MAX_HOLDOUT_FRACTION, Split, SplitError, SplitSpec};
