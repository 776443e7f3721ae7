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

impl crate::choice::Choice for Task {
    const WHAT: &'static str = "task";
    const KEYS: &'static [(Self, &'static str)] = &[
        (Task::Classification, "classification"),
        (Task::Regression, "regression"),
    ];
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

/// One feature's range and spread, for the Data page's column table.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureStats {
    pub name: String,
    pub min: f32,
    pub max: f32,
    pub mean: f64,
    pub std: f64,
}

impl Dataset {
    /// Min, max, mean and (population) standard deviation of every feature.
    pub fn feature_stats(&self) -> Vec<FeatureStats> {
        let columns = self.feature_count();
        let rows = self.row_count().max(1) as f64;
        (0..columns)
            .map(|column| {
                let values = || self.features.iter().skip(column).step_by(columns.max(1));
                let mean = values().map(|&v| f64::from(v)).sum::<f64>() / rows;
                let variance = values()
                    .map(|&v| (f64::from(v) - mean).powi(2))
                    .sum::<f64>()
                    / rows;
                FeatureStats {
                    name: self.feature_names[column].clone(),
                    min: values().copied().fold(f32::INFINITY, f32::min),
                    max: values().copied().fold(f32::NEG_INFINITY, f32::max),
                    mean,
                    std: variance.sqrt(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod stats_tests {
    use super::*;

    #[test]
    fn feature_stats_per_column() {
        let data = Dataset {
            name: "t".into(),
            feature_names: vec!["a".into(), "b".into()],
            features: vec![1.0, 10.0, 3.0, 10.0],
            target: Target::Values {
                name: "y".into(),
                values: vec![0.0, 1.0],
            },
            image_shape: None,
        };
        let stats = data.feature_stats();
        assert_eq!(
            (stats[0].min, stats[0].max, stats[0].mean, stats[0].std),
            (1.0, 3.0, 2.0, 1.0)
        );
        assert_eq!((stats[1].mean, stats[1].std), (10.0, 0.0));
    }
}
