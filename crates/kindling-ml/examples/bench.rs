//! Native training throughput on the benchmark workloads of `shared/bench/WORKLOADS.md`, for
//! each backend. Run by `cargo xtask bench`; prints a table and one JSON line per measurement.
//!
//! samples/s = samples in epochs 2..E / wall time of epochs 2..E (epoch 1 is warm-up), as the
//! TF.js harness counts. Kindling reads the loss back once per epoch, not once per step.

use std::time::Instant;

use kindling_core::data::prepare::SplitSpec;
use kindling_core::data::synthetic::SyntheticSpec;
use kindling_core::data::{Dataset, ImageShape, Target};
use kindling_core::rng::Mulberry32;
use kindling_core::spec::{Backend, ModelSpec, Optimizer, TrainSpec};
use kindling_ml::Trainer;

const REPETITIONS: usize = 3;
const SEED: u32 = 42;

struct Workload {
    id: &'static str,
    data: Dataset,
    spec: TrainSpec,
}

fn workloads() -> Vec<Workload> {
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
    }
}

// A native benchmark, where `Instant` works; the clippy ban is for browser code.
#[allow(clippy::disallowed_methods)]
fn samples_per_second(workload: &Workload, backend: Backend) -> f64 {
    let spec = TrainSpec {
        backend,
        ..workload.spec.clone()
    };
    let mut trainer = Trainer::new(&spec, &workload.data).expect("benchmark specs are valid");
    let start = Instant::now();
    let now_ms = || start.elapsed().as_secs_f64() * 1000.0;
    let mut elapsed_ms = Vec::new();
    while !trainer.is_done() {
        let slice = trainer
            .run_slice(&now_ms, f64::INFINITY)
            .expect("benchmarks do not diverge");
        elapsed_ms.extend(slice.epochs.iter().map(|m| m.elapsed_ms));
    }
    let timed_ms = elapsed_ms[spec.epochs - 1] - elapsed_ms[0];
    let timed_samples = (spec.epochs - 1) * workload.data.row_count();
    timed_samples as f64 / (timed_ms / 1000.0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

fn main() {
    let workloads = workloads();
    let backends = [Backend::NdArray, Backend::Flex];
    let mut table = Vec::new();
    for workload in &workloads {
        let mut runs = vec![Vec::new(); backends.len()];
        // Repetition is the outer loop, to spread machine noise over every configuration.
        for repetition in 1..=REPETITIONS {
            for (backend, samples) in backends.iter().zip(&mut runs) {
                let rate = samples_per_second(workload, *backend);
                println!(
                    "{{\"side\":\"native\",\"workload\":\"{}\",\"backend\":\"{backend:?}\",\"rep\":{repetition},\"samples_per_s\":{rate:.1}}}",
                    workload.id
                );
                samples.push(rate);
            }
        }
        table.push((
            workload.id,
            runs.into_iter().map(median).collect::<Vec<_>>(),
        ));
    }
    println!("\nnative training throughput, median of {REPETITIONS} (samples/s)");
    println!(
        "{:<16} {:>12} {:>12} {:>12}",
        "workload", "ndarray", "flex", "flex/ndarray"
    );
    for (id, medians) in table {
        println!(
            "{id:<16} {:>12.0} {:>12.0} {:>12.2}",
            medians[0],
            medians[1],
            medians[1] / medians[0]
        );
    }
}
