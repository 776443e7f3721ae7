//! Native training throughput on the benchmark workloads, for each backend. Run by
//! `cargo xtask bench`; prints a table and one JSON line per measurement.

use std::time::Instant;

use kindling_core::spec::Backend;
use kindling_ml::bench::{samples_per_second, workloads};

const REPETITIONS: usize = 3;

// A native benchmark, where `Instant` works; the clippy ban is for browser code.
#[allow(clippy::disallowed_methods)]
fn native_samples_per_second(workload: &kindling_ml::bench::Workload, backend: Backend) -> f64 {
    let start = Instant::now();
    samples_per_second(workload, backend, &|| {
        start.elapsed().as_secs_f64() * 1000.0
    })
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
                let rate = native_samples_per_second(workload, *backend);
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
