//! Synthetic 2-D datasets, deterministic for a seed: small enough to train in a blink and to
//! draw, so a person sees what a model learns.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Dataset, Target, Task};
use crate::choice::Choice;
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
    /// A ring around a disc: separable, but not by a line.
    Circles,
    /// Four quadrants, opposite ones alike: the problem a single neuron cannot learn.
    Xor,
    /// Two interleaving half circles.
    Moons,
    /// Gaussian clusters, one per class, evenly spaced on a circle: linearly separable.
    Blobs { classes: u32 },
    /// Regression: y = sin(x) for x in [-π, π], plus noise. A line cannot fit it.
    Sine,
    /// Regression: z = 2x − 3y + 1 for (x, y) in [-1, 1]², plus noise. A line fits it exactly.
    Plane,
}

/// A generator without its settings, as menus and pipeline files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    Spiral,
    Circles,
    Xor,
    Moons,
    Blobs,
    Sine,
    Plane,
}

impl Choice for Generator {
    const WHAT: &'static str = "synthetic dataset";
    const KEYS: &'static [(Self, &'static str)] = &[
        (Generator::Spiral, "spiral"),
        (Generator::Circles, "circles"),
        (Generator::Xor, "xor"),
        (Generator::Moons, "moons"),
        (Generator::Blobs, "blobs"),
        (Generator::Sine, "sine"),
        (Generator::Plane, "plane"),
    ];
}

impl Generator {
    /// The generator's entry in the data menus.
    pub fn title(self) -> &'static str {
        match self {
            Generator::Spiral => "Spiral (2 classes)",
            Generator::Circles => "Circles (2 classes)",
            Generator::Xor => "XOR (2 classes)",
            Generator::Moons => "Moons (2 classes)",
            Generator::Blobs => "Gaussian blobs (2 to 10 classes)",
            Generator::Sine => "Sine wave (regression)",
            Generator::Plane => "Plane (regression)",
        }
    }

    /// The kind it generates; `classes` counts only for blobs.
    pub fn kind(self, classes: u32) -> SyntheticKind {
        match self {
            Generator::Spiral => SyntheticKind::Spiral,
            Generator::Circles => SyntheticKind::Circles,
            Generator::Xor => SyntheticKind::Xor,
            Generator::Moons => SyntheticKind::Moons,
            Generator::Blobs => SyntheticKind::Blobs { classes },
            Generator::Sine => SyntheticKind::Sine,
            Generator::Plane => SyntheticKind::Plane,
        }
    }
}

impl SyntheticKind {
    pub fn generator(self) -> Generator {
        match self {
            SyntheticKind::Spiral => Generator::Spiral,
            SyntheticKind::Circles => Generator::Circles,
            SyntheticKind::Xor => Generator::Xor,
            SyntheticKind::Moons => Generator::Moons,
            SyntheticKind::Blobs { .. } => Generator::Blobs,
            SyntheticKind::Sine => Generator::Sine,
            SyntheticKind::Plane => Generator::Plane,
        }
    }

    /// A short name for menus and run names.
    pub fn label(self) -> String {
        match self {
            SyntheticKind::Spiral => "spiral".into(),
            SyntheticKind::Circles => "circles".into(),
            SyntheticKind::Xor => "xor".into(),
            SyntheticKind::Moons => "moons".into(),
            SyntheticKind::Blobs { classes } => format!("{classes} blobs"),
            SyntheticKind::Sine => "sine wave".into(),
            SyntheticKind::Plane => "plane".into(),
        }
    }

    pub fn task(self) -> Task {
        match self {
            SyntheticKind::Sine | SyntheticKind::Plane => Task::Regression,
            _ => Task::Classification,
        }
    }
}

/// Limits that keep a tab responsive and a plot readable.
pub const MIN_SAMPLES: usize = 10;
pub const MAX_SAMPLES: usize = 100_000;
pub const MAX_NOISE: f64 = 2.0;
pub const MAX_BLOB_CLASSES: u32 = 10;

#[derive(Debug, Error, PartialEq)]
pub enum SyntheticError {
    #[error("the number of points must be between {MIN_SAMPLES} and {MAX_SAMPLES}, not {0}")]
    SampleCount(usize),
    #[error("the noise must be between 0 and {MAX_NOISE}, not {0}")]
    Noise(f64),
    #[error("blobs need between 2 and {MAX_BLOB_CLASSES} classes, not {0}")]
    BlobClasses(u32),
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
        if let SyntheticKind::Blobs { classes } = self.kind
            && !(2..=MAX_BLOB_CLASSES).contains(&classes)
        {
            return Err(SyntheticError::BlobClasses(classes));
        }
        Ok(())
    }

    pub fn generate(&self) -> Result<Dataset, SyntheticError> {
        self.validate()?;
        let (count, noise, seed) = (self.sample_count, self.noise, self.seed);
        Ok(match self.kind {
            SyntheticKind::Spiral => spiral(count, noise, seed),
            SyntheticKind::Circles => circles(count, noise, seed),
            SyntheticKind::Xor => xor(count, noise, seed),
            SyntheticKind::Moons => moons(count, noise, seed),
            SyntheticKind::Blobs { classes } => blobs(count, classes, noise, seed),
            SyntheticKind::Sine => sine(count, noise, seed),
            SyntheticKind::Plane => plane(count, noise, seed),
        })
    }
}

/// Collects generated points into a dataset named after its knobs.
fn two_d(
    kind: SyntheticKind,
    noise: f64,
    class_names: &[&str],
    points: impl Iterator<Item = ([f64; 2], u32)>,
) -> Dataset {
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for ([x, y], label) in points {
        features.extend([x as f32, y as f32]);
        labels.push(label);
    }
    Dataset {
        name: synthetic_name(kind, labels.len(), noise),
        feature_names: vec!["x".into(), "y".into()],
        features,
        target: Target::Classes {
            name: "class".into(),
            labels,
            class_names: class_names.iter().map(|&name| name.to_owned()).collect(),
        },
        image_shape: None,
        feature_kinds: Vec::new(),
    }
}

fn synthetic_name(kind: SyntheticKind, count: usize, noise: f64) -> String {
    format!("{} ({count} points, noise {noise:.2})", kind.label())
}

fn sine(count: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let mut features = Vec::with_capacity(count);
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        let x = PI * (2.0 * rng.next_f64() - 1.0);
        features.push(x as f32);
        values.push((x.sin() + noise * rng.next_gaussian()) as f32);
    }
    Dataset {
        name: synthetic_name(SyntheticKind::Sine, count, noise),
        feature_names: vec!["x".into()],
        features,
        target: Target::Values {
            name: "y".into(),
            values,
        },
        image_shape: None,
        feature_kinds: Vec::new(),
    }
}

fn plane(count: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let mut features = Vec::with_capacity(count * 2);
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        let x = 2.0 * rng.next_f64() - 1.0;
        let y = 2.0 * rng.next_f64() - 1.0;
        features.extend([x as f32, y as f32]);
        values.push((2.0 * x - 3.0 * y + 1.0 + noise * rng.next_gaussian()) as f32);
    }
    Dataset {
        name: synthetic_name(SyntheticKind::Plane, count, noise),
        feature_names: vec!["x".into(), "y".into()],
        features,
        target: Target::Values {
            name: "z".into(),
            values,
        },
        image_shape: None,
        feature_kinds: Vec::new(),
    }
}

/// Splits `count` rows over `classes` as evenly as possible, earlier classes first.
fn class_of_row(row: usize, count: usize, classes: u32) -> u32 {
    (row * classes as usize / count) as u32
}

fn circles(count: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let points = (0..count).map(move |row| {
        let label = class_of_row(row, count, 2);
        let radius = if label == 0 { 1.0 } else { 0.5 };
        let angle = 2.0 * PI * rng.next_f64();
        let x = radius * angle.cos() + noise * rng.next_gaussian();
        let y = radius * angle.sin() + noise * rng.next_gaussian();
        ([x, y], label)
    });
    two_d(
        SyntheticKind::Circles,
        noise,
        &["outer ring", "inner disc"],
        points,
    )
}

fn xor(count: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let points = (0..count).map(move |_| {
        let x = 2.0 * rng.next_f64() - 1.0;
        let y = 2.0 * rng.next_f64() - 1.0;
        let label = u32::from(x * y < 0.0);
        (
            [
                x + noise * rng.next_gaussian(),
                y + noise * rng.next_gaussian(),
            ],
            label,
        )
    });
    two_d(
        SyntheticKind::Xor,
        noise,
        &["same signs", "opposite signs"],
        points,
    )
}

/// scikit-learn's make_moons shape: an upper arc and a lower arc shifted into its opening.
fn moons(count: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let points = (0..count).map(move |row| {
        let label = class_of_row(row, count, 2);
        let t = PI * rng.next_f64();
        let (x, y) = if label == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        (
            [
                x + noise * rng.next_gaussian(),
                y + noise * rng.next_gaussian(),
            ],
            label,
        )
    });
    two_d(
        SyntheticKind::Moons,
        noise,
        &["upper moon", "lower moon"],
        points,
    )
}

/// Clusters with spread 0.15 + noise around centres on a circle of radius 1.
fn blobs(count: usize, classes: u32, noise: f64, seed: u32) -> Dataset {
    let mut rng = Mulberry32::new(seed);
    let spread = 0.15 + noise;
    let points = (0..count).map(move |row| {
        let label = class_of_row(row, count, classes);
        let angle = 2.0 * PI * f64::from(label) / f64::from(classes);
        let x = angle.cos() + spread * rng.next_gaussian();
        let y = angle.sin() + spread * rng.next_gaussian();
        ([x, y], label)
    });
    let names: Vec<String> = (1..=classes).map(|c| format!("blob {c}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    two_d(SyntheticKind::Blobs { classes }, noise, &names, points)
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
        name: synthetic_name(SyntheticKind::Spiral, sample_count, noise),
        feature_names: vec!["x".into(), "y".into()],
        features,
        target: Target::Classes {
            name: "class".into(),
            labels,
            class_names: vec!["arm A".into(), "arm B".into()],
        },
        image_shape: None,
        feature_kinds: Vec::new(),
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
        assert_eq!(data.class_counts(), [251, 250]);
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
    fn every_generator_is_deterministic_balanced_and_labelled_by_its_shape() {
        let kinds = [
            SyntheticKind::Circles,
            SyntheticKind::Xor,
            SyntheticKind::Moons,
            SyntheticKind::Blobs { classes: 4 },
        ];
        for kind in kinds {
            let spec = SyntheticSpec {
                kind,
                sample_count: 400,
                noise: 0.0,
                seed: 3,
            };
            let data = spec.generate().unwrap();
            assert_eq!(data, spec.generate().unwrap(), "{kind:?}");
            assert_eq!(data.row_count(), 400);
            let Target::Classes {
                labels,
                class_names,
                ..
            } = &data.target
            else {
                panic!("{kind:?} is a classification set");
            };
            for class in 0..class_names.len() as u32 {
                let share = labels.iter().filter(|&&l| l == class).count();
                assert!(
                    share >= 400 / class_names.len() / 2,
                    "{kind:?} class {class}: {share}"
                );
            }
            // Without noise each point sits exactly where its class says.
            for (row, &label) in labels.iter().enumerate() {
                let [x, y] = [f64::from(data.row(row)[0]), f64::from(data.row(row)[1])];
                let radius = (x * x + y * y).sqrt();
                let fits = match kind {
                    SyntheticKind::Circles => (radius - [1.0, 0.5][label as usize]).abs() < 1e-5,
                    SyntheticKind::Xor => (x * y < 0.0) == (label == 1),
                    SyntheticKind::Moons => {
                        let centre = [(0.0, 0.0), (1.0, 0.5)][label as usize];
                        ((x - centre.0).hypot(y - centre.1) - 1.0).abs() < 1e-5
                    }
                    _ => true,
                };
                assert!(fits, "{kind:?} row {row} at ({x}, {y}) labelled {label}");
            }
        }
    }

    #[test]
    fn regression_sets_follow_their_formula_without_noise() {
        for kind in [SyntheticKind::Sine, SyntheticKind::Plane] {
            let spec = SyntheticSpec {
                kind,
                sample_count: 200,
                noise: 0.0,
                seed: 9,
            };
            let data = spec.generate().unwrap();
            assert_eq!(data, spec.generate().unwrap());
            assert_eq!(data.task(), Task::Regression);
            let Target::Values { values, .. } = &data.target else {
                panic!("{kind:?} is a regression set");
            };
            for (row, &value) in values.iter().enumerate() {
                let x = f64::from(data.row(row)[0]);
                let expected = match kind {
                    SyntheticKind::Sine => x.sin(),
                    _ => 2.0 * x - 3.0 * f64::from(data.row(row)[1]) + 1.0,
                };
                assert!(
                    (f64::from(value) - expected).abs() < 1e-5,
                    "{kind:?} row {row}"
                );
            }
        }
        let noisy = SyntheticSpec {
            kind: SyntheticKind::Sine,
            ..Default::default()
        };
        assert_ne!(
            noisy.generate().unwrap(),
            SyntheticSpec {
                noise: 0.0,
                ..noisy
            }
            .generate()
            .unwrap()
        );
    }

    #[test]
    fn blobs_need_two_to_ten_classes() {
        let spec = SyntheticSpec {
            kind: SyntheticKind::Blobs { classes: 1 },
            ..Default::default()
        };
        assert_eq!(
            spec.generate().unwrap_err().to_string(),
            "blobs need between 2 and 10 classes, not 1"
        );
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
