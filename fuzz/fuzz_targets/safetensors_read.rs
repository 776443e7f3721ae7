//! Fuzzes the weights reader: what it accepts has as many values as its shapes say and round-
//! trips through the canonical writer.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::safetensors_read(bytes));
