//! Fuzzes reading a workspace file and planning its import beside a stored profile: no taken
//! run id or model name, no orphan version.

#![no_main]

#[path = "../exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| exercise::workspace_import(bytes));
