//! `manifest.json`: the package's table of contents and everything a tool needs to use the
//! weights without Kindling, and the file names a package holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::Task;
use crate::data::prepare::ColumnPreprocessing;
use crate::registry::card::ModelCard;
use crate::registry::gates::GateReport;
use crate::registry::{Lineage, ModelVersion, VersionSource};
use crate::signature::{Cell, ModelSignature, Prediction};

/// The manifest's `format` for packages written now. Version 2 added the raw columns' fitted
/// preprocessing (the ONNX graph takes the file's own columns) and `README.md`; version 3 the
/// MLflow model (`package::mlflow`) beside the ONNX graph.
pub const PACKAGE_FORMAT: &str = "kindling-package/3";
/// Every format this version reads; a reader refuses any other.
pub const READABLE_FORMATS: [&str; 3] =
    ["kindling-package/1", "kindling-package/2", PACKAGE_FORMAT];
pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "weights.safetensors";
pub const RECORD_FILE: &str = "model.bpk";
pub const ONNX_FILE: &str = "model.onnx";
pub const CARD_FILE: &str = "MODEL_CARD.md";
/// The card again, with the YAML front matter Hugging Face's hub reads (format 2 on).
pub const README_FILE: &str = "README.md";
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

/// What one row of input is, for a tool that knows nothing of Kindling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSignature {
    pub feature_names: Vec<String>,
    /// `float32` when every column is a number, else `mixed` (see `columns`).
    pub dtype: String,
    /// One row's shape: `[columns]`, or `[height, width]` for images given as rows of pixels.
    pub shape: Vec<usize>,
    /// Each raw column's type (format 2 on): what the ONNX graph's input of that name takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<InputColumn>,
}

/// One raw input column: a number (`float32`, a gap is NaN) or a category (`string`, one of
/// `categories` as seen in training; anything else counts as unseen, an empty string as a gap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    pub name: String,
    pub dtype: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

impl InputSignature {
    /// The input signature of a model of `signature`.
    pub fn of(signature: &ModelSignature) -> Self {
        let columns: Vec<InputColumn> = if signature.preprocessing.columns.is_empty() {
            Vec::new()
        } else {
            signature
                .feature_names
                .iter()
                .zip(&signature.preprocessing.columns)
                .map(|(name, column)| match column {
                    ColumnPreprocessing::Numeric { .. } => InputColumn {
                        name: name.clone(),
                        dtype: "float32".into(),
                        categories: Vec::new(),
                    },
                    ColumnPreprocessing::OneHot { categories, .. } => InputColumn {
                        name: name.clone(),
                        dtype: "string".into(),
                        categories: categories.clone(),
                    },
                })
                .collect()
        };
        Self {
            feature_names: signature.feature_names.clone(),
            dtype: if signature.has_categories() {
                "mixed".into()
            } else {
                "float32".into()
            },
            shape: match signature.image_shape {
                Some(shape) => vec![shape.height, shape.width],
                None => vec![signature.column_count()],
            },
            columns,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Raw rows, one `Vec` per row: numbers, categories, `null` for a gap.
    pub inputs: Vec<Vec<Cell>>,
    pub predictions: Vec<Prediction>,
}

pub const WEIGHTS_LAYOUT: &str = "Dense layers: weight [in, out], bias [out], y = x @ weight + bias. \
Convolution: weight [filters, 1, 3, 3], bias [filters], stride 1, no padding, on images of shape \
[1, height, width]; then ReLU, optional 2x2 max-pool (stride 2), flatten in (filter, row, column) \
order, optional dense layer with ReLU. Hidden dense layers use the signature's activation. Inputs \
are the raw columns encoded as signature.preprocessing.columns says, in order: a Numeric column is \
its number with a gap (NaN) replaced by fill; a OneHot column is one 0/1 value per listed \
category (a gap counts as fill, a category not listed is all zeros). The encoded row is then \
standardised: (x - preprocessing.features.mean) / preprocessing.features.std. Classifiers output \
logits (softmax gives probabilities); regressors output a standardised value: \
value * preprocessing.target.std + preprocessing.target.mean.";

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
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
            // A package of format 1 names some metrics as Kindling once did.
            metrics: self
                .metrics
                .iter()
                .map(|(name, value)| (crate::metrics::current_name(name).to_owned(), *value))
                .collect(),
            gate_report: self.gate_report.clone(),
            package_sha256,
            weights_sha256: self.files.get(WEIGHTS_FILE).cloned().unwrap_or_default(),
            archived: false,
            card: self.card.clone(),
        }
    }
}
