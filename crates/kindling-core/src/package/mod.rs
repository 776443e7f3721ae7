//! A model version as one portable file (`<model>-v<version>.kindling.zip`): what it holds,
//! how it is written byte for byte the same every time, and how an uploaded one is checked
//! before anything is stored.
//!
//! The checks that need no network run here, in order, stopping at the first failure:
//! size and entry limits, entry names, required files, the manifest and its format version,
//! every file's hash, the tensors' names and shapes against the model spec, finite weights.
//! The last check, a prediction on the manifest's example, needs the model itself and is run
//! by `kindling-ml` on what [`open`] returns.
//!
//! A package is built once, at registration (and again when the card changes), from Burn's
//! record bytes the run kept: `manifest.json` (`manifest`), `weights.safetensors` (written by
//! `safetensors::write` in one canonical form: Burn's own writer orders its metadata by a
//! HashMap), `model.bpk`, `model.onnx` (`onnx`, hand-encoded protobuf, opset 18) and
//! `MODEL_CARD.md`, `README.md` and, from format 3, an MLflow model (`mlflow`: `MLmodel`, its
//! examples, pinned requirements and `code/kindling_pyfunc.py`). `zip::write` stores files uncompressed with fixed timestamps, so the same
//! version gives the same bytes; `zip::read` inflates DEFLATE entries, so a re-zipped package
//! still opens, with declared sizes checked before anything is inflated. Python's onnxruntime,
//! safetensors and numpy check real packages in `kindling-ml/tests/python_compat.rs`.

pub mod build;
pub mod manifest;
pub mod mlflow;
pub mod onnx;
pub mod open;
pub mod safetensors;
pub mod tensors;
pub mod zip;

#[cfg(test)]
mod tests;

pub use build::{PackageFiles, build};
pub use manifest::{
    CARD_FILE, EXAMPLE_ROWS, Example, InputColumn, InputSignature, MANIFEST_FILE,
    MAX_MANIFEST_BYTES, Manifest, ONNX_FILE, PACKAGE_FORMAT, READABLE_FORMATS, README_FILE,
    RECORD_FILE, WEIGHTS_FILE, WEIGHTS_LAYOUT, sha256_hex,
};
pub use open::{OpenedPackage, PackageError, check_example, open};
pub use tensors::{expected_tensors, probe_inputs};
