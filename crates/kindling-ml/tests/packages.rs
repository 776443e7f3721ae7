//! Packages and gates with real trained models: what registration builds, what an upload
//! accepts, and the automatic checks every candidate passes.

mod common;

use common::{bundled_data, load, train_to_end, version_of};
use kindling_core::data::bundled::BundledDataset;
use kindling_core::package::{self, PackageError, safetensors};
use kindling_core::protocol::Evidence;
use kindling_core::registry::gates::CheckResult;
use kindling_core::spec::{ModelSpec, TrainSpec};
use kindling_core::tracking::{RunOutcome, RunRecord};
use kindling_ml::{TrainedModel, automatic_checks, build_package, open_package, reproduce};

fn trained(spec: &TrainSpec) -> (TrainedModel, kindling_core::data::Dataset) {
    let data = load(spec);
    let (trainer, _) = train_to_end(spec, &data, 1000.0);
    (trainer.trained_model(), data)
}

#[test]
fn a_package_reopens_to_a_model_that_predicts_identically() {
    let specs = [
        TrainSpec {
            epochs: 3,
            ..TrainSpec::default()
        },
        TrainSpec {
            epochs: 2,
            ..TrainSpec::preset_for(Some(BundledDataset::Digits))
        },
        TrainSpec {
            epochs: 3,
            model: ModelSpec::Linear,
            ..TrainSpec::preset_for(Some(BundledDataset::Diabetes))
        },
    ];
    for spec in specs {
        let (model, data) = trained(&spec);
        let version = version_of(&model, &spec, &data);
        let (bytes, weights_sha256) = build_package(&version, &model).unwrap();
        let (again, _) = build_package(&version, &model).unwrap();
        assert_eq!(
            bytes, again,
            "{:?}: the same version gives the same bytes",
            spec.model
        );

        let (opened, reloaded) = open_package(&bytes).unwrap();
        assert_eq!(opened.manifest.files[package::WEIGHTS_FILE], weights_sha256);
        assert_eq!(opened.manifest.signature, *model.signature());
        assert_eq!(opened.record, model.record_bytes().unwrap());
        assert_eq!(
            reloaded.predict(&data.features),
            model.predict(&data.features),
            "{:?}",
            spec.model
        );
        // The uploaded version, packaged again, gives the same bytes: a round trip loses nothing.
        let uploaded = opened
            .manifest
            .to_version(opened.sha256.clone(), "x.zip", 5.0);
        let mut rebuilt_version = version.clone();
        rebuilt_version.card = uploaded.card.clone();
        assert_eq!(build_package(&rebuilt_version, &reloaded).unwrap().0, bytes);
    }
}

#[test]
fn a_package_whose_record_and_weights_disagree_is_refused() {
    let spec = TrainSpec {
        epochs: 2,
        ..TrainSpec::default()
    };
    let (model, data) = trained(&spec);
    let (other, _) = trained(&TrainSpec {
        seed: spec.seed + 1,
        ..spec.clone()
    });
    let version = version_of(&model, &spec, &data);
    let files = package::PackageFiles {
        record: model.record_bytes().unwrap(),
        weights: safetensors::write(&other.tensors().unwrap()),
        onnx: None,
    };
    let inputs = package::probe_inputs(model.signature());
    let example = package::Example {
        predictions: model.predict(&model.signature().codes_of(&inputs).unwrap()),
        inputs,
    };
    let bytes = package::build(&version, &files, example);
    let error = open_package(&bytes).unwrap_err();
    assert!(
        matches!(&error, PackageError::Prediction(text) if text.contains("different weights")),
        "{error}"
    );
}

/// A trained model with the evidence a browser holding its data would send: its recipe and
/// data, the test scores its run recorded, and its first steps' fingerprint.
fn with_evidence(spec: &TrainSpec) -> (TrainedModel, Evidence) {
    let data = load(spec);
    let (trainer, _) = train_to_end(spec, &data, 1000.0);
    let mut run = RunRecord::new("r".into(), "r".into(), spec.clone(), &data, 0.0);
    run.finish(RunOutcome::Completed, &trainer.evaluate(), 1.0);
    let kept = trainer.run_model().unwrap();
    let evidence = Evidence {
        recipe: spec.clone(),
        data,
        claimed_metrics: run.metrics,
        early_weights: kept.early_weights,
    };
    (trainer.trained_model(), evidence)
}

fn named<'a>(checks: &'a [CheckResult], name: &str) -> &'a CheckResult {
    checks.iter().find(|check| check.name == name).unwrap()
}

#[test]
fn automatic_checks_pass_for_a_sound_model_and_catch_a_changed_signature() {
    let spec = TrainSpec {
        epochs: 2,
        ..TrainSpec::default()
    };
    let (model, evidence) = with_evidence(&spec);
    let checks = automatic_checks(&model, None, Some(&evidence));
    assert_eq!(checks.len(), 5);
    assert!(checks.iter().all(|check| check.passed), "{checks:#?}");
    assert_eq!(checks[0].value, Some(0.0));
    assert!(
        named(&checks, reproduce::REPRODUCIBLE)
            .detail
            .contains("bit for bit")
    );

    let iris = bundled_data(BundledDataset::Iris);
    let iris_spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::preset_for(Some(BundledDataset::Iris))
    };
    let (trainer, _) = train_to_end(&iris_spec, &iris, 1000.0);
    let checks = automatic_checks(
        &model,
        Some(trainer.trained_model().signature()),
        Some(&evidence),
    );
    let signature = checks
        .iter()
        .find(|check| check.name.starts_with("input signature"))
        .unwrap();
    assert!(!signature.passed);
    assert!(
        signature.detail.contains("its inputs are 2 columns"),
        "{}",
        signature.detail
    );
}

#[test]
fn without_the_data_a_model_is_not_verified_and_fails_those_checks() {
    let spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::default()
    };
    let (model, _) = with_evidence(&spec);
    let checks = automatic_checks(&model, None, None);
    for name in [reproduce::REPRODUCIBLE, reproduce::SCORES_AS_CLAIMED] {
        let check = named(&checks, name);
        assert!(
            !check.passed && check.detail.starts_with("not verified"),
            "{check:?}"
        );
    }
}

#[test]
fn a_changed_recipe_fails_reproduction_and_changed_weights_fail_their_claimed_scores() {
    let spec = TrainSpec {
        epochs: 3,
        ..TrainSpec::default()
    };
    let (model, evidence) = with_evidence(&spec);
    let tampered = Evidence {
        recipe: TrainSpec {
            seed: spec.seed + 1,
            ..spec.clone()
        },
        ..evidence.clone()
    };
    let checks = automatic_checks(&model, None, Some(&tampered));
    let reproducible = named(&checks, reproduce::REPRODUCIBLE);
    assert!(!reproducible.passed, "{reproducible:?}");
    assert!(reproducible.detail.contains("other weights"));

    let mut tensors = model.tensors().unwrap();
    tensors
        .iter_mut()
        .find(|tensor| tensor.name == "Mlp.output.bias")
        .unwrap()
        .values[0] += 3.0;
    let nudged =
        TrainedModel::from_safetensors(model.signature().clone(), &safetensors::write(&tensors))
            .unwrap();
    let checks = automatic_checks(&nudged, None, Some(&evidence));
    let scores = named(&checks, reproduce::SCORES_AS_CLAIMED);
    assert!(!scores.passed, "{scores:?}");
    assert!(scores.detail.contains("not the"), "{}", scores.detail);
    assert!(
        named(&checks, reproduce::REPRODUCIBLE).passed,
        "the recipe itself is sound"
    );
}

#[test]
fn inflated_claims_with_the_real_weights_fail_the_scores_check() {
    let spec = TrainSpec {
        epochs: 2,
        ..TrainSpec::default()
    };
    let (model, mut evidence) = with_evidence(&spec);
    let accuracy = evidence
        .claimed_metrics
        .get_mut("test_accuracy")
        .expect("a run records its test accuracy");
    assert!(
        *accuracy < 1.0,
        "the two-epoch model is not already perfect"
    );
    *accuracy = 1.0;
    let checks = automatic_checks(&model, None, Some(&evidence));
    let scores = named(&checks, reproduce::SCORES_AS_CLAIMED);
    assert!(!scores.passed, "{scores:?}");
    assert!(
        scores.detail.starts_with("test_accuracy is ")
            && scores.detail.contains("not the 1.000000 claimed"),
        "{}",
        scores.detail
    );
}

#[test]
fn non_finite_weights_fail_the_finite_check() {
    let spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::default()
    };
    let (model, _) = trained(&spec);
    let mut tensors = model.tensors().unwrap();
    tensors[0].values[0] = f32::NAN;
    tensors[1].values[0] = f32::INFINITY;
    let broken =
        TrainedModel::from_safetensors(model.signature().clone(), &safetensors::write(&tensors))
            .unwrap();
    let checks = automatic_checks(&broken, None, None);
    assert!(!checks[0].passed);
    assert_eq!(checks[0].value, Some(2.0));
    assert_eq!(checks[0].detail, "2 weights are NaN or infinite");
}

/// Weights that are finite but far too large give NaN answers; the upload says that, not that
/// the two weight files differ.
#[test]
fn huge_finite_weights_are_refused_for_what_they_are() {
    let spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::default()
    };
    let (model, data) = trained(&spec);
    let mut tensors = model.tensors().unwrap();
    for tensor in &mut tensors {
        tensor.values.iter_mut().for_each(|value| *value = 1e30);
    }
    let huge =
        TrainedModel::from_safetensors(model.signature().clone(), &safetensors::write(&tensors))
            .unwrap();
    let version = version_of(&huge, &spec, &data);
    let files = package::PackageFiles {
        record: huge.record_bytes().unwrap(),
        weights: safetensors::write(&huge.tensors().unwrap()),
        onnx: None,
    };
    // The example is the sound model's: a hostile file would claim ordinary answers.
    let inputs = package::probe_inputs(model.signature());
    let example = package::Example {
        predictions: model.predict(&model.signature().codes_of(&inputs).unwrap()),
        inputs,
    };
    let error = open_package(&package::build(&version, &files, example)).unwrap_err();
    assert!(
        matches!(&error, PackageError::Prediction(text) if text.contains("not numbers") && text.contains("1e30")),
        "{error}"
    );
}

/// Packages written before the raw columns' preprocessing was kept (format 1, one "input" to
/// the ONNX graph) still pass every upload check, their ONNX included, and answer as before.
#[test]
fn format_1_packages_still_open_and_answer_their_example() {
    for name in ["format1-iris", "format1-diabetes"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(format!("{name}.kindling.zip"));
        let bytes = std::fs::read(&path).unwrap();
        let (opened, model) =
            open_package(&bytes).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(opened.manifest.format, "kindling-package/1");
        assert!(opened.manifest.signature.preprocessing.columns.is_empty());
        let signature = model.signature();
        let codes = signature.codes_of(&opened.manifest.example.inputs).unwrap();
        assert_eq!(
            model.predict(&codes).len(),
            opened.manifest.example.predictions.len()
        );
        assert_eq!(signature.input_size(), signature.column_count());
    }
}

#[test]
fn garbage_and_wrong_shape_records_are_refused_in_words() {
    let small = TrainSpec {
        epochs: 1,
        ..TrainSpec::default()
    };
    let (model, _) = trained(&small);
    let wider = TrainSpec {
        model: ModelSpec::Mlp {
            hidden_layers: vec![7],
            activation: kindling_core::spec::Activation::Relu,
            dropout: 0.0,
        },
        ..small.clone()
    };
    let (other, _) = trained(&wider);
    let record = model.record_bytes().unwrap();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"not a burnpack at all, just words".repeat(10)),
        ("cut short", record[..record.len() / 2].to_vec()),
        ("another network's record", other.record_bytes().unwrap()),
    ];
    let mut flipped = record.clone();
    for byte in flipped.iter_mut().take(64).skip(8) {
        *byte ^= 0x5a;
    }
    cases.push(("a damaged header", flipped));
    // The same tensors labelled as integers: Burn's loader panicked on this.
    let at = record
        .windows(3)
        .position(|window| window == b"F32")
        .expect("the record names its dtype");
    let mut integers = record.clone();
    integers[at] = b'I';
    cases.push(("integer weights", integers));
    for (what, bytes) in cases {
        let error = TrainedModel::from_record_bytes(model.signature().clone(), &bytes)
            .err()
            .unwrap_or_else(|| panic!("{what}: loaded"));
        assert!(
            error
                .to_string()
                .starts_with("the weights do not fit this model"),
            "{what}: {error}"
        );
    }
}

/// Every one-byte change to a record's header and metadata, with values that matter to its
/// CBOR (type bytes, lengths, dtype letters), is either loaded and predicts or refused: none
/// may panic, which in the browser takes the model worker down.
#[test]
fn no_one_byte_change_to_a_record_s_header_panics() {
    let spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::default()
    };
    let (model, _) = trained(&spec);
    let record = model.record_bytes().unwrap();
    // Burnpack: magic (4), version (2), metadata size (u32 LE), then the CBOR metadata.
    let header_end = 10 + u32::from_le_bytes(record[6..10].try_into().unwrap()) as usize;
    let codes = model
        .signature()
        .codes_of(&package::probe_inputs(model.signature()))
        .unwrap();
    let values = [
        0x00, 0x01, 0x07, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x40, 0x60, 0x80, 0x9f, 0xa0, 0xbf, 0xf6,
        0xff, b'1', b'6', b'8', b'B', b'I', b'U',
    ];
    let mut refused = 0;
    for at in 0..header_end + 16 {
        for &value in &values {
            let mut bytes = record.clone();
            bytes[at] = value;
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                TrainedModel::from_record_bytes(model.signature().clone(), &bytes)
                    .map(|loaded| loaded.predict(&codes))
            }));
            match outcome {
                Ok(Ok(_)) => {}
                Ok(Err(_)) => refused += 1,
                Err(_) => panic!("byte {at} set to {value:#04x} made loading panic"),
            }
        }
    }
    assert!(refused > 100, "only {refused} changes were refused");
}
