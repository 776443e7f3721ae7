//! The two CPU backends as Burn devices, and determinism: Burn's random stream is one per
//! process, so every draw of a run (initialisation, which Burn does lazily and `Network::new`
//! forces; each step's dropout masks, seeded by seed and step) happens under one lock right
//! after seeding. The backend is chosen per run by `TrainSpec::backend`; both are built with
//! their `simd` feature (gemm's SIMD128 kernels, macerator's elementwise kernels), and Burn's
//! own defaults stay off because they bring threads a worker does not have.

use std::sync::{Mutex, PoisonError};

use burn::tensor::Device;
use kindling_core::spec::Backend;

/// The device a backend choice runs on, without autodiff: for predictions and loading weights.
pub fn plain_device(backend: Backend) -> Device {
    match backend {
        // ndarray is the product's default until the benchmark shows flex is clearly faster;
        // Burn marks it deprecated in favour of flex, which is why the choice stays open.
        #[allow(deprecated)]
        Backend::NdArray => Device::ndarray(),
        Backend::Flex => Device::flex(),
    }
}

/// The autodiff device for a backend choice. It is not seeded here: every random draw goes
/// through [`with_seed`].
pub fn autodiff_device(backend: Backend) -> Device {
    plain_device(backend).autodiff()
}

/// Burn's random stream is per process, not per device: whoever seeds it last and draws first
/// wins. Every draw kindling-ml makes (initialisation, dropout masks) happens under this lock,
/// right after seeding, so runs in parallel threads (tests, benchmarks) stay reproducible.
static RANDOM_STREAM: Mutex<()> = Mutex::new(());

/// Runs `draw` with the random stream seeded to `seed` and no other thread drawing.
pub(crate) fn with_seed<T>(device: &Device, seed: u64, draw: impl FnOnce() -> T) -> T {
    let _guard = RANDOM_STREAM.lock().unwrap_or_else(PoisonError::into_inner);
    device.seed(seed);
    draw()
}
