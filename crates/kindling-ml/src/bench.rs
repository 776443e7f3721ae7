//! The benchmark workloads of `shared/bench/WORKLOADS.md`, shared by the native benchmark
//! (`examples/bench.rs`) and the trainer worker's benchmark mode, so both sides and TF.js train
//! on the same data and are counted the same way.
//!
//! samples/s = samples in epochs 2..E / wall time of epochs 2..E (epoch 1 is warm-up), as the
//! TF.js harness counts. Kindling reads the loss back once per epoch, not once per step.

use kindling_core::data::prepare::SplitSpec;
use kindling_core::data::synthetic::SyntheticSpec;
use kindling_core::data::{Dataset, ImageShape, Target};
use kindling_core::rng::Mulberry32;
use kindling_core::spec::{Backend, ModelSpec, Optimizer, TrainSpec};

use crate::Trainer;

/// Floating-point operations per training sample of W2 (784-128-10): the forward pass is two
/// per weight (a multiply and an add); the backward pass computes each layer's weight gradient
/// (two more) and, for every layer but the first, the gradient of its input (two more): the
/// data needs no gradient, and Burn's autodiff computes none for a tensor that does not track
/// one. So 4 per weight of the first layer and 6 per weight of the second; counting 6 for all
/// (as before 2026-12-05) overstated W2's rate by half and let it "beat" the SIMD peak.
pub const W2_FLOPS_PER_SAMPLE: f64 = 4.0 * (784.0 * 128.0) + 6.0 * (128.0 * 10.0);

const SEED: u32 = 42;

/// One benchmark workload: its data and the spec that trains on every row of it.
pub struct Workload {
    pub id: &'static str,
    pub data: Dataset,
    pub spec: TrainSpec,
}

pub fn workloads() -> Vec<Workload> {
    let spec = |model, learning_rate, batch_size, epochs| TrainSpec {
        model,
        optimizer: Optimizer::Adam,
        learning_rate,
        batch_size,
        epochs,
        // Every row trains, as in the harness: no validation or test rows held out.
        split: SplitSpec {
            validation_fraction: 0.0,
            test_fraction: 0.0,
            seed: SEED,
        },
        ..TrainSpec::default()
    };
    let mut digits = uniform(1_797, 64, 10);
    digits.image_shape = Some(ImageShape {
        height: 8,
        width: 8,
    });
    vec![
        Workload {
            id: "W1 spiral-mlp",
            data: SyntheticSpec::default()
                .generate()
                .expect("the default spiral is valid"),
            spec: spec(ModelSpec::mlp(vec![64, 64]), 0.01, 64, 20),
        },
        Workload {
            id: "W2 mnist-mlp",
            data: uniform(10_000, 784, 10),
            spec: spec(ModelSpec::mlp(vec![128]), 0.001, 128, 3),
        },
        Workload {
            id: "W3 digits-cnn",
            data: digits,
            spec: spec(
                ModelSpec::Cnn {
                    filters: 8,
                    pool: false,
                    dense_units: 0,
                },
                0.001,
                32,
                5,
            ),
        },
    ]
}

/// The harness's uniform sets: per sample, `width` uniforms then label = floor(u × classes).
fn uniform(rows: usize, width: usize, classes: u32) -> Dataset {
    let mut rng = Mulberry32::new(SEED);
    let mut features = Vec::with_capacity(rows * width);
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        features.extend((0..width).map(|_| rng.next_f64() as f32));
        labels.push(((rng.next_f64() * f64::from(classes)) as u32).min(classes - 1));
    }
    Dataset {
        name: format!("uniform {rows}x{width}"),
        feature_names: (0..width).map(|i| format!("x{i}")).collect(),
        features,
        target: Target::Classes {
            name: "label".into(),
            labels,
            class_names: (0..classes).map(|c| c.to_string()).collect(),
        },
        image_shape: None,
        feature_kinds: Vec::new(),
    }
}

/// samples/s over epochs 2..E, timed by `now_ms` (the worker's `performance.now()`, or an
/// `Instant` natively).
pub fn samples_per_second(workload: &Workload, backend: Backend, now_ms: &dyn Fn() -> f64) -> f64 {
    let spec = TrainSpec {
        backend,
        ..workload.spec.clone()
    };
    let mut trainer = Trainer::new(&spec, &workload.data).expect("benchmark specs are valid");
    let mut elapsed_ms = Vec::new();
    while !trainer.is_done() {
        let slice = trainer
            .run_slice(now_ms, f64::INFINITY)
            .expect("benchmarks do not diverge");
        elapsed_ms.extend(slice.epochs.iter().map(|m| m.elapsed_ms));
    }
    let timed_ms = elapsed_ms[spec.epochs - 1] - elapsed_ms[0];
    let timed_samples = (spec.epochs - 1) * workload.data.row_count();
    timed_samples as f64 / (timed_ms / 1000.0)
}

/// Features of the drift benchmark's rows: eight numbers and one column of categories.
pub const DRIFT_NUMBER_COLUMNS: usize = 8;

/// Milliseconds the monitor takes to compare a `rows`-row window with a `rows`-row reference
/// (the worker's drift statistics: every feature's PSI, KS test and gaps, and the anomalies),
/// the median of 5 after 2 not timed. The window is shifted, so the p-values take their
/// costlier branches.
pub fn drift_ms(rows: usize, now_ms: &dyn Fn() -> f64) -> f64 {
    use kindling_core::monitor::DriftReference;
    let reference = drift_rows(rows, 0.0, 1);
    let window = drift_rows(rows, 0.3, 2);
    let summary = DriftReference::new(&reference);
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let started = now_ms();
            std::hint::black_box(summary.compare(std::hint::black_box(&window), true));
            now_ms() - started
        })
        .skip(2)
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn drift_rows(rows: usize, shift: f64, seed: u32) -> Dataset {
    use kindling_core::data::FeatureKind;
    let mut rng = Mulberry32::new(seed);
    let columns = DRIFT_NUMBER_COLUMNS + 1;
    let mut features = Vec::with_capacity(rows * columns);
    for _ in 0..rows {
        for _ in 0..DRIFT_NUMBER_COLUMNS {
            features.push((rng.next_gaussian() + shift) as f32);
        }
        features.push(rng.next_index(5) as f32);
    }
    let mut kinds = vec![FeatureKind::Numeric; DRIFT_NUMBER_COLUMNS];
    kinds.push(FeatureKind::Categorical {
        categories: ["a", "b", "c", "d", "e"].map(String::from).to_vec(),
    });
    Dataset {
        name: "drift bench".into(),
        feature_names: (0..columns).map(|column| format!("f{column}")).collect(),
        features,
        target: Target::Classes {
            name: "class".into(),
            labels: (0..rows).map(|_| rng.next_index(3) as u32).collect(),
            class_names: ["x", "y", "z"].map(String::from).to_vec(),
        },
        image_shape: None,
        feature_kinds: kinds,
    }
}
