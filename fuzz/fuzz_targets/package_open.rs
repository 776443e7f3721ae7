//! Fuzzes the package checks: any bytes are opened without a panic.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::package_open(bytes));
