//! Python reads what Kindling writes: for each kind of model, the ONNX export run in
//! onnxruntime and a numpy forward pass over the safetensors weights (following only the
//! signature) must give the app's own answers, and `onnx.checker` must accept the graph.
//!
//! The Python tools live in a virtual environment at `target/python-venv` (`common::python`).

// A native test that runs Python: it times its steps and names temporary directories with the
// system clock, which the browser build may not touch.
#![allow(clippy::disallowed_methods)]

mod common;

use std::process::Command;
use std::time::Instant;

use common::python::{python, workspace};
use common::{bundled_data, load, test_score, train_to_end};
use kindling_core::data::Dataset;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::package::{onnx, safetensors};
use kindling_core::signature::{ModelSignature, Prediction};
use kindling_core::spec::{Activation, DatasetSpec, ModelSpec, TrainSpec};
use serde::Serialize;

/// Raw rows of the dataset each model is checked on.
const CHECK_ROWS: usize = 50;

/// The directory check_package.py reads (see its docstring).
#[derive(Serialize)]
struct CheckManifest<'a> {
    signature: &'a ModelSignature,
    inputs: Vec<Vec<f32>>,
    expected: Expected,
    /// The app's labels, for a classifier.
    labels: Option<Vec<u32>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Expected {
    Probabilities(Vec<Vec<f32>>),
    Values(Vec<f32>),
}

/// Trains `spec` on its data, writes the model as Python sees it and runs check_package.py.
fn check_in_python(name: &str, spec: &TrainSpec, data: &Dataset) {
    let started = Instant::now();
    let (trainer, _) = train_to_end(spec, data, 1000.0);
    let model = trainer.trained_model();
    let trained = started.elapsed();
    let score = test_score(&trainer);

    let tensors = safetensors::read(&model.safetensors_bytes().unwrap()).unwrap();
    let onnx = onnx::export(model.signature(), &tensors).unwrap();
    let rows: Vec<Vec<f32>> = (0..CHECK_ROWS)
        .map(|i| data.row(i * data.row_count() / CHECK_ROWS).to_vec())
        .collect();
    let predictions = model.predict(&rows.concat());
    let (expected, labels) = match &predictions[0] {
        Prediction::Class { .. } => {
            let (probabilities, labels) = predictions
                .iter()
                .map(|prediction| match prediction {
                    Prediction::Class {
                        label,
                        probabilities,
                    } => (probabilities.clone(), *label),
                    Prediction::Value(_) => unreachable!("one model gives one kind of answer"),
                })
                .unzip();
            (Expected::Probabilities(probabilities), Some(labels))
        }
        Prediction::Value(_) => (
            Expected::Values(
                predictions
                    .iter()
                    .map(|prediction| match prediction {
                        Prediction::Value(value) => *value,
                        Prediction::Class { .. } => unreachable!(),
                    })
                    .collect(),
            ),
            None,
        ),
    };
    let manifest = CheckManifest {
        signature: model.signature(),
        inputs: rows,
        expected,
        labels,
    };

    // A unique parent, so the script (which names a package by its directory) says `name`.
    let parent = std::env::temp_dir().join(format!(
        "kindling-python-compat-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.onnx"), &onnx).unwrap();
    std::fs::write(
        dir.join("weights.safetensors"),
        safetensors::write(&tensors),
    )
    .unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string(&manifest).unwrap(),
    )
    .unwrap();

    let checked = Instant::now();
    let output = Command::new(python())
        .arg(workspace().join("tests/python/check_package.py"))
        .arg(&dir)
        .output()
        .expect("the environment's python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!(
        "{stdout}  (test score {score:.3}; trained in {:.2}s, python check {:.1}s)",
        trained.as_secs_f64(),
        checked.elapsed().as_secs_f64()
    );
    assert!(
        output.status.success(),
        "check_package.py failed on {name} ({}):\n{stdout}\n{}\nthe files are in {}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        dir.display()
    );
    std::fs::remove_dir_all(&parent).unwrap();
}

fn synthetic(kind: SyntheticKind, model: ModelSpec, epochs: usize) -> TrainSpec {
    TrainSpec {
        dataset: DatasetSpec::Synthetic(SyntheticSpec {
            kind,
            sample_count: 400,
            noise: 0.1,
            seed: 7,
        }),
        model,
        epochs,
        ..TrainSpec::default()
    }
}

fn mlp(hidden_layers: Vec<usize>, activation: Activation, dropout: f64) -> ModelSpec {
    ModelSpec::Mlp {
        hidden_layers,
        activation,
        dropout,
    }
}

#[test]
fn a_gelu_mlp_classifier_on_the_spiral() {
    let spec = synthetic(
        SyntheticKind::Spiral,
        mlp(vec![32, 32], Activation::Gelu, 0.0),
        30,
    );
    check_in_python("spiral-gelu", &spec, &load(&spec));
}

#[test]
fn tanh_and_sigmoid_mlp_classifiers_with_dropout_on_blobs() {
    for (name, activation) in [
        ("blobs-tanh", Activation::Tanh),
        ("blobs-sigmoid", Activation::Sigmoid),
    ] {
        let spec = synthetic(
            SyntheticKind::Blobs { classes: 4 },
            mlp(vec![16], activation, 0.2),
            20,
        );
        check_in_python(name, &spec, &load(&spec));
    }
}

#[test]
fn linear_regressions_on_a_plane_and_on_diabetes() {
    let spec = synthetic(SyntheticKind::Plane, ModelSpec::Linear, 20);
    check_in_python("plane-linear", &spec, &load(&spec));
    // Targets in the hundreds: the values are compared relative to their size.
    let spec = TrainSpec {
        epochs: 20,
        ..TrainSpec::preset_for(Some(BundledDataset::Diabetes))
    };
    check_in_python(
        "diabetes-linear",
        &spec,
        &bundled_data(BundledDataset::Diabetes),
    );
}

#[test]
fn a_two_layer_relu_mlp_regressor_on_the_sine() {
    let spec = synthetic(
        SyntheticKind::Sine,
        mlp(vec![32, 32], Activation::Relu, 0.0),
        30,
    );
    check_in_python("sine-relu", &spec, &load(&spec));
}

#[test]
fn the_digits_cnn() {
    let spec = TrainSpec {
        epochs: 2,
        ..TrainSpec::preset_for(Some(BundledDataset::Digits))
    };
    check_in_python("digits-cnn", &spec, &bundled_data(BundledDataset::Digits));
}

/// The real thing: `.kindling.zip` packages as registration builds them, read by the script
/// through zipfile and the manifest alone (its example is the reference).
#[test]
fn whole_packages_open_in_python() {
    use kindling_core::registry::card::ModelCard;
    use kindling_core::registry::gates::GateReport;
    use kindling_core::registry::{Lineage, ModelVersion, VersionSource};
    use kindling_core::tracking::DatasetRef;

    for (name, spec) in [
        (
            "iris-mlp",
            TrainSpec {
                epochs: 20,
                ..TrainSpec::preset_for(Some(BundledDataset::Iris))
            },
        ),
        (
            "diabetes-linear",
            TrainSpec {
                epochs: 20,
                ..TrainSpec::preset_for(Some(BundledDataset::Diabetes))
            },
        ),
    ] {
        let data = load(&spec);
        let (trainer, _) = train_to_end(&spec, &data, 1000.0);
        let model = trainer.trained_model();
        let version = ModelVersion {
            model: name.into(),
            version: 1,
            created_ms: 1_700_000_000_000.0,
            source: VersionSource::Run,
            lineage: Lineage {
                run_id: "run-python".into(),
                run_name: name.into(),
                dataset: DatasetRef::of(&data),
                recipe: spec.clone(),
                app_version: kindling_core::APP_VERSION.into(),
            },
            signature: model.signature().clone(),
            metrics: Default::default(),
            gate_report: GateReport::default(),
            package_sha256: String::new(),
            weights_sha256: String::new(),
            archived: false,
            card: ModelCard::default(),
        };
        let (bytes, _) = kindling_ml::build_package(&version, &model).unwrap();
        let dir =
            std::env::temp_dir().join(format!("kindling-package-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(version.package_file_name());
        std::fs::write(&path, &bytes).unwrap();
        for script in ["check_package.py", "mlflow_model.py"] {
            let output = Command::new(python())
                .arg(workspace().join("tests/python").join(script))
                .arg(&path)
                .output()
                .expect("the environment's python runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            println!("{stdout}");
            assert!(
                output.status.success(),
                "{script} failed on {}:\n{stdout}\n{}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A file as people have them: categories and gaps. Trained on its own columns, the package's
/// ONNX graph scores the raw file, read by pandas and fed column by column, with the answers
/// the app's Predict page writes for the same file.
#[test]
fn a_csv_with_categories_and_gaps_is_scored_raw_in_onnxruntime_as_the_app_scores_it() {
    use kindling_core::data::csv::{ImportOptions, MissingPolicy, read_table};
    use kindling_core::registry::card::ModelCard;
    use kindling_core::registry::gates::GateReport;
    use kindling_core::registry::{Lineage, ModelVersion, VersionSource};
    use kindling_core::scoring::batch::{BatchFile, feature_matrix, read_rows, scored, to_csv};
    use kindling_core::tracking::DatasetRef;

    let csv_path = workspace().join("tests/fixtures/field_trial.csv");
    let bytes = std::fs::read(&csv_path).unwrap();
    let import = read_table(&bytes)
        .unwrap()
        .to_dataset(
            "field_trial",
            &ImportOptions {
                target: Some("species".into()),
                missing: MissingPolicy::Impute,
                ..ImportOptions::default()
            },
        )
        .unwrap();
    let data = import.dataset;
    assert!(data.has_categories() && data.features.iter().any(|v| v.is_nan()));
    let spec = TrainSpec {
        dataset: DatasetSpec::Imported {
            name: "field_trial".into(),
        },
        epochs: 40,
        ..TrainSpec::default()
    };
    let (trainer, _) = train_to_end(&spec, &data, 1000.0);
    let score = test_score(&trainer);
    let model = trainer.trained_model();
    assert!(model.signature().has_categories());
    let version = ModelVersion {
        model: "field-trial".into(),
        version: 1,
        created_ms: 1_700_000_000_000.0,
        source: VersionSource::Run,
        lineage: Lineage {
            run_id: "run-python".into(),
            run_name: "field-trial".into(),
            dataset: DatasetRef::of(&data),
            recipe: spec.clone(),
            app_version: kindling_core::APP_VERSION.into(),
        },
        signature: model.signature().clone(),
        metrics: Default::default(),
        gate_report: GateReport::default(),
        package_sha256: String::new(),
        weights_sha256: String::new(),
        archived: false,
        card: ModelCard::default(),
    };
    let (package, _) = kindling_ml::build_package(&version, &model).unwrap();

    // What the Predict page does with the original file.
    let batch = BatchFile {
        name: "field_trial.csv".into(),
        table: read_rows(&bytes).unwrap(),
    };
    let (codes, notes) = feature_matrix(model.signature(), &batch.table).unwrap();
    let answers = model.predict(&codes);
    let predictions = to_csv(&scored(&batch, &version, &answers, notes).unwrap());

    let dir = std::env::temp_dir().join(format!("kindling-raw-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let package_path = dir.join(version.package_file_name());
    std::fs::write(&package_path, &package).unwrap();
    let predictions_path = dir.join("predictions.csv");
    std::fs::write(&predictions_path, predictions).unwrap();
    for (script, args) in [
        (
            "score_csv.py",
            vec![&package_path, &csv_path, &predictions_path],
        ),
        ("check_package.py", vec![&package_path]),
        (
            "mlflow_model.py",
            vec![&package_path, &csv_path, &predictions_path],
        ),
    ] {
        let output = Command::new(python())
            .arg(workspace().join("tests/python").join(script))
            .args(args)
            .output()
            .expect("the environment's python runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        println!("{stdout}  (test accuracy {score:.3})");
        assert!(
            output.status.success(),
            "{script} failed:\n{stdout}\n{}\nthe files are in {}",
            String::from_utf8_lossy(&output.stderr),
            dir.display()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A package's MLflow model pins what the Python tests above install, so the versions it
/// names are versions that were seen to load and serve it.
#[test]
fn the_mlflow_model_pins_the_versions_the_tests_run() {
    let tested = std::fs::read_to_string(workspace().join("tests/python/requirements.txt"))
        .expect("tests/python/requirements.txt is readable");
    for pin in kindling_core::package::mlflow::requirements().lines() {
        assert!(
            tested.lines().any(|line| line.trim() == pin),
            "the package pins {pin}, which tests/python/requirements.txt does not install"
        );
    }
}
