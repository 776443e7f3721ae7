//! Measurements for `cargo xtask bench`, run synchronously: nothing else is going on.

use core::arch::wasm32::{f32x4, f32x4_add, f32x4_extract_lane, f32x4_mul, v128};

use kindling_core::protocol::{BenchReply, BenchRequest};
use kindling_ml::bench::{DRIFT_NUMBER_COLUMNS, drift_ms, samples_per_second, workloads};

/// Answers a benchmark request, timing with `now_ms` (the worker's clock).
pub fn answer(request: BenchRequest, now_ms: &dyn Fn() -> f64) -> BenchReply {
    match request {
        BenchRequest::Workload { id, backend } => {
            match workloads().into_iter().find(|workload| workload.id == id) {
                Some(workload) => BenchReply::Workload {
                    samples_per_s: samples_per_second(&workload, backend, now_ms),
                    id,
                    backend,
                },
                None => BenchReply::Failed(format!("no workload is called {id}")),
            }
        }
        BenchRequest::SimdPeak => BenchReply::SimdPeak {
            gflops: simd_peak_gflops(now_ms),
        },
        BenchRequest::Drift { rows } => BenchReply::Drift {
            rows,
            features: DRIFT_NUMBER_COLUMNS + 1,
            ms: drift_ms(rows, now_ms),
        },
        BenchRequest::Trip { .. } => {
            BenchReply::Failed("a trip is measured asynchronously (`trip`)".into())
        }
    }
}

/// Sixteen independent f32x4 multiply-add chains; 2 FLOPs per lane per step. wasm SIMD128 has
/// no fused multiply-add (relaxed SIMD's is not used: a module holding it does not load in a
/// browser without relaxed SIMD), so a step is a multiply and an add, and this is the peak the
/// trainer's kernels can reach too. The chains must cover latency × ports: on this machine's
/// CPU a multiply or an add takes 4 cycles and two can start each cycle, so 8 chains (each
/// step two dependent operations) only just keep both ports busy, and any stall showed as a
/// "peak" that W2 beat; 16 leave room, and still fit the 16 registers V8 allocates SIMD
/// values to with the two constants spilled at worst. The kernel is called many times, and the first calls
/// are not timed: V8 starts wasm in its baseline compiler and swaps in optimised code
/// only between calls.
///
/// The loop's two constants come from `black_box`: left as literals, wasm-opt writes them
/// into the loop body as 16 `v128.const`s, which V8 (Chromium 148) rebuilds from
/// immediates on every step, and the "peak" read 6.4 GFLOP/s instead of 34.
fn simd_peak_gflops(now_ms: &dyn Fn() -> f64) -> f64 {
    const STEPS: usize = 100_000;
    const WARM_UP_CALLS: usize = 200;
    const TIMED_CALLS: usize = 400;
    let mut checksum = 0.0;
    for _ in 0..WARM_UP_CALLS {
        checksum += std::hint::black_box(chains(std::hint::black_box(STEPS)));
    }
    let start_ms = now_ms();
    for _ in 0..TIMED_CALLS {
        checksum += std::hint::black_box(chains(std::hint::black_box(STEPS)));
    }
    let elapsed_ms = now_ms() - start_ms;
    std::hint::black_box(checksum);
    let flops = TIMED_CALLS as f64 * STEPS as f64 * CHAINS as f64 * 4.0 * 2.0;
    flops / (elapsed_ms / 1000.0) / 1e9
}

const CHAINS: usize = 16;

#[inline(never)]
fn chains(steps: usize) -> f32 {
    let scale = std::hint::black_box(f32x4(0.999_999, 0.999_998, 0.999_997, 0.999_996));
    let offset = std::hint::black_box(f32x4(1e-7, 2e-7, 3e-7, 4e-7));
    let mut chains: [v128; CHAINS] = [f32x4(1.0, 1.0, 1.0, 1.0); CHAINS];
    for _ in 0..steps {
        for chain in &mut chains {
            *chain = f32x4_add(f32x4_mul(*chain, scale), offset);
        }
    }
    // Every chain is read, so the loop cannot be optimised away.
    chains.iter().map(|c| f32x4_extract_lane::<0>(*c)).sum()
}
