//! Replays the fuzzers' corpora (`fuzz/corpus/<target>`: the seeds and every input that found
//! new code) through exactly what the fuzz targets run. CI runs this, not the fuzzer: an input
//! that once panicked stays in the corpus and must never panic again.

use std::fs;
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/exercise.rs"]
mod exercise;

/// Every file of `fuzz/corpus/<target>`, in name order.
fn corpus(target: &str) -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn the_csv_corpus_is_read_without_a_panic() {
    let files = corpus("csv_import");
    assert!(files.len() >= 100, "only {} CSV corpus files", files.len());
    for file in files {
        exercise::csv_import(&fs::read(&file).unwrap());
    }
}

#[test]
fn the_package_corpus_is_checked_without_a_panic() {
    let files = corpus("package_open");
    assert!(
        files.len() >= 50,
        "only {} package corpus files",
        files.len()
    );
    for file in files {
        exercise::package_open(&fs::read(&file).unwrap());
    }
}

/// Replays `target`'s corpus through `exercise`, which must have at least `at_least` inputs
/// (so an emptied folder fails), naming the file that panicked.
fn replay(target: &str, at_least: usize, exercise: fn(&[u8])) {
    let files = corpus(target);
    assert!(
        files.len() >= at_least,
        "only {} {target} corpus files",
        files.len()
    );
    for file in files {
        let bytes = fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| exercise(&bytes));
        assert!(outcome.is_ok(), "{} panicked", file.display());
    }
}

#[test]
fn the_structured_package_corpus_opens_soundly() {
    replay("package_structured", 10, exercise::package_structured);
}

#[test]
fn the_safetensors_corpus_reads_and_round_trips() {
    replay("safetensors_read", 10, exercise::safetensors_read);
}

#[test]
fn the_workspace_corpus_plans_imports_without_clashes() {
    replay("workspace_import", 10, exercise::workspace_import);
}

#[test]
fn the_query_corpus_parses_or_is_refused_in_place() {
    replay("runs_query", 10, exercise::runs_query);
}

#[test]
fn the_worker_protocol_corpus_round_trips() {
    replay("worker_protocol", 10, exercise::worker_protocol);
}
