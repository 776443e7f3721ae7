//! Every way a file can be wrong, in words that name the line and column, and the limits
//! that keep an import quick.

use thiserror::Error;

/// Large enough for any dataset a browser tab trains on comfortably, small enough to parse in
/// a blink.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
pub const MAX_COLUMNS: usize = 2_000;
/// A classification target with more distinct values than this is almost surely a number.
pub const MAX_CLASSES: usize = 100;
/// A text column with more distinct values than this is read as an identifier, not a category.
pub const MAX_CATEGORIES: usize = 50;
/// Fewer rows cannot be split into training, validation and test data.
pub const MIN_ROWS: usize = 10;

/// What is wrong with a file, said so the person can fix it. Lines are counted from 1 as an
/// editor counts them; columns from 1 with their header name.
#[derive(Debug, Error, PartialEq)]
pub enum CsvError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is {} bytes; files up to {} MiB ({} bytes) can be imported",
        grouped(*bytes),
        MAX_FILE_BYTES / 1_048_576,
        grouped(MAX_FILE_BYTES)
    )]
    TooLarge { bytes: usize },
    #[error(
        "this is not a text file (line {line} holds bytes that are not UTF-8 text): export it as CSV (UTF-8) and try again"
    )]
    NotText { line: usize },
    #[error("line {line} opens a quoted field that is never closed")]
    UnclosedQuote { line: usize },
    #[error(
        "only one column was found: separate columns with commas, semicolons or tabs, with one row per line"
    )]
    SingleColumn,
    #[error("line 1 looks like data, not column names: add a header row that names each column")]
    NoHeader,
    #[error("the file has {found} columns; at most {MAX_COLUMNS} can be imported")]
    TooManyColumns { found: usize },
    #[error(
        "columns {first} and {second} are both called \"{name}\": give each column its own name"
    )]
    DuplicateColumn {
        name: String,
        first: usize,
        second: usize,
    },
    #[error(
        "line {line} has {found} fields but the header has {expected}: every row needs one value per column"
    )]
    Ragged {
        line: usize,
        expected: usize,
        found: usize,
    },
    #[error("there are only {found} data rows; at least {MIN_ROWS} are needed to train and test")]
    TooFewRows { found: usize },
    #[error("there is no column called \"{0}\" to predict")]
    UnknownTarget(String),
    #[error(
        "column {column} (\"{name}\") is numeric except on line {line}, which holds \"{value}\": fix that value or leave it empty"
    )]
    StrayText {
        line: usize,
        column: usize,
        name: String,
        value: String,
    },
    #[error(
        "line {line}, column \"{name}\": {value} is beyond the largest number a model can hold \
         (about 3.4e38): scale the column down or remove the value"
    )]
    BeyondSinglePrecision {
        line: usize,
        name: String,
        value: String,
    },
    #[error(
        "regression needs a numeric target, but line {line} of \"{name}\" holds \"{value}\": choose classification or another target"
    )]
    NonNumericTarget {
        line: usize,
        name: String,
        value: String,
    },
    #[error(
        "the target \"{name}\" has only one class (\"{class}\"): a classifier needs at least two"
    )]
    SingleClass { name: String, class: String },
    #[error("the target \"{name}\" has the same value on every row: there is nothing to predict")]
    ConstantTarget { name: String },
    #[error(
        "the target \"{name}\" has {found} different values, too many classes (at most {MAX_CLASSES}): if it is a quantity, choose regression"
    )]
    TooManyClasses { name: String, found: usize },
    #[error(
        "there is no numeric feature to learn from: apart from the target, every column is constant, an identifier or empty"
    )]
    NoFeature,
    #[error(
        "every row has a missing value: choose to fill missing values in instead of dropping rows"
    )]
    NoCompleteRow,
    #[error(
        "an image of {height}x{width} needs {expected} pixel columns besides the target, and this file has {found}"
    )]
    ImageShape {
        height: usize,
        width: usize,
        expected: usize,
        found: usize,
    },
    #[error("pixel column {column} (\"{name}\") is not numeric")]
    NonNumericPixel { column: usize, name: String },
}

/// A count with thousands separators, so a size near the limit reads at a glance.
fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}
