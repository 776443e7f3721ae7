//! Fuzzes the worker messages: what reads from JSON writes back to JSON that reads the same.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::worker_protocol(bytes));
