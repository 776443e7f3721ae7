//! Datasets as the trainer sees them: a dense row-major matrix of `f32` features and a target
//! per row, with the names a person needs to read the results.

pub mod bundled;
pub mod csv;
pub mod prepare;
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
    /// Set when each row is a grayscale image (row-major pixels), so a CNN can see its shape.
    #[serde(default)]
    pub image_shape: Option<ImageShape>,
}

/// Height and width of the images whose pixels make up a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageShape {
    pub height: usize,
    pub width: usize,
}

/// What the model predicts for each row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// A class index per row, into `class_names`.
    Classes {
        name: String,
        labels: Vec<u32>,
        class_names: Vec<String>,
    },
    /// A number per row.
    Values { name: String, values: Vec<f32> },
}

/// What kind of answer a model gives: the one choice that changes the loss, the output layer
/// and every metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    Classification,
    Regression,
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Classes { name, .. } | Target::Values { name, .. } => name,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values { values, .. } => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same target restricted to `rows`, in that order.
    fn select(&self, rows: &[usize]) -> Target {
        match self {
            Target::Classes {
                name,
                labels,
                class_names,
            } => Target::Classes {
                name: name.clone(),
                labels: rows.iter().map(|&row| labels[row]).collect(),
                class_names: class_names.clone(),
            },
            Target::Values { name, values } => Target::Values {
                name: name.clone(),
                values: rows.iter().map(|&row| values[row]).collect(),
            },
        }
    }
}

impl Dataset {
    pub fn feature_count(&self) -> usize {
        self.feature_names.len()
    }

    pub fn row_count(&self) -> usize {
        self.target.len()
    }

    pub fn task(&self) -> Task {
        match self.target {
            Target::Classes { .. } => Task::Classification,
            Target::Values { .. } => Task::Regression,
        }
    }

    /// The number of classes, or 0 for a regression target.
    pub fn class_count(&self) -> usize {
        match &self.target {
            Target::Classes { class_names, .. } => class_names.len(),
            Target::Values { .. } => 0,
        }
    }

    /// The width of the model's output: one logit per class, or one value.
    pub fn output_size(&self) -> usize {
        match self.task() {
            Task::Classification => self.class_count(),
            Task::Regression => 1,
        }
    }

    /// The feature values of one row.
    pub fn row(&self, index: usize) -> &[f32] {
        let width = self.feature_count();
        &self.features[index * width..(index + 1) * width]
    }

    /// A dataset of the given rows, in that order (a split, a preview, a batch of inputs).
    pub fn select_rows(&self, rows: &[usize]) -> Dataset {
        Dataset {
            name: self.name.clone(),
            feature_names: self.feature_names.clone(),
            features: rows
                .iter()
                .flat_map(|&row| self.row(row).iter().copied())
                .collect(),
            target: self.target.select(rows),
            image_shape: self.image_shape,
        }
    }

    /// Rows per class, in class order; empty for regression.
    pub fn class_counts(&self) -> Vec<usize> {
        match &self.target {
            Target::Classes {
                labels,
                class_names,
                ..
            } => {
                let mut counts = vec![0; class_names.len()];
                for &label in labels {
                    counts[label as usize] += 1;
                }
                counts
            }
            Target::Values { .. } => Vec::new(),
        }
    }
}
