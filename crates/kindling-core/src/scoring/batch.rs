//! Scoring a whole file with a model: the file's columns checked against the model's inputs,
//! every cell the model needs read as a number (or the first few that are not, listed), and the
//! answers written beside the original columns as CSV a spreadsheet opens safely.

use crate::data::csv::{CsvError, Table, read_rows_to_score};
use crate::data::prepare::UNSEEN;
use crate::registry::ModelVersion;
use crate::signature::{ModelSignature, Output, Prediction};

use super::form::{listed, percent, value_text};

/// Rows shown in the batch preview.
pub const PREVIEW_ROWS: usize = 10;
/// Cells that are not numbers, listed before "and N more".
const MAX_PROBLEMS: usize = 5;

/// A CSV file picked for scoring.
pub struct BatchFile {
    pub name: String,
    pub table: Table,
}

/// Scored rows, ready to preview and download.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The file's columns, then the prediction columns.
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// How many of `header`'s columns came from the file.
    pub original_columns: usize,
    /// The prediction columns' text as the preview shows it (probabilities as percentages).
    pub preview: Vec<Vec<String>>,
    pub summary: Vec<String>,
}

/// Why a file cannot be scored: a heading, and the first few cells at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub heading: String,
    pub problems: Vec<String>,
}

/// Reads a CSV to score; a file with a header and no rows is said in this page's words.
pub fn read_rows(bytes: &[u8]) -> Result<Table, String> {
    read_rows_to_score(bytes).map_err(|error| match error {
        CsvError::TooFewRows { .. } => "the file has column names but no rows to score".to_owned(),
        error => error.to_string(),
    })
}

/// The model's rows from the file, or everything that stops them.
pub fn feature_matrix(
    signature: &ModelSignature,
    table: &Table,
) -> Result<(Vec<f32>, Vec<String>), Refusal> {
    feature_matrix_of("the file", signature, table)
}

/// [`feature_matrix`] of rows that came from `source` ("the file", "the request"), which
/// the refusals name.
pub fn feature_matrix_of(
    source: &str,
    signature: &ModelSignature,
    table: &Table,
) -> Result<(Vec<f32>, Vec<String>), Refusal> {
    let index_of = |name: &str| table.header.iter().position(|h| h == name);
    let missing: Vec<&String> = signature
        .feature_names
        .iter()
        .filter(|name| index_of(name).is_none())
        .collect();
    if !missing.is_empty() {
        let quoted = missing
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if missing.len() == 1 {
            "column"
        } else {
            "columns"
        };
        return Err(Refusal {
            heading: format!(
                "{source} has no {noun} {quoted}; the model needs: {}",
                listed(&signature.feature_names)
            ),
            problems: Vec::new(),
        });
    }
    let indices: Vec<usize> = signature
        .feature_names
        .iter()
        .filter_map(|name| index_of(name))
        .collect();
    let mut notes = Vec::new();
    let unused: Vec<String> = table
        .header
        .iter()
        .filter(|h| !signature.feature_names.contains(h))
        .cloned()
        .collect();
    match unused.len() {
        0 => {}
        1 => notes.push(format!(
            "1 column the model does not use was passed through: {}",
            unused[0]
        )),
        count => notes.push(format!(
            "{count} columns the model does not use were passed through: {}",
            listed(&unused)
        )),
    }
    let rows = table.row_count();
    let mut values = Vec::with_capacity(rows * indices.len());
    let mut problems = Vec::new();
    let mut problem_count = 0usize;
    let mut unseen = vec![0usize; indices.len()];
    for row in 0..rows {
        for (input, &column) in indices.iter().enumerate() {
            let cell = &table.columns[column][row];
            match signature.code_of(input, cell) {
                Ok(code) => {
                    unseen[input] += usize::from(code == UNSEEN);
                    values.push(code);
                }
                Err(_) => {
                    problem_count += 1;
                    if problems.len() < MAX_PROBLEMS {
                        let name = &table.header[column];
                        problems.push(if cell.is_empty() {
                            format!("row {}, column '{name}' is empty", row + 1)
                        } else {
                            format!("row {}, column '{name}': '{cell}' is not a number", row + 1)
                        });
                    }
                }
            }
        }
    }
    for (input, count) in unseen.iter().enumerate().filter(|(_, count)| **count > 0) {
        notes.push(format!(
            "{count} row{} of '{}' hold a category the model never saw in training; it reads \
             them as none of the ones it knows",
            if *count == 1 { "" } else { "s" },
            signature.feature_names[input]
        ));
    }
    if problem_count > 0 {
        if problem_count > problems.len() {
            problems.push(format!(
                "and {} more cells like these",
                problem_count - problems.len()
            ));
        }
        let heading = if problem_count == 1 {
            "1 cell the model needs is not a number, so nothing was scored:".to_owned()
        } else {
            format!("{problem_count} cells the model needs are not numbers, so nothing was scored:")
        };
        return Err(Refusal { heading, problems });
    }
    Ok((values, notes))
}

/// The file's rows with the answers beside them, and what to say about them.
pub fn scored(
    file: &BatchFile,
    version: &ModelVersion,
    predictions: &[Prediction],
    mut notes: Vec<String>,
) -> Result<Scored, String> {
    let table = &file.table;
    let rows = table.row_count();
    if predictions.len() != rows {
        return Err(format!(
            "the model answered {} rows of {rows}; nothing was scored",
            predictions.len()
        ));
    }
    let signature = &version.signature;
    let mut header = table.header.clone();
    let mut added = Vec::with_capacity(rows);
    let mut preview = Vec::new();
    match &signature.output {
        Output::Classes {
            target,
            class_names,
        } => {
            header.push(format!("predicted_{target}"));
            header.extend(
                class_names
                    .iter()
                    .map(|class| format!("probability_{class}")),
            );
            for (row, prediction) in predictions.iter().enumerate() {
                let Prediction::Class {
                    label,
                    probabilities,
                } = prediction
                else {
                    return Err("the model answered with numbers, not classes".to_owned());
                };
                let name = class_names
                    .get(*label as usize)
                    .cloned()
                    .unwrap_or_default();
                let mut cells = vec![name.clone()];
                cells.extend(probabilities.iter().map(|p| p.to_string()));
                added.push(cells);
                if row < PREVIEW_ROWS {
                    let mut shown = vec![name];
                    shown.extend(probabilities.iter().map(|&p| percent(p)));
                    preview.push(shown);
                }
            }
            if let Some(column) = table.header.iter().position(|h| h == target) {
                let (mut compared, mut agreed) = (0usize, 0usize);
                for (row, cells) in added.iter().enumerate() {
                    let given = &table.columns[column][row];
                    if class_names.contains(given) {
                        compared += 1;
                        agreed += usize::from(*given == cells[0]);
                    }
                }
                if compared > 0 {
                    notes.push(format!(
                        "The file's '{target}' column agrees with the predictions on {agreed} of {compared} rows ({}).",
                        percent(agreed as f32 / compared as f32)
                    ));
                }
            }
        }
        Output::Value { target } => {
            header.push(format!("predicted_{target}"));
            let mut errors = Vec::new();
            let column = table.header.iter().position(|h| h == target);
            for (row, prediction) in predictions.iter().enumerate() {
                let Prediction::Value(value) = prediction else {
                    return Err("the model answered with classes, not numbers".to_owned());
                };
                added.push(vec![value.to_string()]);
                if row < PREVIEW_ROWS {
                    preview.push(vec![value_text(signature, *value)]);
                }
                if let Some(column) = column
                    && let Ok(given) = table.columns[column][row].parse::<f32>()
                    && given.is_finite()
                {
                    errors.push((given - value).abs());
                }
            }
            if !errors.is_empty() {
                let mean = errors.iter().sum::<f32>() / errors.len() as f32;
                notes.push(format!(
                    "Against the file's '{target}' column the predictions are off by {} on average (mean absolute error over {} rows).",
                    value_text(signature, mean),
                    errors.len()
                ));
            }
        }
    }
    let rows_text = if rows == 1 {
        "1 row".to_owned()
    } else {
        format!("{rows} rows")
    };
    notes.insert(
        0,
        format!(
            "Scored {rows_text} of {} with {} v{}.",
            file.name, version.model, version.version
        ),
    );
    let rows = (0..rows)
        .zip(added)
        .map(|(row, added)| {
            let mut cells: Vec<String> = table.columns.iter().map(|c| c[row].clone()).collect();
            cells.extend(added);
            cells
        })
        .collect();
    Ok(Scored {
        original_columns: table.header.len(),
        header,
        rows,
        preview,
        summary: notes,
    })
}

/// One CSV cell, quoted when it holds a comma, a quote or a line break. Text a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return before one, at the
/// start, from a class name or a passed-through cell) gets a leading `'`, as OWASP's CSV
/// injection advice says; numbers are left as they are.
pub fn csv_field(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub fn to_csv(scored: &Scored) -> String {
    let mut text = String::new();
    for line in std::iter::once(&scored.header).chain(&scored.rows) {
        let fields: Vec<String> = line.iter().map(|field| csv_field(field)).collect();
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::version;

    fn file(text: &str) -> BatchFile {
        BatchFile {
            name: "mine.csv".into(),
            table: read_rows(text.as_bytes()).unwrap(),
        }
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused_but_numbers_kept() {
        assert_eq!(csv_field("setosa"), "setosa");
        assert_eq!(csv_field("small, early"), "\"small, early\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-1.5"), "-1.5");
        assert_eq!(csv_field("+3"), "+3");
        assert_eq!(csv_field("\t=1+1"), "'\t=1+1");
        assert_eq!(csv_field("\r=1+1"), "\"'\r=1+1\"");
    }

    #[test]
    fn a_file_without_the_model_s_columns_or_with_text_in_them_is_refused_in_words() {
        let signature = version("spiral", 1).signature;
        let [x, y] = [&signature.feature_names[0], &signature.feature_names[1]];
        let missing = feature_matrix(&signature, &file(&format!("{x},other\n1,2\n")).table);
        assert!(
            missing
                .unwrap_err()
                .heading
                .contains(&format!("no column '{y}'"))
        );
        let text = file(&format!("{x},{y}\n1,oops\n2,\n3,4\n"));
        let refusal = feature_matrix(&signature, &text.table).unwrap_err();
        assert!(refusal.heading.starts_with("1 cell"), "{}", refusal.heading);
        assert_eq!(refusal.problems.len(), 1, "a gap is the model's to fill");
        assert!(refusal.problems[0].contains("'oops' is not a number"));
        assert!(
            read_rows(format!("{x},{y}\n").as_bytes())
                .unwrap_err()
                .contains("no rows")
        );
    }

    #[test]
    fn answers_go_beside_the_original_columns_with_a_summary() {
        let v = version("spiral", 1);
        let [x, y] = [&v.signature.feature_names[0], &v.signature.feature_names[1]];
        let batch = file(&format!("{x},{y},id\n1,2,a\n3,4,b\n"));
        let (rows, notes) = feature_matrix(&v.signature, &batch.table).unwrap();
        assert_eq!(rows, [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            notes,
            ["1 column the model does not use was passed through: id"]
        );
        let answers = vec![
            Prediction::Class {
                label: 1,
                probabilities: vec![0.25, 0.75],
            },
            Prediction::Class {
                label: 0,
                probabilities: vec![0.5, 0.5],
            },
        ];
        let answered = scored(&batch, &v, &answers, notes).unwrap();
        assert_eq!(answered.original_columns, 3);
        assert_eq!(answered.rows[0][3], answered.preview[0][0]);
        assert!(answered.summary[0].starts_with("Scored 2 rows of mine.csv with spiral v1."));
        let csv = to_csv(&answered);
        assert_eq!(csv.lines().count(), 3);
        assert!(
            scored(&batch, &v, &answers[..1], Vec::new()).is_err(),
            "one answer for two rows"
        );
    }
}
