//! Datasets as the trainer sees them: a dense row-major matrix of `f32` raw feature values and a
//! target per row, with the names a person needs to read the results.
//!
//! A feature column is numeric (the number itself; NaN where the file had a gap) or categorical
//! (the index of the row's category in the column's categories; NaN for a gap). Nothing is
//! encoded or filled here: that is the preprocessing a model fits on its training rows
//! (`prepare`), so a test row never shapes what the model is fed.

pub mod bundled;
pub mod csv;
pub mod gaps;
pub mod prepare;
pub mod synthetic;

use serde::{Deserialize, Serialize};

/// A dataset ready for training: raw columns, one value per row and column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// A human-readable name (e.g. "spiral (1000 points, noise 0.20)").
    pub name: String,
    /// The raw columns, as the file names them.
    pub feature_names: Vec<String>,
    /// Row-major, `row_count() * feature_count()` raw values (see the module doc). A gap
    /// (NaN) is `null` in JSON, which has no NaN.
    #[serde(with = "gaps")]
    pub features: Vec<f32>,
    pub target: Target,
    /// Set when each row is a grayscale image (row-major pixels), so a CNN can see its shape.
    #[serde(default)]
    pub image_shape: Option<ImageShape>,
    /// What each column holds, when not every column is a number; empty when every one is
    /// (every synthetic and bundled set, and every dataset stored before categories were kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_kinds: Vec<FeatureKind>,
}

/// What a raw feature column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureKind {
    Numeric,
    /// A row's value is the index of its category here (NaN for a gap).
    Categorical {
        categories: Vec<String>,
    },
}

/// The kind every column of a dataset without `feature_kinds` has.
const NUMERIC: FeatureKind = FeatureKind::Numeric;

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
        #[serde(with = "gaps::labels")]
        labels: Vec<u32>,
        class_names: Vec<String>,
    },
    /// A number per row.
    Values {
        name: String,
        #[serde(with = "gaps")]
        values: Vec<f32>,
    },
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

    /// What column `column` holds.
    pub fn kind(&self, column: usize) -> &FeatureKind {
        self.feature_kinds.get(column).unwrap_or(&NUMERIC)
    }

    /// True when some column holds categories.
    pub fn has_categories(&self) -> bool {
        self.feature_kinds
            .iter()
            .any(|kind| matches!(kind, FeatureKind::Categorical { .. }))
    }

    /// The category of a categorical cell, or `None` for a number or a gap.
    pub fn category(&self, row: usize, column: usize) -> Option<&str> {
        let FeatureKind::Categorical { categories } = self.kind(column) else {
            return None;
        };
        let code = self.row(row)[column];
        if code.is_nan() {
            return None;
        }
        categories.get(code as usize).map(String::as_str)
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
            feature_kinds: self.feature_kinds.clone(),
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

/// One feature column as the Data page's table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureStats {
    pub name: String,
    /// Rows with a gap in this column.
    pub missing: usize,
    pub summary: ColumnSummary,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnSummary {
    /// Range, mean and (population) standard deviation of the values present.
    Numeric {
        min: f32,
        max: f32,
        mean: f64,
        std: f64,
    },
    /// How many rows hold each category, in the column's order.
    Categorical { counts: Vec<(String, usize)> },
}

impl Dataset {
    /// Every feature column's summary, gaps left out of it and counted.
    pub fn feature_stats(&self) -> Vec<FeatureStats> {
        let columns = self.feature_count();
        (0..columns)
            .map(|column| {
                let present: Vec<f32> = self
                    .features
                    .iter()
                    .skip(column)
                    .step_by(columns.max(1))
                    .copied()
                    .filter(|value| !value.is_nan())
                    .collect();
                let missing = self.row_count() - present.len();
                let summary = match self.kind(column) {
                    FeatureKind::Numeric => {
                        let count = present.len().max(1) as f64;
                        let mean = present.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
                        let variance = present
                            .iter()
                            .map(|&v| (f64::from(v) - mean).powi(2))
                            .sum::<f64>()
                            / count;
                        ColumnSummary::Numeric {
                            min: present.iter().copied().fold(f32::INFINITY, f32::min),
                            max: present.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                            mean,
                            std: variance.sqrt(),
                        }
                    }
                    FeatureKind::Categorical { categories } => {
                        let mut counts = vec![0usize; categories.len()];
                        for &code in &present {
                            if let Some(count) = counts.get_mut(code as usize) {
                                *count += 1;
                            }
                        }
                        ColumnSummary::Categorical {
                            counts: categories.iter().cloned().zip(counts).collect(),
                        }
                    }
                };
                FeatureStats {
                    name: self.feature_names[column].clone(),
                    missing,
                    summary,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod stats_tests {
    #[test]
    fn a_dataset_with_gaps_goes_through_json_and_back() {
        let data = Dataset {
            name: "gappy".into(),
            feature_names: vec!["a".into(), "b".into()],
            features: vec![1.0, f32::NAN, f32::NAN, 4.5],
            target: Target::Values {
                name: "y".into(),
                values: vec![1.0, 2.0],
            },
            image_shape: None,
            feature_kinds: Vec::new(),
        };
        let json = serde_json::to_string(&data).unwrap();
        assert!(json.contains("[1.0,null,null,4.5]"), "{json}");
        let read: Dataset = serde_json::from_str(&json).unwrap();
        assert_eq!(read.features[0], 1.0);
        assert!(read.features[1].is_nan() && read.features[2].is_nan());
        assert_eq!(read.features[3], 4.5);
    }

    use super::*;

    #[test]
    fn feature_stats_per_column_leave_gaps_out_and_count_categories() {
        let data = Dataset {
            name: "t".into(),
            feature_names: vec!["a".into(), "b".into(), "island".into()],
            features: vec![1.0, 10.0, 1.0, 3.0, 10.0, f32::NAN, f32::NAN, 10.0, 1.0],
            target: Target::Values {
                name: "y".into(),
                values: vec![0.0, 1.0, 2.0],
            },
            image_shape: None,
            feature_kinds: vec![
                FeatureKind::Numeric,
                FeatureKind::Numeric,
                FeatureKind::Categorical {
                    categories: vec!["Biscoe".into(), "Dream".into()],
                },
            ],
        };
        let stats = data.feature_stats();
        assert_eq!(stats[0].missing, 1);
        assert_eq!(
            stats[0].summary,
            ColumnSummary::Numeric {
                min: 1.0,
                max: 3.0,
                mean: 2.0,
                std: 1.0
            }
        );
        assert!(
            matches!(stats[1].summary, ColumnSummary::Numeric { mean, std, .. } if mean == 10.0 && std == 0.0)
        );
        assert_eq!(stats[2].missing, 1);
        assert_eq!(
            stats[2].summary,
            ColumnSummary::Categorical {
                counts: vec![("Biscoe".into(), 0), ("Dream".into(), 2)]
            }
        );
        assert_eq!(data.category(0, 2), Some("Dream"));
        assert_eq!(data.category(1, 2), None, "a gap");
        assert_eq!(data.category(0, 0), None, "a number");
    }
}
