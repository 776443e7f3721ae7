//! The command line's clocks and its source of fresh ids. The workspace's clippy rules forbid
//! `Instant::now` and `SystemTime::now` because both panic in a browser; this is native code,
//! so it is the one place they are allowed.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since 1970, as the browser's `Date.now()` gives: what records store.
#[expect(
    clippy::disallowed_methods,
    reason = "native: the command line has a system clock"
)]
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64() * 1000.0)
}

/// A monotonic clock from when it was started, in milliseconds: what durations are measured
/// with, and what the trainer's slices read.
pub struct Stopwatch(Instant);

impl Stopwatch {
    #[expect(
        clippy::disallowed_methods,
        reason = "native: the command line has a clock"
    )]
    pub fn start() -> Self {
        Self(Instant::now())
    }

    pub fn ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// A random number, fresh on every call: std's per-process random hash keys, mixed with a
/// counter, are random enough for ids that only need to differ (no dependency for it).
pub fn random_u32() -> u32 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.write_u64(now_ms().to_bits());
    hasher.finish() as u32
}

/// A fresh id like the browser's (`run-<ms>-<hex>`), so runs made here and there never clash
/// when a workspace file carries them across.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}-{:08x}", now_ms() as u64, random_u32())
}
