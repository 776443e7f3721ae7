//! Fuzzes the CSV import: any bytes are read, profiled and imported without a panic.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::csv_import(bytes));
