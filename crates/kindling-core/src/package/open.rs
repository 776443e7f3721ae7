//! Checking an uploaded package before anything is stored: every check that needs no model,
//! in the documented order, each failure a [`PackageError`] that names the check.

use std::collections::BTreeMap;

use thiserror::Error;

use super::manifest::{
    CARD_FILE, Example, InputSignature, MANIFEST_FILE, MAX_MANIFEST_BYTES, Manifest, ONNX_FILE,
    PACKAGE_FORMAT, READABLE_FORMATS, README_FILE, RECORD_FILE, WEIGHTS_FILE, sha256_hex,
};
use super::safetensors::{self, NamedTensor};
use super::tensors::expected_tensors;
use super::{mlflow, onnx, zip};
use crate::registry::card_text::{to_markdown, to_readme};
use crate::registry::check_model_name;
use crate::signature::{Prediction, SignatureError};

/// Why an uploaded package was refused: each variant is one check, named so the person knows
/// which one failed. Nothing is stored when any fails.
#[derive(Debug, Error, PartialEq)]
pub enum PackageError {
    #[error("not a readable package: {0}")]
    Archive(#[from] zip::ZipError),
    #[error(
        "the package has no {0}: a Kindling package holds manifest.json, weights.safetensors, model.bpk and MODEL_CARD.md"
    )]
    MissingFile(&'static str),
    #[error("the package holds a file Kindling does not expect: '{0}'")]
    UnexpectedFile(String),
    #[error(
        "manifest.json is {0} bytes; a manifest is a few kilobytes, so this is not a Kindling package"
    )]
    ManifestTooLarge(usize),
    #[error("manifest.json cannot be read: {0}")]
    Manifest(String),
    #[error(
        "this package is format '{0}', which this version of Kindling cannot read (it reads kindling-package/1 to {PACKAGE_FORMAT})"
    )]
    FormatVersion(String),
    #[error("{0} does not match the hash in manifest.json: the file was changed or damaged")]
    HashMismatch(String),
    #[error("{0} is not listed in manifest.json, so it cannot be checked")]
    UnlistedFile(String),
    #[error(
        "manifest.json names the model '{0}', which is not a plain name (letters, digits, '-', '_', '.')"
    )]
    Name(String),
    #[error("manifest.json describes a model that cannot be built: {0}")]
    Signature(#[from] SignatureError),
    #[error(
        "{0} does not match what the manifest describes: the package was edited outside Kindling"
    )]
    Derived(&'static str),
    #[error("manifest.json lists '{0}', which the package does not hold")]
    ListedFileMissing(String),
    #[error("weights.safetensors cannot be read: {0}")]
    Weights(#[from] safetensors::SafetensorsError),
    #[error("the weights do not fit the model in the manifest: {0}")]
    TensorShapes(String),
    #[error("the weights hold {0} values that are NaN or infinite: the model cannot be used")]
    NonFinite(usize),
    #[error("the model's answers differ from the example in manifest.json: {0}")]
    Prediction(String),
    #[error("the model's weights could not be loaded: {0}")]
    Load(String),
}

/// A package that passed every check [`open`] makes.
#[derive(Debug)]
pub struct OpenedPackage {
    pub manifest: Manifest,
    pub record: Vec<u8>,
    pub weights: Vec<NamedTensor>,
    pub sha256: String,
}

/// Runs every check that needs no model, in the documented order.
pub fn open(bytes: &[u8]) -> Result<OpenedPackage, PackageError> {
    let entries = zip::read(bytes, &zip::PACKAGE_LIMITS)?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, data) in entries {
        if ![
            MANIFEST_FILE,
            WEIGHTS_FILE,
            RECORD_FILE,
            ONNX_FILE,
            CARD_FILE,
            README_FILE,
        ]
        .contains(&name.as_str())
            && !mlflow::MLFLOW_FILES.contains(&name.as_str())
        {
            return Err(PackageError::UnexpectedFile(name));
        }
        files.insert(name, data);
    }
    for required in [MANIFEST_FILE, WEIGHTS_FILE, RECORD_FILE, CARD_FILE] {
        if !files.contains_key(required) {
            return Err(PackageError::MissingFile(required));
        }
    }
    let manifest_bytes = files.remove(MANIFEST_FILE).expect("checked above");
    if manifest_bytes.len() > MAX_MANIFEST_BYTES {
        return Err(PackageError::ManifestTooLarge(manifest_bytes.len()));
    }
    let format = serde_json::from_slice::<serde_json::Value>(&manifest_bytes)
        .map_err(|error| PackageError::Manifest(error.to_string()))?
        .get("format")
        .and_then(|format| format.as_str().map(str::to_owned))
        .ok_or_else(|| PackageError::Manifest("it has no \"format\"".into()))?;
    if !READABLE_FORMATS.contains(&format.as_str()) {
        return Err(PackageError::FormatVersion(format));
    }
    // Format 1 had no README.md; every later format has one.
    let has_readme = format != READABLE_FORMATS[0];
    if has_readme && !files.contains_key(README_FILE) {
        return Err(PackageError::MissingFile(README_FILE));
    }
    // From format 3, a package with an ONNX graph holds the MLflow model that runs it.
    let has_mlflow =
        !READABLE_FORMATS[..2].contains(&format.as_str()) && files.contains_key(ONNX_FILE);
    if let Some(missing) = mlflow::MLFLOW_FILES
        .iter()
        .find(|name| has_mlflow != files.contains_key(**name))
    {
        return Err(if has_mlflow {
            PackageError::MissingFile(missing)
        } else {
            PackageError::UnexpectedFile((*missing).to_owned())
        });
    }
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|error| PackageError::Manifest(error.to_string()))?;
    for (name, hash) in &manifest.files {
        let data = files
            .get(name)
            .ok_or_else(|| PackageError::ListedFileMissing(name.clone()))?;
        if &sha256_hex(data) != hash {
            return Err(PackageError::HashMismatch(name.clone()));
        }
    }
    if let Some(unlisted) = files
        .keys()
        .find(|name| !manifest.files.contains_key(*name))
    {
        return Err(PackageError::UnlistedFile(unlisted.clone()));
    }
    check_manifest(&manifest)?;
    let weights = safetensors::read(&files[WEIGHTS_FILE])?;
    let found: Vec<(String, Vec<usize>)> = weights
        .iter()
        .map(|tensor| (tensor.name.clone(), tensor.shape.clone()))
        .collect();
    let expected = expected_tensors(&manifest.signature);
    if found != expected {
        return Err(PackageError::TensorShapes(describe_difference(
            &expected, &found,
        )));
    }
    let non_finite = weights
        .iter()
        .flat_map(|tensor| &tensor.values)
        .filter(|value| !value.is_finite())
        .count();
    if non_finite > 0 {
        return Err(PackageError::NonFinite(non_finite));
    }
    // The card and the ONNX graph are made from the manifest and the weights; one that was
    // edited by hand would say or compute something the registry does not know about. The
    // card was written with the metric names of its day, so they are compared as written.
    let mut version = manifest.to_version(String::new(), "", 0.0);
    version.metrics = manifest.metrics.clone();
    if files[CARD_FILE] != to_markdown(&version).as_bytes() {
        return Err(PackageError::Derived(CARD_FILE));
    }
    if has_readme && files[README_FILE] != to_readme(&version).as_bytes() {
        return Err(PackageError::Derived(README_FILE));
    }
    if has_mlflow
        && let Some((name, _)) =
            mlflow::files(&manifest.signature, &manifest.example, manifest.created_ms)
                .into_iter()
                .find(|(name, bytes)| &files[*name] != bytes)
    {
        return Err(PackageError::Derived(name));
    }
    if let Some(graph) = files.get(ONNX_FILE)
        && onnx::export(&manifest.signature, &weights).ok().as_ref() != Some(graph)
    {
        return Err(PackageError::Derived(ONNX_FILE));
    }
    Ok(OpenedPackage {
        manifest,
        record: files.remove(RECORD_FILE).expect("checked above"),
        weights,
        sha256: sha256_hex(bytes),
    })
}

/// What the manifest says about itself, before its weights are read: a plain name, a version
/// number, a buildable signature that its summary fields agree with, and an example to check.
fn check_manifest(manifest: &Manifest) -> Result<(), PackageError> {
    check_model_name(&manifest.name).map_err(|_| PackageError::Name(manifest.name.clone()))?;
    if manifest.version == 0 {
        return Err(PackageError::Manifest(
            "its version is 0; versions count from 1".into(),
        ));
    }
    let signature = &manifest.signature;
    signature.validate()?;
    // A format-1 manifest says less about its input, so only what it says is compared.
    let input = InputSignature::of(signature);
    let agrees = manifest.input.feature_names == input.feature_names
        && (manifest.input.columns.is_empty() || manifest.input == input);
    if manifest.task != signature.task() || !agrees {
        return Err(PackageError::Manifest(
            "its task or input columns disagree with its signature".into(),
        ));
    }
    let example = &manifest.example;
    if example.inputs.is_empty()
        || example.inputs.len() != example.predictions.len()
        || example
            .inputs
            .iter()
            .any(|row| row.len() != signature.column_count())
    {
        return Err(PackageError::Manifest(format!(
            "its example must hold rows of {} values, each with the model's answer",
            signature.column_count()
        )));
    }
    Ok(())
}

fn describe_difference(
    expected: &[(String, Vec<usize>)],
    found: &[(String, Vec<usize>)],
) -> String {
    for (name, shape) in expected {
        match found.iter().find(|(other, _)| other == name) {
            None => return format!("tensor '{name}' is missing"),
            Some((_, other)) if other != shape => {
                return format!("tensor '{name}' has shape {other:?}; the model needs {shape:?}");
            }
            Some(_) => {}
        }
    }
    match found
        .iter()
        .find(|(name, _)| !expected.iter().any(|(other, _)| other == name))
    {
        Some((name, _)) => format!("tensor '{name}' is not part of this model"),
        None => "the tensors differ".into(),
    }
}

/// Compares the model's answers with the example's, to 1e-5 (the same code on another CPU may
/// round the last bit differently).
pub fn check_example(example: &Example, predictions: &[Prediction]) -> Result<(), PackageError> {
    if predictions.len() != example.predictions.len() {
        return Err(PackageError::Prediction(format!(
            "{} answers for {} example rows",
            predictions.len(),
            example.predictions.len()
        )));
    }
    for (row, (got, want)) in predictions.iter().zip(&example.predictions).enumerate() {
        let close = match (got, want) {
            (
                Prediction::Class {
                    label: a,
                    probabilities: p,
                },
                Prediction::Class {
                    label: b,
                    probabilities: q,
                },
            ) => {
                a == b && p.len() == q.len() && p.iter().zip(q).all(|(x, y)| (x - y).abs() <= 1e-5)
            }
            (Prediction::Value(a), Prediction::Value(b)) => {
                (a - b).abs() <= 1e-5 * b.abs().max(1.0)
            }
            _ => false,
        };
        if !close {
            return Err(PackageError::Prediction(format!(
                "row {} gives {got:?}, the manifest says {want:?}",
                row + 1
            )));
        }
    }
    Ok(())
}
