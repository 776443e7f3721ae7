//! Fuzzes opening a package with its model (Burn's record reader, the safetensors loader, the
//! example's predictions): edited real packages never panic, and what is accepted answers
//! finitely.

#![no_main]

#[path = "../exercise_ml.rs"]
mod exercise_ml;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise_ml::package_ml(bytes));
