//! CSV import: from the bytes of a file a person dropped on the page to a [`Dataset`].
//!
//! Two steps, so the UI can show what it found before anything is decided: [`read_table`]
//! decodes and splits the file (delimiter sniffed, quotes honoured, header required) and
//! [`Table::profile`] says what each column looks like; [`Table::to_dataset`] then builds the
//! dataset for the target and missing-value policy the person chose. Every way a file can be
//! wrong is a [`CsvError`] that names the line and column, never a panic.

mod error;
mod import;
mod read;

pub use error::{CsvError, MAX_CATEGORIES, MAX_CLASSES, MAX_COLUMNS, MAX_FILE_BYTES, MIN_ROWS};
pub use import::{ColumnKind, ColumnProfile, Import, ImportOptions, MissingPolicy};
pub use read::{Table, is_missing, read_rows_to_score, read_table};
