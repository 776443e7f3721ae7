//! Synthetic 2-D datasets, deterministic for a seed: small enough to train in a blink and to
//! draw, so a person sees what a model learns.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Dataset, Target};
use crate::rng::Mulberry32;

/// Which generator, and its knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticSpec {
    pub kind: SyntheticKind,
    pub sample_count: usize,
    /// Standard deviation of the Gaussian noise added by the generator.
    pub noise: f64,
    pub seed: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyntheticKind {
    /// Two interleaved spiral arms, one per class: the classic "needs a hidden layer" set.
    Spiral,
}

/// Limits that keep a tab responsive and a plot readable.
pub const MIN_SAMPLES: usize = 10;
pub const MAX_SAMPLES: usize = 100_000;
pub const MAX_NOISE: f64 = 2.0;

#[derive(Debug, Error, PartialEq)]
pub enum SyntheticError {
    #[error("the number of points must be between {MIN_SAMPLES} and {MAX_SAMPLES}, not {0}")]
    SampleCount(usize),
    #[error("the noise must be between 0 and {MAX_NOISE}, not {0}")]
    Noise(f64),
}

impl Default for SyntheticSpec {
    /// The spiral of the benchmark workload W1: 1,000 points, noise 0.2.
    fn default() -> Self {
        Self {
            kind: SyntheticKind::Spiral,
            sample_count: 1000,
            noise: 0.2,
            seed: 42,
        }
    }
}

impl SyntheticSpec {
    /// Checks the knobs without generating anything.
    pub fn validate(&self) -> Result<(), SyntheticError> {
        if !(MIN_SAMPLES..=MAX_SAMPLES).contains(&self.sample_count) {
            return Err(SyntheticError::SampleCount(self.sample_count));
        }
        if !(0.0..=MAX_NOISE).contains(&self.noise) {
            return Err(SyntheticError::Noise(self.noise));
        }
        Ok(())
    }

    pub fn generate(&self) -> Result<Dataset, SyntheticError> {
        self.validate()?;
        Ok(match self.kind {
            SyntheticKind::Spiral => spiral(self.sample_count, self.noise, self.seed),
        })
    }
}

/// Two spiral arms. For `noise = 0.2` and an even count this is point for point the spiral of
/// the TF.js reference harness: class c, i in 0..n/2, t = i/(n/2),
/// angle = c·π + 3π·t + noise·N(0,1), point = t·(sin angle, cos angle).
fn spiral(sample_count: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let per_class = [sample_count.div_ceil(2), sample_count / 2];
    let mut features = Vec::with_capacity(sample_count * 2);
    let mut labels = Vec::with_capacity(sample_count);
    for (class, &count) in per_class.iter().enumerate() {
        for i in 0..count {
            let t = i as f64 / count as f64;
            let angle = class as f64 * PI + 3.0 * PI * t + noise * rng.next_gaussian();
            features.push((t * angle.sin()) as f32);
            features.push((t * angle.cos()) as f32);
            labels.push(class as u32);
        }
    }
    Dataset {
        name: format!("spiral ({sample_count} points, noise {noise:.2})"),
        feature_names: vec!["x".into(), "y".into()],
        features,
        target: Target::Classes {
            labels,
            class_names: vec!["arm A".into(), "arm B".into()],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let spec = SyntheticSpec::default();
        let a = spec.generate().unwrap();
        assert_eq!(a, spec.generate().unwrap());
        let b = SyntheticSpec { seed: 43, ..spec }.generate().unwrap();
        assert_ne!(a.features, b.features);
    }

    #[test]
    fn spiral_has_balanced_classes_inside_the_unit_disc() {
        let data = SyntheticSpec {
            sample_count: 501,
            ..Default::default()
        }
        .generate()
        .unwrap();
        assert_eq!(data.row_count(), 501);
        assert_eq!(data.features.len(), 1002);
        let Target::Classes { labels, .. } = &data.target;
        assert_eq!(labels.iter().filter(|&&l| l == 0).count(), 251);
        for row in 0..data.row_count() {
            let [x, y] = data.row(row) else { panic!() };
            assert!((x * x + y * y).sqrt() <= 1.0 + 1e-6);
        }
    }

    #[test]
    fn points_match_the_reference_harness() {
        // Float32 values printed by the TF.js harness's makeData for the spiral, seed 42.
        let data = SyntheticSpec::default().generate().unwrap();
        assert_eq!(data.row(1), [-0.000_071_496_09, 0.001_998_721_6]);
        assert_eq!(data.row(600), [-0.199_180_6, 0.018_085_6]);
        assert_eq!(data.row(999), [0.132_292_85, 0.989_192_9]);
    }

    #[test]
    fn out_of_range_knobs_are_refused_in_words() {
        let err = SyntheticSpec {
            sample_count: 5,
            ..Default::default()
        }
        .generate()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the number of points must be between 10 and 100000, not 5"
        );
        let err = SyntheticSpec {
            noise: -1.0,
            ..Default::default()
        }
        .generate()
        .unwrap_err();
        assert!(err.to_string().contains("noise"));
    }
}
