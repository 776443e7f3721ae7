//! The monitor's drift statistics are SciPy's and NumPy's: the KS statistic to 1e-9, its
//! p-value (`ks_2samp(..., method="asymp")`) and PSI to 1e-6, on samples that reach every
//! region of the Kolmogorov distribution's computation, with ties, and on category columns
//! with categories the reference never had. Kindling's side goes through the same
//! `DriftReference::compare` the worker and `kindling monitor` use.
//!
//! It lives with the trainer's tests because they own the Python environment
//! (`common::python`); the statistics themselves are kindling-core's.

mod common;

use std::process::Command;

use common::python::{python, workspace};
use kindling_core::data::{Dataset, FeatureKind, Target};
use kindling_core::monitor::{DriftReference, kolmogorov};
use kindling_core::rng::Mulberry32;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Cases {
    numeric: Vec<Pair<f64>>,
    categorical: Vec<Pair<String>>,
    kstwo: Vec<(u64, f64)>,
}

#[derive(Serialize)]
struct Pair<T> {
    reference: Vec<T>,
    current: Vec<T>,
}

#[derive(Deserialize)]
struct Answers {
    numeric: Vec<NumericAnswer>,
    categorical: Vec<CategoricalAnswer>,
    kstwo: Vec<f64>,
}

#[derive(Deserialize)]
struct NumericAnswer {
    statistic: f64,
    p_value: f64,
    psi: f64,
}

#[derive(Deserialize)]
struct CategoricalAnswer {
    psi: f64,
}

/// `count` values of a normal with this mean and spread, rounded to `step` when given (ties),
/// through f32 as a dataset holds them.
fn sample(rng: &mut Mulberry32, count: usize, mean: f64, sd: f64, step: Option<f64>) -> Vec<f64> {
    (0..count)
        .map(|_| {
            let value = mean + sd * rng.next_gaussian();
            let value = step.map_or(value, |step| (value / step).round() * step);
            f64::from(value as f32)
        })
        .collect()
}

fn one_column(values: Vec<f32>, kind: FeatureKind) -> Dataset {
    let rows = values.len();
    Dataset {
        name: "case".into(),
        feature_names: vec!["x".into()],
        features: values,
        target: Target::Values {
            name: "y".into(),
            values: vec![0.0; rows],
        },
        image_shape: None,
        feature_kinds: vec![kind],
    }
}

fn categories(values: &[String]) -> (Vec<String>, Vec<f32>) {
    let mut names: Vec<String> = Vec::new();
    let codes = values
        .iter()
        .map(|value| match names.iter().position(|name| name == value) {
            Some(index) => index as f32,
            None => {
                names.push(value.clone());
                (names.len() - 1) as f32
            }
        })
        .collect();
    (names, codes)
}

fn pick(rng: &mut Mulberry32, count: usize, weights: &[(&str, f64)]) -> Vec<String> {
    let total: f64 = weights.iter().map(|(_, weight)| weight).sum();
    (0..count)
        .map(|_| {
            let mut left = rng.next_f64() * total;
            for (name, weight) in weights {
                if left < *weight {
                    return (*name).to_owned();
                }
                left -= weight;
            }
            weights[weights.len() - 1].0.to_owned()
        })
        .collect()
}

fn cases() -> Cases {
    let mut rng = Mulberry32::new(2026);
    let mut numeric = Vec::new();
    // (reference rows, current rows, shift, scale, rounding step): the effective sample size
    // round(m·n/(m+n)) runs from 9 to 5,000, and the shifts from none to far apart, so every
    // branch of the p-value is taken.
    let shapes: [(usize, usize, f64, f64, Option<f64>); 14] = [
        (12, 20, 0.0, 1.0, None),
        (30, 25, 0.3, 1.0, None),
        (30, 25, 1.5, 1.0, None),
        (200, 150, 0.1, 1.0, None),
        (200, 150, 0.6, 1.3, None),
        (250, 250, 0.0, 1.0, Some(0.5)),
        (1_000, 500, 0.05, 1.0, None),
        (1_000, 500, 0.3, 1.0, None),
        (5_000, 500, 0.0, 1.0, None),
        (5_000, 500, 1.0, 2.0, None),
        (2_000, 1_000, 0.1, 1.0, Some(1.0)),
        (10_000, 10_000, 0.02, 1.0, None),
        (10_000, 10_000, 0.2, 1.0, None),
        (400, 300, 4.0, 1.0, None),
    ];
    for (reference_rows, current_rows, shift, scale, step) in shapes {
        numeric.push(Pair {
            reference: sample(&mut rng, reference_rows, 10.0, 2.0, step.map(|s| s * 2.0)),
            current: sample(
                &mut rng,
                current_rows,
                10.0 + 2.0 * shift,
                2.0 * scale,
                step.map(|s| s * 2.0),
            ),
        });
    }
    let usual = [("red", 0.5), ("green", 0.3), ("blue", 0.2)];
    let categorical = vec![
        Pair {
            reference: pick(&mut rng, 1_000, &usual),
            current: pick(&mut rng, 300, &usual),
        },
        Pair {
            reference: pick(&mut rng, 1_000, &usual),
            current: pick(
                &mut rng,
                300,
                &[("red", 0.2), ("green", 0.2), ("blue", 0.6)],
            ),
        },
        Pair {
            reference: pick(&mut rng, 500, &usual),
            current: pick(
                &mut rng,
                400,
                &[("red", 0.4), ("blue", 0.3), ("purple", 0.3)],
            ),
        },
    ];
    let mut kstwo = Vec::new();
    for n in [1, 2, 5, 10, 40, 100, 140, 141, 400, 2_000, 20_000, 150_000] {
        for d in [
            0.001, 0.01, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.7, 0.95,
        ] {
            kstwo.push((n, d));
        }
    }
    Cases {
        numeric,
        categorical,
        kstwo,
    }
}

#[test]
fn drift_statistics_agree_with_scipy_and_numpy() {
    let cases = cases();
    let folder = std::env::temp_dir().join(format!("kindling-drift-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let input = folder.join("cases.json");
    std::fs::write(&input, serde_json::to_vec(&cases).unwrap()).unwrap();
    let output = Command::new(python())
        .arg(workspace().join("tests/python/drift_reference.py"))
        .arg(&input)
        .output()
        .expect("python runs");
    std::fs::remove_dir_all(&folder).unwrap();
    assert!(
        output.status.success(),
        "drift_reference.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Answers = serde_json::from_slice(&output.stdout).unwrap();

    for (index, (case, scipy)) in cases.numeric.iter().zip(&answers.numeric).enumerate() {
        let as_column = |values: &[f64]| {
            one_column(
                values.iter().map(|&value| value as f32).collect(),
                FeatureKind::Numeric,
            )
        };
        let report = DriftReference::new(&as_column(&case.reference))
            .compare(&as_column(&case.current), false);
        let ours = &report.features[0];
        let ks = ours.ks.expect("both sides have values");
        let psi = ours.psi.expect("both sides have values");
        let what = format!(
            "numeric case {index} ({} vs {} rows)",
            case.reference.len(),
            case.current.len()
        );
        assert!(
            (ks.statistic - scipy.statistic).abs() <= 1e-9,
            "{what}: KS {} vs SciPy {}",
            ks.statistic,
            scipy.statistic
        );
        assert!(
            (ks.p_value - scipy.p_value).abs() <= 1e-6,
            "{what}: p-value {} vs SciPy {}",
            ks.p_value,
            scipy.p_value
        );
        assert!(
            (psi - scipy.psi).abs() <= 1e-6,
            "{what}: PSI {psi} vs NumPy {}",
            scipy.psi
        );
    }

    for (index, (case, numpy)) in cases
        .categorical
        .iter()
        .zip(&answers.categorical)
        .enumerate()
    {
        let (names, reference_codes) = categories(&case.reference);
        let (current_names, current_codes) = categories(&case.current);
        let report = DriftReference::new(&one_column(
            reference_codes,
            FeatureKind::Categorical { categories: names },
        ))
        .compare(
            &one_column(
                current_codes,
                FeatureKind::Categorical {
                    categories: current_names,
                },
            ),
            false,
        );
        let psi = report.features[0].psi.unwrap();
        assert!(
            (psi - numpy.psi).abs() <= 1e-6,
            "category case {index}: PSI {psi} vs NumPy {}",
            numpy.psi
        );
    }

    for (&(n, d), &scipy) in cases.kstwo.iter().zip(&answers.kstwo) {
        let ours = kolmogorov::two_sided_sf(n, d);
        assert!(
            (ours - scipy).abs() <= 1e-6,
            "kstwo.sf({d}, {n}): {ours} vs SciPy {scipy}"
        );
    }
}
