//! Replays the `package_ml` fuzzer's corpus (`fuzz/corpus/package_ml`) through exactly what the
//! fuzz target runs (`fuzz/exercise_ml.rs`): edited packages opened with their Burn model. CI
//! runs this on stable, without libFuzzer; an input that once panicked stays in the corpus.

use std::fs;
use std::path::Path;

#[path = "../../../fuzz/exercise_ml.rs"]
mod exercise_ml;

#[test]
fn the_model_package_corpus_opens_soundly_or_is_refused() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/package_ml");
    let mut files: Vec<_> = fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "only {} corpus files", files.len());
    for file in files {
        let bytes = fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| exercise_ml::package_ml(&bytes));
        assert!(outcome.is_ok(), "{} panicked", file.display());
    }
}
