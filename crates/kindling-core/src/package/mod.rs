//! A model version as one portable file (`<model>-v<version>.kindling.zip`): what it holds,
//! how it is written byte for byte the same every time, and how an uploaded one is checked
//! before anything is stored.
//!
//! The checks that need no network run here, in order, stopping at the first failure:
//! size and entry limits, entry names, required files, the manifest and its format version,
//! every file's hash, the tensors' names and shapes against the model spec, finite weights.
//! The last check, a prediction on the manifest's example, needs the model itself and is run
//! by `kindling-ml` on what [`open`] returns.

pub mod onnx;
pub mod safetensors;
pub mod zip;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::data::Task;
use crate::registry::card::{ModelCard, to_markdown};
use crate::registry::gates::GateReport;
use crate::registry::{Lineage, ModelVersion, VersionSource, check_model_name};
use crate::signature::{ModelSignature, Prediction, SignatureError};
use crate::spec::ModelSpec;
use safetensors::NamedTensor;

/// The manifest's `format`; a reader refuses any other.
pub const PACKAGE_FORMAT: &str = "kindling-package/1";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "weights.safetensors";
pub const RECORD_FILE: &str = "model.bpk";
pub const ONNX_FILE: &str = "model.onnx";
pub const CARD_FILE: &str = "MODEL_CARD.md";
/// A manifest is a few kilobytes; anything near this is not one of ours.
pub const MAX_MANIFEST_BYTES: usize = 1 << 20;
/// Rows kept in the manifest's example.
pub const EXAMPLE_ROWS: usize = 4;

/// `manifest.json`: everything a tool needs to use the weights without Kindling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub name: String,
    pub version: u32,
    /// When the version was registered (ms since the Unix epoch), so rebuilding the package
    /// gives the same bytes.
    pub created_ms: f64,
    pub task: Task,
    pub input: InputSignature,
    /// The model spec, the raw input columns, the classes or target, and the preprocessing
    /// (standardisation fitted on the training split; a regression target's scaling).
    pub signature: ModelSignature,
    pub recipe: Lineage,
    pub metrics: BTreeMap<String, f64>,
    pub gate_report: GateReport,
    pub card: ModelCard,
    /// How the tensors in `weights.safetensors` are laid out, for someone writing their own
    /// forward pass.
    pub weights_layout: String,
    /// Raw inputs and the model's answers to them, checked again on upload.
    pub example: Example,
    /// sha256 (hex) of every other file in the package.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSignature {
    pub feature_names: Vec<String>,
    pub dtype: String,
    /// One row's shape: `[features]`, or `[height, width]` for images given as rows of pixels.
    pub shape: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Raw rows, one `Vec` per row.
    pub inputs: Vec<Vec<f32>>,
    pub predictions: Vec<Prediction>,
}

pub const WEIGHTS_LAYOUT: &str = "Dense layers: weight [in, out], bias [out], y = x @ weight + bias. \
Convolution: weight [filters, 1, 3, 3], bias [filters], stride 1, no padding, on images of shape \
[1, height, width]; then ReLU, optional 2x2 max-pool (stride 2), flatten in (filter, row, column) \
order, optional dense layer with ReLU. Hidden dense layers use the signature's activation. Inputs \
are standardised first: (x - preprocessing.features.mean) / preprocessing.features.std. \
Classifiers output logits (softmax gives probabilities); regressors output a standardised value: \
value * preprocessing.target.std + preprocessing.target.mean.";

/// The weights files of a version, made by the trainer.
pub struct PackageFiles {
    pub record: Vec<u8>,
    pub weights: Vec<u8>,
    pub onnx: Option<Vec<u8>>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The tensors a network of this signature has, by name and shape, in name order: what an
/// uploaded weights file must contain exactly. The names are the paths Burn gives them.
pub fn expected_tensors(signature: &ModelSignature) -> Vec<(String, Vec<usize>)> {
    let mut tensors = Vec::new();
    let dense =
        |tensors: &mut Vec<(String, Vec<usize>)>, prefix: String, input: usize, output: usize| {
            tensors.push((format!("{prefix}.weight"), vec![input, output]));
            tensors.push((format!("{prefix}.bias"), vec![output]));
        };
    let outputs = signature.output_size();
    match &signature.model {
        ModelSpec::Linear => dense(
            &mut tensors,
            "Mlp.output".into(),
            signature.input_size(),
            outputs,
        ),
        ModelSpec::Mlp { hidden_layers, .. } => {
            let mut width = signature.input_size();
            for (index, &units) in hidden_layers.iter().enumerate() {
                dense(&mut tensors, format!("Mlp.hidden.{index}"), width, units);
                width = units;
            }
            dense(&mut tensors, "Mlp.output".into(), width, outputs);
        }
        ModelSpec::Cnn {
            filters,
            pool,
            dense_units,
        } => {
            let shape = signature.image_shape.unwrap_or(crate::data::ImageShape {
                height: 0,
                width: 0,
            });
            let (mut height, mut width) = (
                shape.height.saturating_sub(2),
                shape.width.saturating_sub(2),
            );
            if *pool {
                height /= 2;
                width /= 2;
            }
            let flat = filters * height * width;
            tensors.push(("Cnn.conv.weight".into(), vec![*filters, 1, 3, 3]));
            tensors.push(("Cnn.conv.bias".into(), vec![*filters]));
            if *dense_units > 0 {
                dense(&mut tensors, "Cnn.dense".into(), flat, *dense_units);
                dense(&mut tensors, "Cnn.output".into(), *dense_units, outputs);
            } else {
                dense(&mut tensors, "Cnn.output".into(), flat, outputs);
            }
        }
    }
    tensors.sort();
    tensors
}

impl Manifest {
    /// The registry version this package describes, as it enters a registry from an upload.
    pub fn to_version(&self, package_sha256: String, file_name: &str, now_ms: f64) -> ModelVersion {
        ModelVersion {
            model: self.name.clone(),
            version: self.version,
            created_ms: now_ms,
            source: VersionSource::Upload {
                file_name: file_name.to_owned(),
                packaged_as: self.version,
            },
            lineage: self.recipe.clone(),
            signature: self.signature.clone(),
            metrics: self.metrics.clone(),
            gate_report: self.gate_report.clone(),
            package_sha256,
            weights_sha256: self.files.get(WEIGHTS_FILE).cloned().unwrap_or_default(),
            archived: false,
            card: self.card.clone(),
        }
    }
}

/// The package of `version`: the same version and files give the same bytes.
pub fn build(version: &ModelVersion, files: &PackageFiles, example: Example) -> Vec<u8> {
    let card = to_markdown(version);
    let mut entries: Vec<(&str, &[u8])> =
        vec![(WEIGHTS_FILE, &files.weights), (RECORD_FILE, &files.record)];
    if let Some(onnx) = &files.onnx {
        entries.push((ONNX_FILE, onnx));
    }
    entries.push((CARD_FILE, card.as_bytes()));
    let signature = &version.signature;
    let manifest = Manifest {
        format: PACKAGE_FORMAT.into(),
        name: version.model.clone(),
        version: version.version,
        created_ms: version.created_ms,
        task: signature.task(),
        input: InputSignature {
            feature_names: signature.feature_names.clone(),
            dtype: "float32".into(),
            shape: match signature.image_shape {
                Some(shape) => vec![shape.height, shape.width],
                None => vec![signature.input_size()],
            },
        },
        signature: signature.clone(),
        recipe: version.lineage.clone(),
        metrics: version.metrics.clone(),
        gate_report: version.gate_report.clone(),
        card: version.card.clone(),
        weights_layout: WEIGHTS_LAYOUT.into(),
        example,
        files: entries
            .iter()
            .map(|(name, bytes)| ((*name).to_owned(), sha256_hex(bytes)))
            .collect(),
    };
    let manifest = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    entries.insert(0, (MANIFEST_FILE, &manifest));
    zip::write(&entries)
}

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
        "this package is format '{0}', which this version of Kindling cannot read (it reads {PACKAGE_FORMAT})"
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
        ]
        .contains(&name.as_str())
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
    if format != PACKAGE_FORMAT {
        return Err(PackageError::FormatVersion(format));
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
    // edited by hand would say or compute something the registry does not know about.
    let version = manifest.to_version(String::new(), "", 0.0);
    if files[CARD_FILE] != to_markdown(&version).as_bytes() {
        return Err(PackageError::Derived(CARD_FILE));
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
    if manifest.task != signature.task() || manifest.input.feature_names != signature.feature_names
    {
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
            .any(|row| row.len() != signature.input_size())
    {
        return Err(PackageError::Manifest(format!(
            "its example must hold rows of {} values, each with the model's answer",
            signature.input_size()
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

/// Raw input rows to probe a model with, made from its preprocessing alone (no data needed):
/// the training mean, and the mean shifted by one standard deviation up, down and alternately.
/// Used for the manifest's example and the automatic gate checks.
pub fn probe_inputs(signature: &ModelSignature) -> Vec<Vec<f32>> {
    let standardization = &signature.preprocessing.features;
    let shifts: [fn(usize) -> f32; EXAMPLE_ROWS] = [
        |_| 0.0,
        |_| 1.0,
        |_| -1.0,
        |column| if column % 2 == 0 { 1.5 } else { -0.5 },
    ];
    shifts
        .iter()
        .map(|shift| {
            standardization
                .mean
                .iter()
                .zip(&standardization.std)
                .enumerate()
                .map(|(column, (mean, std))| mean + shift(column) * std)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::tests_support::version;

    fn weights_for(version: &ModelVersion, value: f32) -> Vec<u8> {
        let tensors: Vec<NamedTensor> = expected_tensors(&version.signature)
            .into_iter()
            .map(|(name, shape)| NamedTensor {
                values: vec![value; shape.iter().product()],
                name,
                shape,
            })
            .collect();
        safetensors::write(&tensors)
    }

    fn example() -> Example {
        Example {
            inputs: vec![vec![0.5, -0.5]],
            predictions: vec![Prediction::Class {
                label: 1,
                probabilities: vec![0.25, 0.75],
            }],
        }
    }

    fn package_with(version: &ModelVersion, weights: Vec<u8>) -> Vec<u8> {
        let onnx = safetensors::read(&weights)
            .ok()
            .and_then(|tensors| onnx::export(&version.signature, &tensors).ok());
        let files = PackageFiles {
            record: b"burn record".to_vec(),
            weights,
            onnx,
        };
        build(version, &files, example())
    }

    fn good() -> (ModelVersion, Vec<u8>) {
        let v = version("spiral", 3);
        let bytes = package_with(&v, weights_for(&v, 0.5));
        (v, bytes)
    }

    /// The package's entries with one replaced (or removed, for `None`), re-zipped.
    fn edited(bytes: &[u8], name: &str, data: Option<&[u8]>) -> Vec<u8> {
        let entries = zip::read(bytes, &zip::PACKAGE_LIMITS).unwrap();
        let kept: Vec<(String, Vec<u8>)> = entries
            .into_iter()
            .filter_map(|(entry, old)| match (entry == name, data) {
                (false, _) => Some((entry, old)),
                (true, Some(new)) => Some((entry, new.to_vec())),
                (true, None) => None,
            })
            .collect();
        let borrowed: Vec<(&str, &[u8])> = kept
            .iter()
            .map(|(name, data)| (name.as_str(), data.as_slice()))
            .collect();
        zip::write(&borrowed)
    }

    fn manifest_of(bytes: &[u8]) -> Manifest {
        let entries = zip::read(bytes, &zip::PACKAGE_LIMITS).unwrap();
        serde_json::from_slice(&entries[0].1).unwrap()
    }

    fn with_manifest(bytes: &[u8], manifest: &Manifest) -> Vec<u8> {
        edited(
            bytes,
            MANIFEST_FILE,
            Some(&serde_json::to_vec_pretty(manifest).unwrap()),
        )
    }

    #[test]
    fn a_package_opens_to_its_manifest_and_files() {
        let (v, bytes) = good();
        let opened = open(&bytes).unwrap();
        assert_eq!(opened.manifest.name, "spiral");
        assert_eq!(opened.manifest.version, 3);
        assert_eq!(opened.manifest.format, PACKAGE_FORMAT);
        assert_eq!(opened.manifest.signature, v.signature);
        assert_eq!(opened.manifest.example, example());
        assert_eq!(opened.record, b"burn record");
        assert_eq!(opened.sha256, sha256_hex(&bytes));
        let names: Vec<String> = zip::read(&bytes, &zip::PACKAGE_LIMITS)
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            [
                MANIFEST_FILE,
                WEIGHTS_FILE,
                RECORD_FILE,
                ONNX_FILE,
                CARD_FILE
            ]
        );
        let version = opened
            .manifest
            .to_version(opened.sha256.clone(), "x.kindling.zip", 9.0);
        assert_eq!(version.weights_sha256, opened.manifest.files[WEIGHTS_FILE]);
        assert_eq!(version.lineage, v.lineage);
    }

    #[test]
    fn the_same_version_gives_the_same_bytes_and_the_card_changes_them() {
        let (mut v, bytes) = good();
        assert_eq!(package_with(&v, weights_for(&v, 0.5)), bytes);
        v.card.intended_use = "Teaching.".into();
        let changed = package_with(&v, weights_for(&v, 0.5));
        assert_ne!(changed, bytes);
        assert_eq!(
            open(&changed).unwrap().manifest.card.intended_use,
            "Teaching."
        );
    }

    #[test]
    fn every_broken_package_names_its_failing_check() {
        let (v, bytes) = good();
        type Case = (&'static str, Vec<u8>, fn(&PackageError) -> bool);
        let cases: Vec<Case> = vec![
            ("truncated", bytes[..bytes.len() / 2].to_vec(), |e| {
                matches!(e, PackageError::Archive(_))
            }),
            ("not a zip", b"hello".to_vec(), |e| {
                matches!(e, PackageError::Archive(_))
            }),
            ("missing weights", edited(&bytes, WEIGHTS_FILE, None), |e| {
                matches!(e, PackageError::MissingFile(WEIGHTS_FILE))
            }),
            (
                "missing manifest",
                edited(&bytes, MANIFEST_FILE, None),
                |e| matches!(e, PackageError::MissingFile(MANIFEST_FILE)),
            ),
            (
                "changed card",
                edited(&bytes, CARD_FILE, Some(b"# edited")),
                |e| matches!(e, PackageError::HashMismatch(name) if name == CARD_FILE),
            ),
            (
                "garbage manifest",
                edited(&bytes, MANIFEST_FILE, Some(b"{not json")),
                |e| matches!(e, PackageError::Manifest(_)),
            ),
            (
                "huge manifest",
                edited(
                    &bytes,
                    MANIFEST_FILE,
                    Some(&vec![b' '; MAX_MANIFEST_BYTES + 1]),
                ),
                |e| matches!(e, PackageError::ManifestTooLarge(_)),
            ),
        ];
        for (case, broken, expected) in cases {
            let error = open(&broken).expect_err(case);
            assert!(expected(&error), "{case}: {error}");
        }

        let mut future = manifest_of(&bytes);
        future.format = "kindling-package/9".into();
        let error = open(&with_manifest(&bytes, &future)).unwrap_err();
        assert_eq!(
            error,
            PackageError::FormatVersion("kindling-package/9".into())
        );
        assert!(error.to_string().contains("cannot read"));

        // Weights of the wrong shape and NaN weights, each with a manifest whose hashes match,
        // so the check that fails is the one about the weights.
        let mut other = v.clone();
        other.signature.model = crate::spec::ModelSpec::mlp(vec![3]);
        let wrong_shape = package_with(&v, weights_for(&other, 0.5));
        let error = open(&wrong_shape).unwrap_err();
        assert!(matches!(error, PackageError::TensorShapes(_)), "{error}");
        let nan = package_with(&v, weights_for(&v, f32::NAN));
        assert!(matches!(open(&nan), Err(PackageError::NonFinite(count)) if count > 0));

        let mut extra = zip::read(&bytes, &zip::PACKAGE_LIMITS).unwrap();
        extra.push(("run.sh".into(), b"rm -rf /".to_vec()));
        let borrowed: Vec<(&str, &[u8])> = extra
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(
            open(&zip::write(&borrowed)).unwrap_err(),
            PackageError::UnexpectedFile("run.sh".into())
        );
    }

    /// The package with one file replaced and the manifest's hashes brought up to date, so the
    /// check that fails is the one about the file's content.
    fn rehashed(bytes: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
        let mut manifest = manifest_of(bytes);
        manifest.files.insert(name.to_owned(), sha256_hex(data));
        with_manifest(&edited(bytes, name, Some(data)), &manifest)
    }

    #[test]
    fn what_the_manifest_says_about_itself_is_checked_before_the_weights() {
        let (_, bytes) = good();
        let refused = |change: fn(&mut Manifest)| {
            let mut manifest = manifest_of(&bytes);
            change(&mut manifest);
            open(&with_manifest(&bytes, &manifest)).unwrap_err()
        };
        assert!(matches!(
            refused(|m| m.name = "../etc".into()),
            PackageError::Name(_)
        ));
        assert!(matches!(
            refused(|m| m.version = 0),
            PackageError::Manifest(_)
        ));
        assert!(matches!(
            refused(|m| m.signature.model = crate::spec::ModelSpec::Mlp {
                hidden_layers: vec![64, 64],
                activation: crate::spec::Activation::Relu,
                dropout: 5.0,
            }),
            PackageError::Signature(_)
        ));
        assert!(matches!(
            refused(|m| m.signature.preprocessing.features.std[0] = 0.0),
            PackageError::Signature(SignatureError::Scale)
        ));
        let error = refused(|m| {
            m.example.inputs.clear();
            m.example.predictions.clear();
        });
        assert!(matches!(error, PackageError::Manifest(_)), "{error}");
        assert!(matches!(
            refused(|m| m.task = crate::data::Task::Regression),
            PackageError::Manifest(_)
        ));
    }

    #[test]
    fn a_card_or_graph_edited_outside_kindling_is_refused_even_with_fresh_hashes() {
        let (_, bytes) = good();
        assert_eq!(
            open(&rehashed(&bytes, CARD_FILE, b"# My own card")).unwrap_err(),
            PackageError::Derived(CARD_FILE)
        );
        let entries = zip::read(&bytes, &zip::PACKAGE_LIMITS).unwrap();
        let mut graph = entries
            .iter()
            .find(|(n, _)| n == ONNX_FILE)
            .unwrap()
            .1
            .clone();
        let last = graph.len() - 1;
        graph[last] ^= 1;
        assert_eq!(
            open(&rehashed(&bytes, ONNX_FILE, &graph)).unwrap_err(),
            PackageError::Derived(ONNX_FILE)
        );
        let mut manifest = manifest_of(&bytes);
        manifest.files.remove(CARD_FILE);
        assert_eq!(
            open(&with_manifest(&bytes, &manifest)).unwrap_err(),
            PackageError::UnlistedFile(CARD_FILE.into())
        );
    }

    #[test]
    fn the_example_check_allows_rounding_but_not_another_answer() {
        let ex = example();
        let close = vec![Prediction::Class {
            label: 1,
            probabilities: vec![0.250_001, 0.749_999],
        }];
        assert!(check_example(&ex, &close).is_ok());
        let other = vec![Prediction::Class {
            label: 0,
            probabilities: vec![0.75, 0.25],
        }];
        assert!(matches!(
            check_example(&ex, &other),
            Err(PackageError::Prediction(_))
        ));
        assert!(check_example(&ex, &[]).is_err());
    }

    #[test]
    fn tensor_names_follow_the_network_and_probes_follow_the_data() {
        let v = version("spiral", 1);
        let names: Vec<String> = expected_tensors(&v.signature)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert!(
            names.contains(&"Mlp.hidden.0.weight".to_owned()),
            "{names:?}"
        );
        assert!(names.contains(&"Mlp.output.bias".to_owned()));
        let probes = probe_inputs(&v.signature);
        assert_eq!(probes.len(), EXAMPLE_ROWS);
        let mean = &v.signature.preprocessing.features.mean;
        assert_eq!(&probes[0], mean);
        assert!(
            probes
                .iter()
                .all(|row| row.len() == v.signature.input_size())
        );
        assert_ne!(probes[1], probes[2]);
    }
}
