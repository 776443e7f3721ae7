//! Packages and gates with real trained models: what registration builds, what an upload
//! accepts, and the automatic checks every candidate passes.

mod common;

use std::collections::BTreeMap;

use common::{bundled_data, load, train_to_end};
use kindling_core::data::bundled::BundledDataset;
use kindling_core::package::{self, PackageError, safetensors};
use kindling_core::registry::card::ModelCard;
use kindling_core::registry::gates::GateReport;
use kindling_core::registry::{Lineage, ModelVersion, VersionSource};
use kindling_core::spec::{ModelSpec, TrainSpec};
use kindling_core::tracking::DatasetRef;
use kindling_ml::{TrainedModel, automatic_checks, build_package, open_package};

fn trained(spec: &TrainSpec) -> (TrainedModel, kindling_core::data::Dataset) {
    let data = load(spec);
    let (trainer, _) = train_to_end(spec, &data, 1000.0);
    (trainer.trained_model(), data)
}

fn version_of(
    model: &TrainedModel,
    spec: &TrainSpec,
    data: &kindling_core::data::Dataset,
) -> ModelVersion {
    ModelVersion {
        model: "spiral".into(),
        version: 2,
        created_ms: 1_700_000_000_000.0,
        source: VersionSource::Run,
        lineage: Lineage {
            run_id: "run-1".into(),
            run_name: "quick-fox-1".into(),
            dataset: DatasetRef::of(data),
            recipe: spec.clone(),
            app_version: kindling_core::APP_VERSION.into(),
        },
        signature: model.signature().clone(),
        metrics: BTreeMap::from([("test_acc".to_owned(), 0.97)]),
        gate_report: GateReport::default(),
        package_sha256: String::new(),
        weights_sha256: String::new(),
        archived: false,
        card: ModelCard::default(),
    }
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
        predictions: model.predict(&inputs.concat()),
        inputs,
    };
    let bytes = package::build(&version, &files, example);
    let error = open_package(&bytes).unwrap_err();
    assert!(
        matches!(&error, PackageError::Prediction(text) if text.contains("different weights")),
        "{error}"
    );
}

#[test]
fn automatic_checks_pass_for_a_sound_model_and_catch_a_changed_signature() {
    let spec = TrainSpec {
        epochs: 2,
        ..TrainSpec::default()
    };
    let (model, _) = trained(&spec);
    let checks = automatic_checks(&model, None);
    assert_eq!(checks.len(), 4);
    assert!(checks.iter().all(|check| check.passed), "{checks:#?}");
    assert_eq!(checks[0].value, Some(0.0));

    let iris = bundled_data(BundledDataset::Iris);
    let iris_spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::preset_for(Some(BundledDataset::Iris))
    };
    let (trainer, _) = train_to_end(&iris_spec, &iris, 1000.0);
    let checks = automatic_checks(&model, Some(trainer.trained_model().signature()));
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
    let checks = automatic_checks(&broken, None);
    assert!(!checks[0].passed);
    assert_eq!(checks[0].value, Some(2.0));
    assert_eq!(checks[0].detail, "2 weights are NaN or infinite");
}
