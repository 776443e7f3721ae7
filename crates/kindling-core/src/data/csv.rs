//! CSV import: from the bytes of a file a person dropped on the page to a [`Dataset`].
//!
//! Two steps, so the UI can show what it found before anything is decided: [`read_table`]
//! decodes and splits the file (delimiter sniffed, quotes honoured, header required) and
//! [`Table::profile`] says what each column looks like; [`Table::to_dataset`] then builds the
//! dataset for the target and missing-value policy the person chose. Every way a file can be
//! wrong is a [`CsvError`] that names the line and column, never a panic.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Dataset, ImageShape, Target, Task};

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
/// Candidate delimiters, in the order ties are broken.
const DELIMITERS: [char; 3] = [',', ';', '\t'];
/// How many records the delimiter sniffer looks at.
const SNIFF_RECORDS: usize = 50;

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

/// A file split into named columns of trimmed text cells, nothing interpreted yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub delimiter: char,
    pub header: Vec<String>,
    /// Column-major: `columns[c][r]` is row `r` of column `c`.
    pub columns: Vec<Vec<String>>,
    /// The file line on which each row starts, for messages.
    pub row_lines: Vec<usize>,
}

/// How a column reads, decided from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    /// Numbers (a few missing values allowed).
    Numeric,
    /// A handful of repeated text values: one-hot encoded as features.
    Categorical,
    /// One value on every row: carries no information, left out of the features.
    Constant,
    /// Unique per row (names, keys, row numbers): would let a model memorise rows, left out.
    Identifier,
    /// Nothing but missing values.
    Empty,
}

/// What a column looks like, for the import preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    pub missing: usize,
    pub distinct: usize,
}

/// What to do with rows that have a missing value in a column the model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MissingPolicy {
    /// Leave such rows out: nothing is made up.
    #[default]
    DropRows,
    /// Fill numbers with the column mean and categories with the most common value.
    Impute,
}

/// The person's choices for turning a table into a dataset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    /// The column to predict; the last column when not given.
    pub target: Option<String>,
    /// Classification or regression; inferred from the target when not given.
    pub task: Option<Task>,
    pub missing: MissingPolicy,
    /// Read every other column as the pixels of an image of this shape.
    pub image_shape: Option<ImageShape>,
}

/// How raw column values became the dataset's features: what a package needs to encode a new
/// row the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnEncoding {
    /// One feature, the number itself; `fill` replaces a missing value.
    Numeric { column: String, fill: f32 },
    /// One 0/1 feature per category, in this order; `fill` replaces a missing value.
    OneHot {
        column: String,
        categories: Vec<String>,
        fill: String,
    },
}

/// The dataset and what the import decided on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub dataset: Dataset,
    pub encoding: Vec<ColumnEncoding>,
    pub task: Task,
    /// Rows left out for a missing value.
    pub dropped_rows: usize,
    /// Columns left out of the features, with the reason.
    pub ignored_columns: Vec<(String, ColumnKind)>,
}

/// Decodes and splits a file. Accepts UTF-8 with or without a byte-order mark, `\n` or `\r\n`
/// line ends, and RFC 4180 quoting (quoted delimiters, doubled quotes, line breaks in quotes).
pub fn read_table(bytes: &[u8]) -> Result<Table, CsvError> {
    read(bytes, MIN_ROWS, false)
}

/// Reads rows to score with a model: the same rules as [`read_table`], except that one row is
/// enough and a single column is allowed (a model may take one feature).
pub fn read_rows_to_score(bytes: &[u8]) -> Result<Table, CsvError> {
    read(bytes, 1, true)
}

fn read(bytes: &[u8], min_rows: usize, single_column: bool) -> Result<Table, CsvError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(CsvError::TooLarge { bytes: bytes.len() });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| CsvError::NotText {
        line: line_of_byte(bytes, error.valid_up_to()),
    })?;
    if let Some(position) = text.find('\0') {
        return Err(CsvError::NotText {
            line: line_of_byte(bytes, position),
        });
    }
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let delimiter = match sniff_delimiter(text) {
        Err(CsvError::SingleColumn) if single_column => ',',
        sniffed => sniffed?,
    };
    let mut records = parse_records(text, delimiter, usize::MAX)?.into_iter();
    let header_record = records.next().ok_or(CsvError::Empty)?;
    let header = check_header(header_record.fields)?;
    let decimal_comma = delimiter != ',';
    let mut columns = vec![Vec::new(); header.len()];
    let mut row_lines = Vec::new();
    for record in records {
        if record.fields.len() != header.len() {
            return Err(CsvError::Ragged {
                line: record.line,
                expected: header.len(),
                found: record.fields.len(),
            });
        }
        for (column, field) in columns.iter_mut().zip(record.fields) {
            column.push(normalise_cell(field, decimal_comma));
        }
        row_lines.push(record.line);
    }
    if row_lines.len() < min_rows {
        return Err(CsvError::TooFewRows {
            found: row_lines.len(),
        });
    }
    Ok(Table {
        delimiter,
        header,
        columns,
        row_lines,
    })
}

impl Table {
    pub fn row_count(&self) -> usize {
        self.row_lines.len()
    }

    /// What each column looks like, in header order.
    pub fn profile(&self) -> Vec<ColumnProfile> {
        self.header
            .iter()
            .zip(&self.columns)
            .map(|(name, cells)| {
                let survey = Survey::of(cells);
                ColumnProfile {
                    name: name.clone(),
                    kind: survey.kind(),
                    missing: survey.missing,
                    distinct: survey.distinct.len(),
                }
            })
            .collect()
    }

    /// The task a target column suggests: text or a few whole numbers are classes, other
    /// numbers a quantity.
    pub fn suggested_task(&self, target: &str) -> Result<Task, CsvError> {
        let index = self.column_index(target)?;
        Ok(Survey::of(&self.columns[index]).suggested_task())
    }

    /// Builds the dataset: the chosen target, every usable column as features (categories
    /// one-hot encoded), missing values handled as asked.
    pub fn to_dataset(&self, name: &str, options: &ImportOptions) -> Result<Import, CsvError> {
        let target_index = match &options.target {
            Some(target) => self.column_index(target)?,
            None => self.header.len() - 1,
        };
        let target_survey = Survey::of(&self.columns[target_index]);
        let task = options
            .task
            .unwrap_or_else(|| target_survey.suggested_task());

        let mut plans = Vec::new();
        let mut ignored_columns = Vec::new();
        for (index, cells) in self.columns.iter().enumerate() {
            if index == target_index {
                continue;
            }
            let survey = Survey::of(cells);
            let kind = survey.kind();
            let pixel = options.image_shape.is_some();
            match (kind, pixel) {
                (ColumnKind::Numeric, _) | (ColumnKind::Constant, true) => {
                    if let Some(row) = survey.first_text {
                        return Err(CsvError::StrayText {
                            line: self.row_lines[row],
                            column: index + 1,
                            name: self.header[index].clone(),
                            value: cells[row].clone(),
                        });
                    }
                    plans.push((index, survey));
                }
                (ColumnKind::Categorical, false) => plans.push((index, survey)),
                (_, true) => {
                    return Err(CsvError::NonNumericPixel {
                        column: index + 1,
                        name: self.header[index].clone(),
                    });
                }
                (_, false) => ignored_columns.push((self.header[index].clone(), kind)),
            }
        }
        if let Some(shape) = options.image_shape {
            let expected = shape.height * shape.width;
            if plans.len() != expected {
                return Err(CsvError::ImageShape {
                    height: shape.height,
                    width: shape.width,
                    expected,
                    found: plans.len(),
                });
            }
        }
        if plans.is_empty() {
            return Err(CsvError::NoFeature);
        }

        // Rows kept: a target is never made up; other gaps by policy.
        let target_cells = &self.columns[target_index];
        let kept_rows: Vec<usize> = (0..self.row_count())
            .filter(|&row| !is_missing(&target_cells[row]))
            .filter(|&row| {
                options.missing == MissingPolicy::Impute
                    || plans
                        .iter()
                        .all(|(index, _)| !is_missing(&self.columns[*index][row]))
            })
            .collect();
        if kept_rows.is_empty() {
            return Err(CsvError::NoCompleteRow);
        }
        if kept_rows.len() < MIN_ROWS {
            return Err(CsvError::TooFewRows {
                found: kept_rows.len(),
            });
        }

        let target = self.target(target_index, task, &kept_rows)?;
        let encoding: Vec<ColumnEncoding> = plans
            .iter()
            .map(|(index, survey)| survey.encoding(&self.header[*index]))
            .collect();
        let feature_names = encoding
            .iter()
            .flat_map(|encoding| match encoding {
                ColumnEncoding::Numeric { column, .. } => vec![column.clone()],
                ColumnEncoding::OneHot {
                    column, categories, ..
                } => categories
                    .iter()
                    .map(|category| format!("{column}={category}"))
                    .collect(),
            })
            .collect::<Vec<_>>();
        let mut features = Vec::with_capacity(kept_rows.len() * feature_names.len());
        for &row in &kept_rows {
            for ((index, _), encoding) in plans.iter().zip(&encoding) {
                encode_cell(&self.columns[*index][row], encoding, &mut features);
            }
        }
        Ok(Import {
            dataset: Dataset {
                name: name.to_owned(),
                feature_names,
                features,
                target,
                image_shape: options.image_shape,
            },
            encoding,
            task,
            dropped_rows: self.row_count() - kept_rows.len(),
            ignored_columns,
        })
    }

    fn column_index(&self, name: &str) -> Result<usize, CsvError> {
        self.header
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| CsvError::UnknownTarget(name.to_owned()))
    }

    fn target(&self, index: usize, task: Task, rows: &[usize]) -> Result<Target, CsvError> {
        let name = self.header[index].clone();
        let cells = &self.columns[index];
        match task {
            Task::Regression => {
                let mut values = Vec::with_capacity(rows.len());
                for &row in rows {
                    let value =
                        parse_number(&cells[row]).ok_or_else(|| CsvError::NonNumericTarget {
                            line: self.row_lines[row],
                            name: name.clone(),
                            value: cells[row].clone(),
                        })?;
                    values.push(value as f32);
                }
                if values.iter().all(|&value| value == values[0]) {
                    return Err(CsvError::ConstantTarget { name });
                }
                Ok(Target::Values { name, values })
            }
            Task::Classification => {
                let distinct: BTreeSet<&str> =
                    rows.iter().map(|&row| cells[row].as_str()).collect();
                let class_names = sorted_categories(distinct);
                match class_names.len() {
                    1 => Err(CsvError::SingleClass {
                        name,
                        class: class_names[0].clone(),
                    }),
                    count if count > MAX_CLASSES => {
                        Err(CsvError::TooManyClasses { name, found: count })
                    }
                    _ => {
                        let index_of: BTreeMap<&str, u32> = class_names
                            .iter()
                            .enumerate()
                            .map(|(i, class)| (class.as_str(), i as u32))
                            .collect();
                        let labels = rows
                            .iter()
                            .map(|&row| index_of[cells[row].as_str()])
                            .collect();
                        Ok(Target::Classes {
                            name,
                            labels,
                            class_names,
                        })
                    }
                }
            }
        }
    }
}

/// Appends the features one raw cell becomes.
fn encode_cell(cell: &str, encoding: &ColumnEncoding, features: &mut Vec<f32>) {
    match encoding {
        ColumnEncoding::Numeric { fill, .. } => {
            features.push(parse_number(cell).map_or(*fill, |value| value as f32));
        }
        ColumnEncoding::OneHot {
            categories, fill, ..
        } => {
            let value = if is_missing(cell) {
                fill.as_str()
            } else {
                cell
            };
            features.extend(
                categories
                    .iter()
                    .map(|category| f32::from(u8::from(category == value))),
            );
        }
    }
}

/// One pass over a column's cells: what a profile, a task guess and an encoding need.
struct Survey<'a> {
    missing: usize,
    /// Distinct non-missing values with their counts.
    distinct: BTreeMap<&'a str, usize>,
    numbers: Vec<f64>,
    /// The first row whose non-missing value is not a number.
    first_text: Option<usize>,
}

impl<'a> Survey<'a> {
    fn of(cells: &'a [String]) -> Self {
        let mut survey = Survey {
            missing: 0,
            distinct: BTreeMap::new(),
            numbers: Vec::new(),
            first_text: None,
        };
        for (row, cell) in cells.iter().enumerate() {
            if is_missing(cell) {
                survey.missing += 1;
                continue;
            }
            *survey.distinct.entry(cell.as_str()).or_default() += 1;
            match parse_number(cell) {
                Some(number) => survey.numbers.push(number),
                None => {
                    survey.first_text.get_or_insert(row);
                }
            }
        }
        survey
    }

    fn present(&self) -> usize {
        self.distinct.values().sum()
    }

    /// Numeric when at least 90% of the values are numbers: the rest are typos to point at,
    /// not a reason to treat the column as text.
    fn is_numeric(&self) -> bool {
        !self.numbers.is_empty() && self.numbers.len() * 10 >= self.present() * 9
    }

    fn kind(&self) -> ColumnKind {
        match self.distinct.len() {
            0 => ColumnKind::Empty,
            1 => ColumnKind::Constant,
            distinct if self.is_numeric() => {
                if self.first_text.is_none() && is_row_number(&self.numbers, distinct) {
                    ColumnKind::Identifier
                } else {
                    ColumnKind::Numeric
                }
            }
            distinct if distinct > MAX_CATEGORIES => ColumnKind::Identifier,
            distinct if distinct == self.present() && distinct > 20 => ColumnKind::Identifier,
            _ => ColumnKind::Categorical,
        }
    }

    fn suggested_task(&self) -> Task {
        let whole_numbers = self.numbers.iter().all(|n| n.fract() == 0.0);
        if self.first_text.is_none() && !(whole_numbers && self.distinct.len() <= 10) {
            Task::Regression
        } else {
            Task::Classification
        }
    }

    fn encoding(&self, column: &str) -> ColumnEncoding {
        if self.is_numeric() {
            let mean = self.numbers.iter().sum::<f64>() / self.numbers.len() as f64;
            return ColumnEncoding::Numeric {
                column: column.to_owned(),
                fill: mean as f32,
            };
        }
        // Ties for the most common value go to the first in sorted order, so a re-import
        // fills the same way.
        let fill = self
            .distinct
            .iter()
            .fold(None::<(&str, usize)>, |best, (&value, &count)| match best {
                Some((_, best_count)) if best_count >= count => best,
                _ => Some((value, count)),
            })
            .map(|(value, _)| value.to_owned())
            .unwrap_or_default();
        ColumnEncoding::OneHot {
            column: column.to_owned(),
            categories: sorted_categories(self.distinct.keys().copied().collect()),
            fill,
        }
    }
}

/// A column of distinct whole numbers forming one consecutive run (1, 2, 3, ...) is a row
/// number, whatever its name.
fn is_row_number(numbers: &[f64], distinct: usize) -> bool {
    if distinct != numbers.len() || distinct < 20 || numbers.iter().any(|n| n.fract() != 0.0) {
        return false;
    }
    let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
    let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max - min + 1.0 == distinct as f64
}

/// Categories in a stable order: numerically when they are all numbers (2 before 10), else
/// alphabetically.
fn sorted_categories(values: BTreeSet<&str>) -> Vec<String> {
    let mut values: Vec<&str> = values.into_iter().collect();
    if values.iter().all(|value| parse_number(value).is_some()) {
        values.sort_by(|a, b| {
            let (a, b) = (
                parse_number(a).unwrap_or(0.0),
                parse_number(b).unwrap_or(0.0),
            );
            a.total_cmp(&b)
        });
    }
    values.into_iter().map(str::to_owned).collect()
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

/// The spellings of "no value here" that spreadsheets and R/pandas exports use.
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty()
        || ["na", "n/a", "nan", "null", "none", "?"]
            .iter()
            .any(|token| cell.eq_ignore_ascii_case(token))
}

/// A finite number, or `None` (text, infinity).
fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Trims a cell and, in files whose delimiter is not a comma, reads "1,5" as 1.5.
fn normalise_cell(cell: String, decimal_comma: bool) -> String {
    let trimmed = cell.trim();
    if decimal_comma
        && trimmed.matches(',').count() == 1
        && parse_number(trimmed).is_none()
        && let Some(number) = parse_number(&trimmed.replacen(',', ".", 1))
    {
        return number.to_string();
    }
    trimmed.to_owned()
}

fn line_of_byte(bytes: &[u8], position: usize) -> usize {
    bytes[..position].iter().filter(|&&b| b == b'\n').count() + 1
}

struct Record {
    /// The line on which the record starts.
    line: usize,
    fields: Vec<String>,
}

/// Splits text into records; blank lines are skipped. Stops after `limit` records.
fn parse_records(text: &str, delimiter: char, limit: usize) -> Result<Vec<Record>, CsvError> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() && records.len() < limit {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut in_quotes = false;
        let mut quote_line = line;
        loop {
            let Some(c) = chars.next() else {
                if in_quotes {
                    return Err(CsvError::UnclosedQuote { line: quote_line });
                }
                break;
            };
            if in_quotes {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => in_quotes = false,
                    '\n' => {
                        line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '"' if field.trim().is_empty() => {
                    field.clear();
                    in_quotes = true;
                    quote_line = line;
                }
                '\n' => {
                    line += 1;
                    break;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                c if c == delimiter => fields.push(std::mem::take(&mut field)),
                _ => field.push(c),
            }
        }
        fields.push(field);
        let blank = fields.len() == 1 && fields[0].trim().is_empty();
        if !blank {
            records.push(Record {
                line: start_line,
                fields,
            });
        }
    }
    Ok(records)
}

/// The delimiter that splits the first records into the same number of fields, the most
/// fields winning; a file no candidate splits has a single column.
fn sniff_delimiter(text: &str) -> Result<char, CsvError> {
    let mut best: Option<(char, bool, usize)> = None;
    for delimiter in DELIMITERS {
        let records = match parse_records(text, delimiter, SNIFF_RECORDS) {
            Ok(records) => records,
            Err(CsvError::UnclosedQuote { .. }) if delimiter != ',' => continue,
            Err(error) => return Err(error),
        };
        let Some(first) = records.first() else {
            return Err(CsvError::Empty);
        };
        let width = first.fields.len();
        if width < 2 {
            continue;
        }
        let consistent = records.iter().all(|r| r.fields.len() == width);
        let better = match best {
            None => true,
            Some((_, best_consistent, best_width)) => {
                (consistent, width) > (best_consistent, best_width)
            }
        };
        if better {
            best = Some((delimiter, consistent, width));
        }
    }
    best.map(|(delimiter, _, _)| delimiter)
        .ok_or(CsvError::SingleColumn)
}

/// Names the columns: trimmed, blanks named by position, duplicates and all-number headers
/// refused.
fn check_header(fields: Vec<String>) -> Result<Vec<String>, CsvError> {
    if fields.len() > MAX_COLUMNS {
        return Err(CsvError::TooManyColumns {
            found: fields.len(),
        });
    }
    let names: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(index, name)| match name.trim() {
            "" => format!("column {}", index + 1),
            name => name.to_owned(),
        })
        .collect();
    if names.iter().all(|name| parse_number(name).is_some()) {
        return Err(CsvError::NoHeader);
    }
    let mut seen = BTreeMap::new();
    for (index, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), index + 1) {
            return Err(CsvError::DuplicateColumn {
                name: name.clone(),
                first,
                second: index + 1,
            });
        }
    }
    Ok(names)
}
