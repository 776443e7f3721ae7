//! Fuzzes the Runs filter box: queries parse or are refused at a position in the text, and
//! match fixed runs consistently.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::runs_query(bytes));
