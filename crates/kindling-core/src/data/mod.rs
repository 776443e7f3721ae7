//! Datasets as the trainer sees them: a dense row-major matrix of `f32` features and a target
//! per row, with the names a person needs to read the results.

pub mod synthetic;

use serde::{Deserialize, Serialize};

/// A dataset ready for training: every feature already numeric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// A human-readable name (e.g. "spiral (1000 points, noise 0.20)").
    pub name: String,
    pub feature_names: Vec<String>,
    /// Row-major, `row_count() * feature_count()` values.
    pub features: Vec<f32>,
    pub target: Target,
}

/// What the model predicts for each row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// A class index per row, into `class_names`.
    Classes {
        labels: Vec<u32>,
        class_names: Vec<String>,
    },
}

impl Dataset {
    pub fn feature_count(&self) -> usize {
        self.feature_names.len()
    }

    pub fn row_count(&self) -> usize {
        match &self.target {
            Target::Classes { labels, .. } => labels.len(),
        }
    }

    pub fn class_count(&self) -> usize {
        match &self.target {
            Target::Classes { class_names, .. } => class_names.len(),
        }
    }

    /// The feature values of one row.
    pub fn row(&self, index: usize) -> &[f32] {
        let width = self.feature_count();
        &self.features[index * width..(index + 1) * width]
    }
}
