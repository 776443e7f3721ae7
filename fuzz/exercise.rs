//! What each fuzz target does with its input, shared with the corpus replay in
//! `crates/kindling-core/tests/fuzz_regressions.rs`, so CI runs exactly what was fuzzed. Each
//! function asserts what the code under test promises for an input it accepts, not only that
//! nothing panics.

// Each fuzz target uses one of these.
#![allow(dead_code)]

#[path = "package_edit.rs"]
pub mod package_edit;

use std::collections::HashSet;
use std::sync::OnceLock;

use kindling_core::data::csv::MAX_CLASSES;
use kindling_core::data::csv::{ImportOptions, read_rows_to_score, read_table};
use kindling_core::package::safetensors::{self, NamedTensor};
use kindling_core::package::{
    MANIFEST_FILE, OpenedPackage, READABLE_FORMATS, RECORD_FILE, sha256_hex, zip,
};
use kindling_core::package::{PackageFiles, build, expected_tensors, onnx, probe_inputs};
use kindling_core::protocol::{FromWorker, ToWorker};
use kindling_core::registry::check_model_name;
use kindling_core::registry::{ModelVersion, RegisteredModel, fixtures};
use kindling_core::signature::Output;
use kindling_core::signature::Prediction;
use kindling_core::tracking::query::{Query, Queryable, Value};
use kindling_core::tracking::{RunRecord, contract};
use kindling_core::workspace::plan::Stored;
use kindling_core::workspace::{Workspace, WorkspaceOutline, WorkspaceReader, plan_import};
use package_edit::{Base, edited_package, shapes};

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

/// Runs every upload check a package goes through before Burn loads its record; what it
/// accepts is sound.
pub fn package_open(bytes: &[u8]) {
    if let Ok(opened) = kindling_core::package::open(bytes) {
        assert_sound(bytes, &opened);
    }
}

/// The valid packages the structured target edits: a format-2 spiral classifier built here
/// (with its ONNX graph and README), and the format-1 iris and diabetes packages Kindling once
/// wrote (real Burn records), kept in kindling-ml's test fixtures.
pub fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        let version = fixtures::version("spiral", 3);
        let tensors: Vec<NamedTensor> = expected_tensors(&version.signature)
            .into_iter()
            .map(|(name, shape)| NamedTensor {
                values: (0..shape.iter().product::<usize>())
                    .map(|i| (i as f32 * 0.37).sin())
                    .collect(),
                name,
                shape,
            })
            .collect();
        let inputs = probe_inputs(&version.signature);
        let predictions = vec![
            Prediction::Class {
                label: 1,
                probabilities: vec![0.25, 0.75],
            };
            inputs.len()
        ];
        let files = PackageFiles {
            record: b"burn record".to_vec(),
            weights: safetensors::write(&tensors),
            onnx: onnx::export(&version.signature, &tensors).ok(),
        };
        let example = kindling_core::package::Example {
            inputs,
            predictions,
        };
        let spiral = build(&version, &files, example);
        vec![
            Base::of(&spiral),
            Base::of(include_bytes!(
                "../crates/kindling-ml/tests/fixtures/format1-iris.kindling.zip"
            )),
            Base::of(include_bytes!(
                "../crates/kindling-ml/tests/fixtures/format1-diabetes.kindling.zip"
            )),
        ]
    })
}

/// A valid package (chosen by the first byte) edited by the rest, written with fresh CRCs and
/// hashes, then opened: what `open` accepts is sound.
pub fn package_structured(bytes: &[u8]) {
    let bases = bases();
    let (choice, edits) = bytes.split_first().unwrap_or((&0, &[]));
    let package = edited_package(&bases[usize::from(*choice) % bases.len()], edits);
    package_open(&package);
}

fn same_bits(a: &[NamedTensor], b: &[NamedTensor]) -> bool {
    let bits = |t: &NamedTensor| t.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.name == b.name && a.shape == b.shape && bits(a) == bits(b))
}

/// A weights file read: every tensor holds as many values as its shape says, names come sorted
/// and once, and writing what was read gives a canonical file that reads back bit for bit.
pub fn safetensors_read(bytes: &[u8]) {
    let Ok(tensors) = safetensors::read(bytes) else {
        return;
    };
    for tensor in &tensors {
        let count = tensor
            .shape
            .iter()
            .try_fold(1usize, |n, &s| n.checked_mul(s));
        assert_eq!(count, Some(tensor.values.len()), "{}", tensor.name);
    }
    assert!(tensors.windows(2).all(|pair| pair[0].name < pair[1].name));
    let written = safetensors::write(&tensors);
    let again = safetensors::read(&written).expect("a written file reads back");
    assert!(
        same_bits(&tensors, &again),
        "write(read(x)) reads back differently"
    );
    assert_eq!(
        safetensors::write(&again),
        written,
        "the canonical form is stable"
    );
}

/// What a profile holds when a workspace is imported beside it: two runs, the spiral dataset's
/// id, the models `iris` and `m`, and iris's first version.
struct Profile {
    runs: Vec<RunRecord>,
    dataset_ids: HashSet<String>,
    models: Vec<RegisteredModel>,
    versions: Vec<ModelVersion>,
}

fn profile() -> &'static Profile {
    static PROFILE: OnceLock<Profile> = OnceLock::new();
    PROFILE.get_or_init(|| Profile {
        runs: vec![contract::run("run-1", 1.0), contract::run("run-2", 2.0)],
        dataset_ids: HashSet::from([contract::run("x", 0.0).dataset.id]),
        models: ["iris", "m", "iris-2"]
            .map(|name| RegisteredModel::new(name, 1.0).expect("a plain name"))
            .to_vec(),
        versions: vec![fixtures::version("iris", 1)],
    })
}

/// A workspace file read and planned beside [`profile`]: the plan adds no run id or model name
/// that is taken (stored or planned), every version it adds belongs to a model it adds, every
/// run and dataset is accounted for, and the file re-imports once exported.
pub fn workspace_import(bytes: &[u8]) {
    // The page's way (the worker outlines and checks, the page reads record by record) must
    // accept exactly what `from_json` accepts, and read the same workspace.
    let outlined = WorkspaceOutline::of(bytes)
        .and_then(|outline| WorkspaceReader::outlined(bytes, outline)?.finish());
    let read = Workspace::from_json(bytes);
    assert_eq!(
        outlined.as_ref().ok(),
        read.as_ref().ok(),
        "the outlined read and from_json disagree"
    );
    let Ok(workspace) = read else {
        return;
    };
    let profile = profile();
    let stored = Stored {
        runs: &profile.runs,
        dataset_ids: &profile.dataset_ids,
        models: &profile.models,
        versions: &profile.versions,
    };
    let plan = plan_import(workspace.clone(), &stored);
    let mut run_ids: HashSet<&str> = profile.runs.iter().map(|r| r.id.as_str()).collect();
    for bundle in &plan.runs {
        assert!(
            run_ids.insert(&bundle.run.id),
            "run id {} twice",
            bundle.run.id
        );
    }
    let mut names: HashSet<&str> = profile.models.iter().map(|m| m.name.as_str()).collect();
    for model in &plan.models {
        assert!(names.insert(&model.name), "model {} twice", model.name);
    }
    for bundle in &plan.versions {
        let model = &bundle.version.model;
        assert!(
            plan.models.iter().any(|m| &m.name == model),
            "{model} is not planned"
        );
    }
    let mut dataset_ids = profile.dataset_ids.clone();
    for dataset in &plan.datasets {
        assert!(dataset_ids.insert(dataset.entry.id.clone()));
    }
    let runs = plan.runs.len() + plan.runs_already_present;
    assert_eq!(runs, workspace.runs.len());
    let datasets = plan.datasets.len() + plan.datasets_already_present;
    assert_eq!(datasets, workspace.datasets.len());
    let _ = plan.summary();
    let exported = workspace.to_json();
    let again = Workspace::from_json(exported.as_bytes());
    assert!(
        again.is_ok(),
        "an exported workspace does not import: {again:?}"
    );
}

/// Runs a query is matched against: one as the tracking store keeps it, and one with every kind
/// of value (NaN and infinite metrics, text, number and boolean params).
struct SampleRun;

impl Queryable for SampleRun {
    fn metric(&self, name: &str) -> Option<f64> {
        match name {
            "val_accuracy" => Some(0.93),
            "loss" => Some(f64::NAN),
            "big" => Some(f64::INFINITY),
            "tiny" => Some(-5e-324),
            _ => None,
        }
    }
    fn param(&self, name: &str) -> Option<Value> {
        match name {
            "learning_rate" => Some(Value::Number(0.01)),
            "activation" => Some(Value::Text("ReLU".into())),
            "standardise" => Some(Value::Bool(true)),
            _ => None,
        }
    }
    fn has_tag(&self, name: &str) -> bool {
        name == "baseline"
    }
    fn attribute(&self, name: &str) -> Option<String> {
        (name == "name").then(|| "Spiral baseline ReLU ünïcode".into())
    }
}

/// The Runs filter box: a query that parses matches without a panic, deterministically, and
/// `not (query)` matches exactly the other runs; a refusal points inside the text.
pub fn runs_query(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    static RUN: OnceLock<RunRecord> = OnceLock::new();
    let run = RUN.get_or_init(|| contract::run("run-1", 1.0));
    match Query::parse(text) {
        Ok(query) => {
            assert_eq!(query.is_empty(), text.trim().is_empty());
            assert_eq!(Query::parse(text), Ok(query.clone()));
            let matched = [query.matches(run), query.matches(&SampleRun)];
            if let Ok(negated) = Query::parse(&format!("not ({text})")) {
                assert_eq!(
                    [!negated.matches(run), !negated.matches(&SampleRun)],
                    matched
                );
            }
        }
        Err(error) => {
            let end = text.chars().count() + 1;
            assert!(
                (1..=end).contains(&error.position),
                "{error:?} in {end} chars"
            );
        }
    }
}

/// A worker message read from JSON writes back to JSON that reads back and writes the same
/// (compared as JSON: a gap in a row of numbers is NaN, which equals nothing), and a message the
/// worker cannot read is answered without a panic.
pub fn worker_protocol(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match ToWorker::from_json(text) {
        Ok(message) => {
            let json = message.to_json();
            let again = ToWorker::from_json(&json).map(|again| again.to_json());
            assert_eq!(again.ok(), Some(json));
        }
        Err(error) => drop(ToWorker::unreadable(text, &error)),
    }
    if let Ok(message) = FromWorker::from_json(text) {
        let json = message.to_json();
        let again = FromWorker::from_json(&json).map(|again| again.to_json());
        assert_eq!(again.ok(), Some(json));
    }
}

/// Everything `package::open` promises about a package it accepted (`bytes`), asserted.
pub fn assert_sound(bytes: &[u8], opened: &OpenedPackage) {
    let manifest = &opened.manifest;
    let signature = &manifest.signature;
    assert!(READABLE_FORMATS.contains(&manifest.format.as_str()));
    assert!(
        check_model_name(&manifest.name).is_ok(),
        "{:?}",
        manifest.name
    );
    assert!(manifest.version >= 1);
    assert_eq!(signature.validate(), Ok(()));
    assert_eq!(manifest.task, signature.task());
    assert_eq!(manifest.input.feature_names, signature.feature_names);
    let inputs = signature.input_size();
    let features = &signature.preprocessing.features;
    assert_eq!((features.mean.len(), features.std.len()), (inputs, inputs));
    assert!(
        features
            .mean
            .iter()
            .chain(&features.std)
            .all(|v| v.is_finite())
    );
    assert!(features.std.iter().all(|&std| std > 0.0));
    if let Some(shape) = signature.image_shape {
        assert_eq!(shape.height.checked_mul(shape.width), Some(inputs));
    }
    if let Output::Classes { class_names, .. } = &signature.output {
        assert!((2..=MAX_CLASSES).contains(&class_names.len()));
    }
    let example = &manifest.example;
    assert!(!example.inputs.is_empty());
    assert_eq!(example.inputs.len(), example.predictions.len());
    let width = signature.column_count();
    assert!(example.inputs.iter().all(|row| row.len() == width));
    // The tensors are exactly the network's, each as many values as its shape, all finite.
    assert_eq!(shapes(&opened.weights), expected_tensors(signature));
    for tensor in &opened.weights {
        let count = tensor
            .shape
            .iter()
            .try_fold(1usize, |n, &s| n.checked_mul(s));
        assert_eq!(count, Some(tensor.values.len()), "{}", tensor.name);
        assert!(
            tensor.values.iter().all(|v| v.is_finite()),
            "{}",
            tensor.name
        );
    }
    let output = opened
        .weights
        .iter()
        .find(|t| t.name.ends_with("output.bias"));
    assert_eq!(
        output.map(|t| t.shape.clone()),
        Some(vec![signature.output_size()])
    );
    // What was checked is all there is: every file listed and hashed, the record returned.
    assert_eq!(opened.sha256, sha256_hex(bytes));
    let files = zip::read(bytes, &zip::PACKAGE_LIMITS).expect("it opened");
    for (name, data) in &files {
        if name != MANIFEST_FILE {
            assert_eq!(manifest.files.get(name), Some(&sha256_hex(data)), "{name}");
        }
        if name == RECORD_FILE {
            assert_eq!(data, &opened.record);
        }
    }
    assert_eq!(manifest.files.len() + 1, files.len());
    // What other parts of the app do with an accepted package does not panic.
    let _ = signature.codes_of(&example.inputs);
    let _ = probe_inputs(signature);
    let _ = onnx::export(signature, &opened.weights);
    let _ = manifest.to_version(opened.sha256.clone(), "fuzz.kindling.zip", 0.0);
}
