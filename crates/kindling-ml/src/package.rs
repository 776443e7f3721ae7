//! The model side of packages and gates: the files a version's package holds, the final
//! upload check (a prediction on the manifest's example), and the automatic checks every
//! candidate passes before it may take an alias.

use kindling_core::package::{
    self, Example, OpenedPackage, PackageError, PackageFiles, onnx, probe_inputs, safetensors, zip,
};
use kindling_core::protocol::Evidence;
use kindling_core::registry::ModelVersion;
use kindling_core::registry::gates::{CheckKind, CheckResult};
use kindling_core::signature::{ModelSignature, Output, Prediction};
use kindling_core::tracking::RunModel;

use crate::reproduce;
use crate::trained::{TrainedModel, WeightsError};

impl TrainedModel {
    /// Every parameter tensor by its path in the network.
    pub fn tensors(&self) -> Result<Vec<safetensors::NamedTensor>, WeightsError> {
        safetensors::read(&self.safetensors_bytes()?)
            .map_err(|error| WeightsError::Read(error.to_string()))
    }

    /// What a finished run keeps: the record bytes and the signature.
    pub fn run_model(&self) -> Result<RunModel, WeightsError> {
        Ok(RunModel {
            signature: self.signature().clone(),
            burnpack: self.record_bytes()?,
            early_weights: None,
        })
    }

    pub fn from_run_model(model: &RunModel) -> Result<Self, WeightsError> {
        Self::from_record_bytes(model.signature.clone(), &model.burnpack)
    }
}

/// The weights files of a package: Burn's record as stored, canonical safetensors and ONNX.
pub fn package_files(model: &TrainedModel) -> Result<PackageFiles, WeightsError> {
    let tensors = model.tensors()?;
    let onnx = onnx::export(model.signature(), &tensors)
        .map_err(|error| WeightsError::Write(error.to_string()))?;
    Ok(PackageFiles {
        record: model.record_bytes()?,
        weights: safetensors::write(&tensors),
        onnx: Some(onnx),
    })
}

/// The package of `version` (whose `package_sha256` is not part of it) and the sha256 of its
/// weights file.
pub fn build_package(
    version: &ModelVersion,
    model: &TrainedModel,
) -> Result<(Vec<u8>, String), WeightsError> {
    let files = package_files(model)?;
    let inputs = probe_inputs(model.signature());
    let codes = model
        .signature()
        .codes_of(&inputs)
        .map_err(WeightsError::Write)?;
    let example = Example {
        predictions: model.predict(&codes),
        inputs,
    };
    let limits = zip::PACKAGE_LIMITS;
    let largest = [&files.record, &files.weights]
        .into_iter()
        .chain(&files.onnx)
        .map(Vec::len)
        .max()
        .unwrap_or(0);
    if largest > limits.max_entry_bytes {
        return Err(WeightsError::Write(format!(
            "the model is too large to package: its weights take {:.1} MB and a package file may \
             hold {} MB; choose fewer or smaller layers",
            largest as f64 / 1e6,
            limits.max_entry_bytes >> 20
        )));
    }
    let weights_sha256 = package::sha256_hex(&files.weights);
    Ok((package::build(version, &files, example), weights_sha256))
}

/// Every upload check, the model's own last: the record must load, agree with the
/// safetensors weights, and answer the manifest's example as it did when it was packaged.
pub fn open_package(bytes: &[u8]) -> Result<(OpenedPackage, TrainedModel), PackageError> {
    let opened = package::open(bytes)?;
    let signature = opened.manifest.signature.clone();
    let model = TrainedModel::from_record_bytes(signature.clone(), &opened.record)
        .map_err(|error| PackageError::Load(format!("model.bpk (Burn's record): {error}")))?;
    let from_weights =
        TrainedModel::from_safetensors(signature, &safetensors::write(&opened.weights))
            .map_err(|error| PackageError::Load(format!("weights.safetensors: {error}")))?;
    let example = &opened.manifest.example;
    let example_codes = model
        .signature()
        .codes_of(&example.inputs)
        .map_err(|error| PackageError::Manifest(format!("its example cannot be read: {error}")))?;
    let answers = model.predict(&example_codes);
    // Rows of our own choosing, not the sender's: the record (which the registry predicts
    // with) and the safetensors (which ONNX and Python users get) must be the same model.
    let probe = probe_codes(model.signature());
    let probe_answers = model.predict(&probe);
    // Finite weights can still be too large to compute with: say so, rather than let NaN
    // fail the comparisons below with a misleading reason.
    if !answers.iter().chain(&probe_answers).all(is_finite) {
        let largest = model.tensors().ok().map(|tensors| {
            tensors
                .iter()
                .flat_map(|tensor| tensor.values.iter())
                .fold(0f32, |largest, value| largest.max(value.abs()))
        });
        let largest =
            largest.map_or_else(String::new, |value| format!(" (the largest is {value:e})"));
        return Err(PackageError::Prediction(format!(
            "its weights give answers that are not numbers (NaN or infinite): they are too large to compute with{largest} or damaged"
        )));
    }
    package::check_example(example, &answers)?;
    if probe_answers != from_weights.predict(&probe) {
        return Err(PackageError::Prediction(
            "model.bpk and weights.safetensors hold different weights".into(),
        ));
    }
    Ok((opened, model))
}

fn is_finite(prediction: &Prediction) -> bool {
    match prediction {
        Prediction::Class { probabilities, .. } => probabilities.iter().all(|p| p.is_finite()),
        Prediction::Value(value) => value.is_finite(),
    }
}

/// The checks every candidate passes whatever its model's gates say: its weights are finite,
/// its inputs and outputs match the registered model's, its recipe retrains to the same first
/// steps and its weights score as claimed on the recipe's test rows (`reproduce`, with the
/// `evidence` of the data), and its weights reloaded (from Burn's record and from safetensors)
/// answer identically.
pub fn automatic_checks(
    model: &TrainedModel,
    registered: Option<&ModelSignature>,
    evidence: Option<&Evidence>,
) -> Vec<CheckResult> {
    let check = |name: &str, passed: bool, detail: String| CheckResult {
        kind: CheckKind::Automatic,
        name: name.to_owned(),
        passed,
        value: None,
        threshold: None,
        detail,
    };
    let mut checks = Vec::new();
    let tensors = model.tensors();
    let non_finite = tensors
        .as_ref()
        .map(|tensors| {
            tensors
                .iter()
                .flat_map(|tensor| &tensor.values)
                .filter(|value| !value.is_finite())
                .count()
        })
        .unwrap_or(usize::MAX);
    checks.push(CheckResult {
        value: Some(non_finite as f64),
        threshold: Some(0.0),
        ..check(
            "all weights finite",
            non_finite == 0,
            match non_finite {
                0 => "every weight is a finite number".into(),
                usize::MAX => "the weights could not be read".into(),
                count => format!("{count} weights are NaN or infinite"),
            },
        )
    });
    checks.push(match registered {
        None => check(
            "input signature matches the registered model",
            true,
            "the first version sets the model's signature".into(),
        ),
        Some(registered) => {
            let difference = signature_difference(model.signature(), registered);
            check(
                "input signature matches the registered model",
                difference.is_none(),
                difference.unwrap_or_else(|| "same features, same outputs".into()),
            )
        }
    });
    checks.extend(reproduce::checks(model, evidence));
    let probe = probe_codes(model.signature());
    let first = model.predict(&probe);
    let reloaded = model
        .record_bytes()
        .and_then(|record| TrainedModel::from_record_bytes(model.signature().clone(), &record))
        .map(|again| again.predict(&probe) == first);
    let from_weights = tensors
        .map_err(|error| error.to_string())
        .and_then(|tensors| {
            TrainedModel::from_safetensors(model.signature().clone(), &safetensors::write(&tensors))
                .map_err(|error| error.to_string())
        })
        .map(|again| again.predict(&probe) == first);
    let (passed, detail) = match (reloaded, from_weights) {
        (Ok(true), Ok(true)) => (
            true,
            "reloaded from model.bpk and from weights.safetensors, it answers identically".into(),
        ),
        (Ok(false), _) => (
            false,
            "reloaded from model.bpk, it answers differently".into(),
        ),
        (_, Ok(false)) => (
            false,
            "reloaded from weights.safetensors, it answers differently".into(),
        ),
        (Err(error), _) => (false, format!("model.bpk could not be reloaded: {error}")),
        (_, Err(error)) => (
            false,
            format!("the safetensors could not be reloaded: {error}"),
        ),
    };
    checks.push(check(
        "reloaded weights predict identically",
        passed,
        detail,
    ));
    checks
}

/// The probe rows as model codes; made from the signature itself, so always readable.
fn probe_codes(signature: &ModelSignature) -> Vec<f32> {
    signature
        .codes_of(&probe_inputs(signature))
        .expect("probes are made from the signature's own columns")
}

fn signature_difference(candidate: &ModelSignature, registered: &ModelSignature) -> Option<String> {
    let first_columns =
        |names: &[String]| names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if candidate.feature_names != registered.feature_names {
        return Some(format!(
            "its inputs are {} columns ({}…); the model's are {} ({}…)",
            candidate.feature_names.len(),
            first_columns(&candidate.feature_names),
            registered.feature_names.len(),
            first_columns(&registered.feature_names),
        ));
    }
    if candidate.image_shape != registered.image_shape {
        return Some("its inputs are images of another shape".into());
    }
    match (&candidate.output, &registered.output) {
        (Output::Classes { class_names: a, .. }, Output::Classes { class_names: b, .. })
            if a != b =>
        {
            Some(format!(
                "it predicts classes {a:?}; the model predicts {b:?}"
            ))
        }
        (Output::Value { target: a }, Output::Value { target: b }) if a != b => {
            Some(format!("it predicts {a}; the model predicts {b}"))
        }
        (Output::Classes { .. }, Output::Value { .. })
        | (Output::Value { .. }, Output::Classes { .. }) => {
            Some("it answers a different kind of question (classes vs a number)".into())
        }
        _ => None,
    }
}
