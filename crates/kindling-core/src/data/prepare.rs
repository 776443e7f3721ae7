//! Turning a dataset into what a model trains on, without leaking the test data into training:
//! a seeded (stratified) split, standardisation fitted on the training rows only, and a
//! content hash that says exactly which data a model saw.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::{Dataset, Target};
use crate::rng::Mulberry32;

/// The most of the data that may be held out for validation or for testing, each.
pub const MAX_HOLDOUT_FRACTION: f64 = 0.4;

/// How the rows are shared between training, validation (early stopping, model choice) and
/// test (the final, untouched estimate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitSpec {
    pub validation_fraction: f64,
    pub test_fraction: f64,
    pub seed: u32,
}

impl Default for SplitSpec {
    /// 65 / 15 / 20: enough test rows for a stable estimate on the small bundled sets.
    fn default() -> Self {
        Self {
            validation_fraction: 0.15,
            test_fraction: 0.2,
            seed: 42,
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum SplitError {
    #[error("the validation and test shares must each be between 0 and 0.4, not {0}")]
    Fraction(f64),
}

/// Row indices of each part, ascending.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

impl SplitSpec {
    pub fn validate(&self) -> Result<(), SplitError> {
        for fraction in [self.validation_fraction, self.test_fraction] {
            if !(0.0..=MAX_HOLDOUT_FRACTION).contains(&fraction) {
                return Err(SplitError::Fraction(fraction));
            }
        }
        Ok(())
    }

    /// Splits the rows. For classification every class is split in the same proportions
    /// (stratified), so a rare class is not missing from the test data by chance.
    pub fn split(&self, data: &Dataset) -> Split {
        let mut rng = Mulberry32::new(self.seed);
        let groups: Vec<Vec<usize>> = match &data.target {
            Target::Classes {
                labels,
                class_names,
                ..
            } => (0..class_names.len() as u32)
                .map(|class| {
                    (0..labels.len())
                        .filter(|&row| labels[row] == class)
                        .collect()
                })
                .collect(),
            Target::Values { values, .. } => vec![(0..values.len()).collect()],
        };
        let mut split = Split::default();
        for mut rows in groups {
            rng.shuffle(&mut rows);
            let count = rows.len();
            let test = share(count, self.test_fraction);
            let validation = share(count, self.validation_fraction).min(count - test);
            let validation = if test + validation == count && count > 0 {
                validation.saturating_sub(1)
            } else {
                validation
            };
            split.test.extend_from_slice(&rows[..test]);
            split
                .validation
                .extend_from_slice(&rows[test..test + validation]);
            split.train.extend_from_slice(&rows[test + validation..]);
        }
        split.train.sort_unstable();
        split.validation.sort_unstable();
        split.test.sort_unstable();
        split
    }
}

fn share(count: usize, fraction: f64) -> usize {
    ((count as f64 * fraction).round() as usize).min(count)
}

/// Per-feature shift and scale, fitted on training rows and applied to every input the model
/// ever sees (validation, test, predictions, a served package).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    pub mean: Vec<f32>,
    /// Population standard deviation; 1 for a feature that is constant in training.
    pub std: Vec<f32>,
}

impl Standardization {
    pub fn fit(data: &Dataset, rows: &[usize]) -> Self {
        let width = data.feature_count();
        let mut mean = vec![0.0f64; width];
        let mut square = vec![0.0f64; width];
        for &row in rows {
            for (column, &value) in data.row(row).iter().enumerate() {
                mean[column] += f64::from(value);
            }
        }
        let count = rows.len().max(1) as f64;
        mean.iter_mut().for_each(|m| *m /= count);
        for &row in rows {
            for (column, &value) in data.row(row).iter().enumerate() {
                square[column] += (f64::from(value) - mean[column]).powi(2);
            }
        }
        Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std: square
                .iter()
                .map(|&s| scale_or_one((s / count).sqrt()))
                .collect(),
        }
    }

    /// Standardises row-major features in place.
    pub fn apply(&self, features: &mut [f32]) {
        let width = self.mean.len();
        for row in features.chunks_mut(width) {
            for ((value, mean), std) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *value = (*value - mean) / std;
            }
        }
    }
}

/// A regression target's shift and scale: the model learns standardised values, so one
/// learning rate suits targets in the hundreds as well as in fractions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetScaling {
    pub mean: f32,
    pub std: f32,
}

impl TargetScaling {
    pub fn fit(values: &[f32]) -> Self {
        let count = values.len().max(1) as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
        let variance = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / count;
        Self {
            mean: mean as f32,
            std: scale_or_one(variance.sqrt()),
        }
    }

    pub fn scale(&self, value: f32) -> f32 {
        (value - self.mean) / self.std
    }

    pub fn unscale(&self, value: f32) -> f32 {
        value * self.std + self.mean
    }
}

fn scale_or_one(std: f64) -> f32 {
    if std > 1e-12 { std as f32 } else { 1.0 }
}

/// Everything done to raw inputs (and a regression target) before the model sees them. It is
/// fitted on the training split and travels with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    pub features: Standardization,
    pub target: Option<TargetScaling>,
}

impl Preprocessing {
    pub fn fit(data: &Dataset, train_rows: &[usize]) -> Self {
        let target = match &data.target {
            Target::Values { values, .. } => {
                let train: Vec<f32> = train_rows.iter().map(|&row| values[row]).collect();
                Some(TargetScaling::fit(&train))
            }
            Target::Classes { .. } => None,
        };
        Self {
            features: Standardization::fit(data, train_rows),
            target,
        }
    }

    /// The model's inputs for raw row-major features.
    pub fn transform(&self, raw_features: &[f32]) -> Vec<f32> {
        let mut features = raw_features.to_vec();
        self.features.apply(&mut features);
        features
    }
}

/// A dataset's version: the SHA-256 (hex) of a canonical encoding of its columns, target and
/// values. Renaming a dataset keeps its id; changing one value changes it.
pub fn dataset_id(data: &Dataset) -> String {
    let mut hash = Sha256::new();
    let text = |hash: &mut Sha256, text: &str| {
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    };
    hash.update(b"kindling-dataset/1");
    hash.update((data.row_count() as u64).to_le_bytes());
    hash.update((data.feature_count() as u64).to_le_bytes());
    for name in &data.feature_names {
        text(&mut hash, name);
    }
    match data.image_shape {
        Some(shape) => {
            hash.update([1]);
            hash.update((shape.height as u64).to_le_bytes());
            hash.update((shape.width as u64).to_le_bytes());
        }
        None => hash.update([0]),
    }
    for value in &data.features {
        hash.update(value.to_le_bytes());
    }
    match &data.target {
        Target::Classes {
            name,
            labels,
            class_names,
        } => {
            hash.update([b'c']);
            text(&mut hash, name);
            hash.update((class_names.len() as u64).to_le_bytes());
            for class in class_names {
                text(&mut hash, class);
            }
            for label in labels {
                hash.update(label.to_le_bytes());
            }
        }
        Target::Values { name, values } => {
            hash.update([b'v']);
            text(&mut hash, name);
            for value in values {
                hash.update(value.to_le_bytes());
            }
        }
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::{SyntheticKind, SyntheticSpec};

    fn blobs(classes: u32, count: usize) -> Dataset {
        SyntheticSpec {
            kind: SyntheticKind::Blobs { classes },
            sample_count: count,
            noise: 0.1,
            seed: 5,
        }
        .generate()
        .unwrap()
    }

    #[test]
    fn the_split_covers_every_row_once_and_keeps_class_shares() {
        let data = blobs(3, 300);
        let split = SplitSpec::default().split(&data);
        let mut all: Vec<usize> = [&split.train, &split.validation, &split.test]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
        assert_eq!(
            (split.train.len(), split.validation.len(), split.test.len()),
            (195, 45, 60)
        );
        for part in [&split.train, &split.validation, &split.test] {
            let counts = data.select_rows(part).class_counts();
            assert!(
                counts.iter().all(|&c| c == counts[0]),
                "unbalanced {counts:?}"
            );
        }
        assert_eq!(split, SplitSpec::default().split(&data));
        let other = SplitSpec {
            seed: 43,
            ..SplitSpec::default()
        };
        assert_ne!(split.test, other.split(&data).test);
    }

    #[test]
    fn a_tiny_class_keeps_a_training_row() {
        let mut data = blobs(2, 20);
        let Target::Classes { labels, .. } = &mut data.target else {
            panic!()
        };
        labels.iter_mut().for_each(|l| *l = 0);
        // Two rows: a 40% test share and a 40% validation share each round up to one row.
        labels[7] = 1;
        labels[8] = 1;
        let split = SplitSpec {
            validation_fraction: 0.4,
            test_fraction: 0.4,
            seed: 1,
        }
        .split(&data);
        assert!(split.train.contains(&7) || split.train.contains(&8));
    }

    #[test]
    fn standardisation_is_fitted_on_the_training_rows_only() {
        let data = SyntheticSpec {
            kind: SyntheticKind::Plane,
            sample_count: 200,
            noise: 0.1,
            seed: 2,
        }
        .generate()
        .unwrap();
        let split = SplitSpec::default().split(&data);
        let preprocessing = Preprocessing::fit(&data, &split.train);
        let train = preprocessing.transform(&data.select_rows(&split.train).features);
        for column in 0..2 {
            let values: Vec<f64> = train
                .iter()
                .skip(column)
                .step_by(2)
                .map(|&v| f64::from(v))
                .collect();
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                "{mean} {var}"
            );
        }
        let test_only = Preprocessing::fit(&data, &split.test);
        assert_ne!(preprocessing, test_only);
        let scaling = preprocessing.target.unwrap();
        assert!((scaling.unscale(scaling.scale(123.5)) - 123.5).abs() < 1e-3);
    }

    #[test]
    fn a_constant_feature_is_left_unscaled_rather_than_divided_by_zero() {
        let mut data = blobs(2, 20);
        data.features.iter_mut().step_by(2).for_each(|x| *x = 3.0);
        let standardization = Standardization::fit(&data, &(0..20).collect::<Vec<_>>());
        assert_eq!(
            (standardization.mean[0], standardization.std[0]),
            (3.0, 1.0)
        );
    }

    #[test]
    fn the_dataset_id_names_the_content_not_the_label() {
        let data = blobs(2, 40);
        let id = dataset_id(&data);
        assert_eq!(id.len(), 64);
        let mut renamed = data.clone();
        renamed.name = "something else".into();
        assert_eq!(dataset_id(&renamed), id);
        let mut changed = data.clone();
        changed.features[17] += 1e-3;
        assert_ne!(dataset_id(&changed), id);
        let mut relabelled = data.clone();
        if let Target::Classes { labels, .. } = &mut relabelled.target {
            labels[0] = 1 - labels[0];
        }
        assert_ne!(dataset_id(&relabelled), id);
    }
}
