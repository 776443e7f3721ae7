//! What the `package_ml` fuzz target does with its input, shared with the corpus replay in
//! `crates/kindling-ml/tests/fuzz_regressions.rs`: a package edited as in `package_structured`
//! (from real format-1 packages, whose Burn records load), opened by `kindling_ml::open_package`,
//! which adds Burn's record reader, the safetensors loader and the example's predictions.

#[path = "exercise.rs"]
mod exercise;

use kindling_core::package::probe_inputs;
use kindling_core::signature::{Output, Prediction};
use kindling_ml::open_package;

/// A package edited by `bytes` (base chosen by the first byte) and opened with its model:
/// what is accepted is sound, and the model answers its example and probe rows with one
/// finite answer per row, a label among the classes.
pub fn package_ml(bytes: &[u8]) {
    let bases = exercise::bases();
    let (choice, edits) = bytes.split_first().unwrap_or((&1, &[]));
    let package =
        exercise::package_edit::edited_package(&bases[usize::from(*choice) % bases.len()], edits);
    let Ok((opened, model)) = open_package(&package) else {
        return;
    };
    exercise::assert_sound(&package, &opened);
    let signature = model.signature();
    assert_eq!(signature, &opened.manifest.signature);
    for rows in [
        opened.manifest.example.inputs.clone(),
        probe_inputs(signature),
    ] {
        let codes = signature.codes_of(&rows).expect("accepted rows read");
        assert_answers(&signature.output, rows.len(), &model.predict(&codes));
    }
}

/// The answers of an accepted model: one per row, finite, a label among the classes.
fn assert_answers(output: &Output, rows: usize, answers: &[Prediction]) {
    assert_eq!(answers.len(), rows);
    for answer in answers {
        match (output, answer) {
            (
                Output::Classes { class_names, .. },
                Prediction::Class {
                    label,
                    probabilities,
                },
            ) => {
                assert!((*label as usize) < class_names.len());
                assert_eq!(probabilities.len(), class_names.len());
                assert!(probabilities.iter().all(|p| p.is_finite()));
            }
            (Output::Value { .. }, Prediction::Value(value)) => assert!(value.is_finite()),
            _ => panic!("{answer:?} from a model of {output:?}"),
        }
    }
}
