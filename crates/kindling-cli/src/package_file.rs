//! A package file opened as the browser opens an upload: refused before reading when it is
//! larger than a package may be (as the Models page does), then every check `open_package`
//! makes, in order, stopping at the first failure: archive limits, entry names, the manifest
//! and its format, every file's hash, tensors against the model spec, finite weights, the card
//! and ONNX graph against the manifest, and the model's answer on the manifest's example.
//!
//! The browser's upload then checks the package against its own registry (the same weights
//! already registered, the model's signature) and judges it by that registry's gates; a file
//! on its own has no registry, so those are not part of `verify`.

use std::fs;
use std::path::Path;

use kindling_core::package::{OpenedPackage, zip};
use kindling_ml::{TrainedModel, open_package};

use crate::error::CliError;
use crate::files::io_words;

/// The package at `path`, every upload check passed, and its model; a missing file is an input
/// error (2), a package that fails a check a refusal (1), each naming the file.
pub fn open(path: &Path) -> Result<(OpenedPackage, TrainedModel), CliError> {
    let shown = path.display();
    let size = fs::metadata(path)
        .map_err(|error| CliError::Input(format!("{shown}: {}", io_words(&error))))?
        .len();
    let limit = zip::PACKAGE_LIMITS.max_archive_bytes;
    if size > limit as u64 {
        let error = zip::ZipError::TooLarge(usize::try_from(size).unwrap_or(usize::MAX), limit);
        return Err(CliError::Refused(format!(
            "{shown}: not a readable package: {error}"
        )));
    }
    let bytes = fs::read(path)
        .map_err(|error| CliError::Input(format!("{shown}: {}", io_words(&error))))?;
    open_package(&bytes).map_err(|error| CliError::Refused(format!("{shown}: {error}")))
}

/// The file's name, as a version uploaded from it records it.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
