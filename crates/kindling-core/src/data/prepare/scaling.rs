//! Shift and scale: the model inputs' standardisation and a regression target's scaling, each
//! fitted on the training rows only.

use serde::{Deserialize, Serialize};

/// Per-feature shift and scale, fitted on training rows and applied to every input the model
/// ever sees (validation, test, predictions, a served package).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    pub mean: Vec<f32>,
    /// Population standard deviation; 1 for a feature that is constant in training.
    pub std: Vec<f32>,
}

impl Standardization {
    /// Fitted on the training rows' model inputs (`width` values per row, row-major).
    pub fn fit(inputs: &[f32], width: usize) -> Self {
        let mut mean = vec![0.0f64; width];
        let mut square = vec![0.0f64; width];
        let rows = inputs.chunks(width.max(1));
        for row in rows.clone() {
            for (column, &value) in row.iter().enumerate() {
                mean[column] += f64::from(value);
            }
        }
        let count = (inputs.len() / width.max(1)).max(1) as f64;
        mean.iter_mut().for_each(|m| *m /= count);
        for row in rows {
            for (column, &value) in row.iter().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_input_is_left_unscaled_rather_than_divided_by_zero() {
        let standardization = Standardization::fit(&[3.0, 1.0, 3.0, 2.0, 3.0, 3.0], 2);
        assert_eq!(
            (standardization.mean[0], standardization.std[0]),
            (3.0, 1.0)
        );
        assert_eq!(standardization.mean[1], 2.0);
        let scaling = TargetScaling::fit(&[100.0, 300.0]);
        assert!((scaling.unscale(scaling.scale(123.5)) - 123.5).abs() < 1e-3);
    }
}
