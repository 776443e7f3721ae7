//! Writing a version's package: the same version and files give the same bytes.

use super::manifest::{
    CARD_FILE, Example, InputSignature, MANIFEST_FILE, Manifest, ONNX_FILE, PACKAGE_FORMAT,
    README_FILE, RECORD_FILE, WEIGHTS_FILE, WEIGHTS_LAYOUT, sha256_hex,
};
use super::{mlflow, zip};
use crate::registry::ModelVersion;
use crate::registry::card_text::{to_markdown, to_readme};

/// The weights files of a version, made by the trainer.
pub struct PackageFiles {
    pub record: Vec<u8>,
    pub weights: Vec<u8>,
    pub onnx: Option<Vec<u8>>,
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
    let readme = to_readme(version);
    entries.push((README_FILE, readme.as_bytes()));
    let signature = &version.signature;
    // The MLflow model runs the ONNX graph; a package without one has no MLflow model.
    let mlflow_files = match files.onnx {
        Some(_) => mlflow::files(signature, &example, version.created_ms),
        None => Vec::new(),
    };
    entries.extend(
        mlflow_files
            .iter()
            .map(|(name, bytes)| (*name, bytes.as_slice())),
    );
    let manifest = Manifest {
        format: PACKAGE_FORMAT.into(),
        name: version.model.clone(),
        version: version.version,
        created_ms: version.created_ms,
        task: signature.task(),
        input: InputSignature::of(signature),
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
