//! Reading and writing the command line's files: reads are refused before reading when a file
//! is larger than its kind can be (a gigabyte dropped by mistake is never read whole), and
//! writes go to a temporary file that is renamed into place, so a crash or Ctrl-C mid-write
//! leaves the previous file whole.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::CliError;

/// The bytes of `path`, or why not, naming the file. `what` says what the file should be
/// (`a pipeline file`), for the message when it is larger than `limit` bytes.
pub fn read_limited(path: &Path, limit: usize, what: &str) -> Result<Vec<u8>, CliError> {
    let shown = path.display();
    let metadata = fs::metadata(path)
        .map_err(|error| CliError::Input(format!("{shown}: {}", io_words(&error))))?;
    if metadata.is_dir() {
        return Err(CliError::Input(format!("{shown}: is a folder, not {what}")));
    }
    if metadata.len() > limit as u64 {
        return Err(CliError::Input(format!(
            "{shown}: the file is {} bytes; {what} is at most {limit} bytes",
            metadata.len()
        )));
    }
    fs::read(path).map_err(|error| CliError::Input(format!("{shown}: {}", io_words(&error))))
}

/// [`read_limited`] as UTF-8 text.
pub fn read_text(path: &Path, limit: usize, what: &str) -> Result<String, CliError> {
    let bytes = read_limited(path, limit, what)?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::Input(format!(
            "{}: is not UTF-8 text, so it is not {what}",
            path.display()
        ))
    })
}

/// An I/O error in words: the common ones said plainly, the rest as the system says them.
pub fn io_words(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, flushed to
/// disk, then renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    written.map_err(|error| {
        let _ = fs::remove_file(&temporary);
        format!("{}: cannot write it: {}", path.display(), io_words(&error))
    })
}
