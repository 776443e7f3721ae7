//! Reading a file: bytes decoded, the delimiter sniffed, quotes honoured, the header checked
//! and the rows split into trimmed text cells, nothing interpreted yet.

use std::collections::BTreeMap;

use super::error::{CsvError, MAX_COLUMNS, MAX_FILE_BYTES, MIN_ROWS};

/// Candidate delimiters, in the order ties are broken.
const DELIMITERS: [char; 3] = [',', ';', '\t'];
/// How many records the delimiter sniffer looks at.
const SNIFF_RECORDS: usize = 50;

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

impl Table {
    pub fn row_count(&self) -> usize {
        self.row_lines.len()
    }
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
    let mut records = Records::new(text, delimiter);
    let header_record = match records.next_record(MAX_COLUMNS) {
        Ok(Some(record)) => record,
        Ok(None) => return Err(CsvError::Empty),
        Err(ReadError::Csv(error)) => return Err(error),
        Err(ReadError::TooWide(TooWide { found, .. })) => {
            return Err(CsvError::TooManyColumns { found });
        }
    };
    let header = check_header(header_record.fields)?;
    let decimal_comma = delimiter != ',';
    let mut columns = vec![Vec::new(); header.len()];
    let mut row_lines = Vec::new();
    loop {
        // Rows are checked against the header's width as they are read.
        let record = match records.next_record(header.len()) {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(ReadError::Csv(error)) => return Err(error),
            Err(ReadError::TooWide(TooWide { line, found })) => {
                return Err(CsvError::Ragged {
                    line,
                    expected: header.len(),
                    found,
                });
            }
        };
        if record.fields.len() != header.len() {
            return Err(CsvError::Ragged {
                line: record.line,
                expected: header.len(),
                found: record.fields.len(),
            });
        }
        for ((column, field), name) in columns.iter_mut().zip(record.fields).zip(&header) {
            let cell = normalise_cell(field, decimal_comma);
            // Finite as f64 but infinite once cast to the f32 every model computes in.
            if parse_number(&cell).is_some_and(|number| number.abs() > f64::from(f32::MAX)) {
                return Err(CsvError::BeyondSinglePrecision {
                    line: record.line,
                    name: name.clone(),
                    value: cell,
                });
            }
            column.push(cell);
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

/// The spellings of "no value here" that spreadsheets and R/pandas exports use.
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty()
        || ["na", "n/a", "nan", "null", "none", "?"]
            .iter()
            .any(|token| cell.eq_ignore_ascii_case(token))
}

/// A finite number, or `None` (text, infinity).
pub(super) fn parse_number(cell: &str) -> Option<f64> {
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

/// A record with more fields than the reader was allowed to keep: only counted, never stored,
/// so one line of 50 million commas costs a scan, not gigabytes of empty strings.
struct TooWide {
    line: usize,
    found: usize,
}

/// Reads records one at a time; blank lines are skipped.
struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    delimiter: char,
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, delimiter: char) -> Self {
        Self {
            chars: text.chars().peekable(),
            delimiter,
            line: 1,
        }
    }

    /// The next record, keeping at most `max_fields` fields (a wider one is [`TooWide`]).
    fn next_record(&mut self, max_fields: usize) -> Result<Option<Record>, ReadError> {
        while self.chars.peek().is_some() {
            let start_line = self.line;
            let mut fields = Vec::new();
            let mut field = String::new();
            let mut extra_fields = 0usize;
            let mut in_quotes = false;
            let mut quote_line = self.line;
            loop {
                let Some(c) = self.chars.next() else {
                    if in_quotes {
                        return Err(ReadError::Csv(CsvError::UnclosedQuote { line: quote_line }));
                    }
                    break;
                };
                if in_quotes {
                    match c {
                        '"' if self.chars.peek() == Some(&'"') => {
                            self.chars.next();
                            field.push('"');
                        }
                        '"' => in_quotes = false,
                        '\n' => {
                            self.line += 1;
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
                        quote_line = self.line;
                    }
                    '\n' => {
                        self.line += 1;
                        break;
                    }
                    '\r' if self.chars.peek() == Some(&'\n') => {}
                    c if c == self.delimiter => {
                        if fields.len() < max_fields {
                            fields.push(std::mem::take(&mut field));
                        } else {
                            field.clear();
                            extra_fields += 1;
                        }
                    }
                    _ => field.push(c),
                }
            }
            let found = fields.len() + extra_fields + 1;
            if found > max_fields {
                return Err(ReadError::TooWide(TooWide {
                    line: start_line,
                    found,
                }));
            }
            fields.push(field);
            let blank = fields.len() == 1 && fields[0].trim().is_empty();
            if !blank {
                return Ok(Some(Record {
                    line: start_line,
                    fields,
                }));
            }
        }
        Ok(None)
    }
}

enum ReadError {
    Csv(CsvError),
    TooWide(TooWide),
}

/// The first `limit` records, up to the first one wider than the most columns a file may have
/// (then `true`: the split is not consistent). A header that wide is refused.
fn first_records(
    text: &str,
    delimiter: char,
    limit: usize,
) -> Result<(Vec<Record>, bool), CsvError> {
    let mut reader = Records::new(text, delimiter);
    let mut records = Vec::new();
    while records.len() < limit {
        match reader.next_record(MAX_COLUMNS) {
            Ok(Some(record)) => records.push(record),
            Ok(None) => break,
            Err(ReadError::Csv(error)) => return Err(error),
            Err(ReadError::TooWide(TooWide { found, .. })) if records.is_empty() => {
                return Err(CsvError::TooManyColumns { found });
            }
            Err(ReadError::TooWide(_)) => return Ok((records, true)),
        }
    }
    Ok((records, false))
}

/// The delimiter that splits the first records into the same number of fields, the most
/// fields winning; a file no candidate splits has a single column.
fn sniff_delimiter(text: &str) -> Result<char, CsvError> {
    let mut best: Option<(char, bool, usize)> = None;
    for delimiter in DELIMITERS {
        let (records, too_wide) = match first_records(text, delimiter, SNIFF_RECORDS) {
            Ok(read) => read,
            Err(CsvError::UnclosedQuote { .. }) if delimiter != ',' => continue,
            // Too wide split this way: another delimiter may read it, or none will.
            Err(CsvError::TooManyColumns { .. }) if delimiter != ',' => continue,
            Err(error) => return Err(error),
        };
        let Some(first) = records.first() else {
            return Err(CsvError::Empty);
        };
        let width = first.fields.len();
        if width < 2 {
            continue;
        }
        let consistent = !too_wide && records.iter().all(|r| r.fields.len() == width);
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
