//! Replays the fuzzers' corpora (`fuzz/corpus/<target>`: the seeds and every input that found
//! new code) through exactly what the fuzz targets run. CI runs this, not the fuzzer: an input
//! that once panicked stays in the corpus and must never panic again.

use std::fs;
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/exercise.rs"]
mod exercise;

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
