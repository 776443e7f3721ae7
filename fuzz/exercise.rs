//! What each fuzz target does with its input, shared with the corpus replay in
//! `crates/kindling-core/tests/fuzz_regressions.rs`, so CI runs exactly what was fuzzed.

// Each fuzz target uses one of these.
#![allow(dead_code)]

use kindling_core::data::csv::{ImportOptions, read_rows_to_score, read_table};

/// Reads a file as the Data page does, profiles it, and imports it with the last column as the
/// target (the default) and then with the first; also reads it as rows to score.
pub fn csv_import(bytes: &[u8]) {
    if let Ok(table) = read_table(bytes) {
        let _ = table.profile();
        let _ = table.to_dataset("fuzz", &ImportOptions::default());
        if let Some(first) = table.header.first() {
            let options = ImportOptions {
                target: Some(first.clone()),
                ..ImportOptions::default()
            };
            let _ = table.suggested_task(first);
            let _ = table.to_dataset("fuzz", &options);
        }
    }
    let _ = read_rows_to_score(bytes);
}

/// Runs every upload check a package goes through before Burn loads its record.
pub fn package_open(bytes: &[u8]) {
    let _ = kindling_core::package::open(bytes);
}
