//! Fuzzes the package checks past the zip and the hashes: a valid package edited by the input
//! and written again with fresh CRCs and hashes is opened, and what is accepted is sound.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::package_structured(bytes));
