//! MLflow's scoring protocol, so any client written for an MLflow model server talks to
//! `kindling serve` unchanged: a `POST /invocations` body is one of
//!
//! - `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}` (pandas' split orient),
//! - `{"dataframe_records": [{"column": value, ...}, ...]}`,
//! - `{"instances": [...]}` or `{"inputs": [...]}`: records, or rows in the model's column order,
//!
//! and the answer is `{"predictions": [...]}`, one record per row with the columns the
//! browser's predictions.csv adds (`predicted_<target>`, and `probability_<class>` per class),
//! as MLflow answers for a model that predicts a table. Cells are read as the batch scorer reads
//! a CSV's (`scoring::batch`): numbers, category text, and `null` or `""` for a missing value;
//! the same columns are required and the same problems refused, in the same words.

use serde_json::{Map, Value, json};

use super::batch::feature_matrix_of;
use crate::data::csv::Table;
use crate::signature::{ModelSignature, Output, Prediction};

/// A request larger than this is refused before it is read (the server's body limit).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// What the request holds, read into the batch scorer's table. `Err` is the 400's message.
pub fn read_request(body: &[u8], signature: &ModelSignature) -> Result<Table, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| format!("the request body is not JSON: {error}"))?;
    let Value::Object(fields) = value else {
        return Err(not_a_request("the request body is not a JSON object"));
    };
    let known = [
        "dataframe_split",
        "dataframe_records",
        "instances",
        "inputs",
    ];
    let given: Vec<&String> = fields
        .keys()
        .filter(|key| known.contains(&key.as_str()))
        .collect();
    let (key, payload) = match given.as_slice() {
        [key] => (key.as_str(), &fields[key.as_str()]),
        [] => return Err(not_a_request("the request names no rows to score")),
        _ => {
            return Err(format!(
                "the request holds {} at once; send exactly one of them",
                given
                    .iter()
                    .map(|key| format!("'{key}'"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
    };
    let (header, rows) = match key {
        "dataframe_split" => split(payload)?,
        _ => rows_of(payload, key, &signature.feature_names)?,
    };
    if rows.is_empty() {
        return Err(format!("'{key}' holds no rows to score"));
    }
    let mut columns = vec![Vec::with_capacity(rows.len()); header.len()];
    for (number, row) in rows.iter().enumerate() {
        if row.len() != header.len() {
            return Err(format!(
                "row {} has {} values, and there are {} columns",
                number + 1,
                row.len(),
                header.len()
            ));
        }
        for (column, cell) in row.iter().enumerate() {
            columns[column].push(cell_text(cell).ok_or_else(|| {
                format!(
                    "row {}, column '{}' holds {cell}, which is not a number, a category or null",
                    number + 1,
                    header[column]
                )
            })?);
        }
    }
    Ok(Table {
        delimiter: ',',
        header,
        columns,
        row_lines: (1..=rows.len()).collect(),
    })
}

fn not_a_request(what: &str) -> String {
    format!(
        "{what}: MLflow's scoring protocol sends an object with one of 'dataframe_split', \
         'dataframe_records', 'instances' or 'inputs'"
    )
}

type Rows = (Vec<String>, Vec<Vec<Value>>);

fn split(payload: &Value) -> Result<Rows, String> {
    let columns = payload
        .get("columns")
        .and_then(Value::as_array)
        .ok_or("'dataframe_split' needs 'columns': a list of column names")?;
    let header = columns
        .iter()
        .map(|name| name.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()
        .ok_or("'dataframe_split' 'columns' must all be text")?;
    let data = payload
        .get("data")
        .and_then(Value::as_array)
        .ok_or("'dataframe_split' needs 'data': a list of rows")?;
    let rows = data
        .iter()
        .enumerate()
        .map(|(number, row)| {
            row.as_array()
                .cloned()
                .ok_or_else(|| format!("row {} of 'data' is not a list of values", number + 1))
        })
        .collect::<Result<_, _>>()?;
    Ok((header, rows))
}

/// Records (objects, by column name) or plain rows (in the model's column order).
fn rows_of(payload: &Value, key: &str, feature_names: &[String]) -> Result<Rows, String> {
    let items = payload
        .as_array()
        .ok_or_else(|| format!("'{key}' must be a list of rows"))?;
    if items.iter().all(Value::is_array) {
        let rows = items
            .iter()
            .map(|row| row.as_array().cloned().unwrap_or_default())
            .collect();
        return Ok((feature_names.to_vec(), rows));
    }
    let records: Vec<&Map<String, Value>> = items
        .iter()
        .enumerate()
        .map(|(number, item)| {
            item.as_object().ok_or_else(|| {
                format!(
                    "row {} of '{key}' is neither a record nor a list of values",
                    number + 1
                )
            })
        })
        .collect::<Result<_, _>>()?;
    // Every column any record names, in the order first seen.
    let mut header: Vec<String> = Vec::new();
    for record in &records {
        for name in record.keys() {
            if !header.contains(name) {
                header.push(name.clone());
            }
        }
    }
    let rows = records
        .iter()
        .map(|record| {
            header
                .iter()
                .map(|name| record.get(name).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect();
    Ok((header, rows))
}

/// A cell as the CSV reader would have held it: numbers in their shortest form, text as it
/// is, null as empty (missing).
fn cell_text(cell: &Value) -> Option<String> {
    match cell {
        Value::Null => Some(String::new()),
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The features of every row, or the batch scorer's refusal as one message.
pub fn features(signature: &ModelSignature, table: &Table) -> Result<Vec<f32>, String> {
    feature_matrix_of("the request", signature, table)
        .map(|(features, _notes)| features)
        .map_err(|refusal| {
            std::iter::once(refusal.heading)
                .chain(refusal.problems)
                .collect::<Vec<_>>()
                .join(" ")
        })
}

/// `{"predictions": [...]}`: one record per row, named as predictions.csv names its columns.
pub fn answer(signature: &ModelSignature, predictions: &[Prediction]) -> Value {
    let records: Vec<Value> = predictions
        .iter()
        .map(|prediction| match (&signature.output, prediction) {
            (
                Output::Classes {
                    target,
                    class_names,
                },
                Prediction::Class {
                    label,
                    probabilities,
                },
            ) => {
                let mut record = Map::new();
                record.insert(
                    format!("predicted_{target}"),
                    json!(class_names.get(*label as usize)),
                );
                for (class, probability) in class_names.iter().zip(probabilities) {
                    record.insert(format!("probability_{class}"), json!(probability));
                }
                Value::Object(record)
            }
            (Output::Value { target }, Prediction::Value(value)) => {
                json!({ format!("predicted_{target}"): value })
            }
            _ => Value::Null,
        })
        .collect();
    json!({ "predictions": records })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::version;

    fn signature() -> ModelSignature {
        version("m", 1).signature
    }

    fn table(body: &str) -> Result<Table, String> {
        read_request(body.as_bytes(), &signature())
    }

    #[test]
    fn every_request_shape_reads_to_the_same_table() {
        let names = signature().feature_names;
        assert_eq!(names.len(), 2, "{names:?}");
        let (a, b) = (&names[0], &names[1]);
        let split = format!(
            r#"{{"dataframe_split": {{"columns": ["{a}", "{b}"], "data": [[0.5, -1], [2, 3.25]]}}}}"#
        );
        let records = format!(
            r#"{{"dataframe_records": [{{"{a}": 0.5, "{b}": -1}}, {{"{b}": 3.25, "{a}": 2}}]}}"#
        );
        let instances = r#"{"instances": [[0.5, -1], [2, 3.25]]}"#.to_owned();
        let inputs =
            format!(r#"{{"inputs": [{{"{a}": 0.5, "{b}": -1}}, {{"{a}": 2, "{b}": 3.25}}]}}"#);
        let expected = features(&signature(), &table(&split).unwrap()).unwrap();
        assert_eq!(expected, [0.5, -1.0, 2.0, 3.25]);
        for body in [records, instances, inputs] {
            assert_eq!(
                features(&signature(), &table(&body).unwrap()).unwrap(),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn bad_requests_are_refused_in_words() {
        let a = &signature().feature_names[0];
        let refused = |body: &str| {
            table(body)
                .and_then(|table| features(&signature(), &table))
                .unwrap_err()
        };
        assert!(refused("not json").starts_with("the request body is not JSON"));
        assert!(refused("[1, 2]").starts_with("the request body is not a JSON object"));
        assert!(refused(r#"{"rows": []}"#).starts_with("the request names no rows"));
        assert!(
            refused(r#"{"instances": [[1, 2]], "inputs": [[1, 2]]}"#)
                .contains("send exactly one of them")
        );
        assert_eq!(
            refused(r#"{"instances": []}"#),
            "'instances' holds no rows to score"
        );
        assert!(refused(r#"{"instances": [[1, 2, 3]]}"#).starts_with("row 1 has 3 values"));
        assert!(refused(r#"{"instances": [[true, 2]]}"#).contains("holds true, which is not"));
        let missing = refused(&format!(r#"{{"dataframe_records": [{{"{a}": 1}}]}}"#));
        assert!(
            missing.starts_with("the request has no column"),
            "{missing}"
        );
        let text = refused(r#"{"instances": [["many", 2]]}"#);
        assert!(text.contains("'many' is not a number"), "{text}");
    }

    #[test]
    fn answers_are_records_named_as_predictions_csv_names_its_columns() {
        let signature = signature();
        let Output::Classes {
            target,
            class_names,
        } = &signature.output
        else {
            panic!("the fixture is a classifier");
        };
        let probabilities = vec![0.25; class_names.len()];
        let answered = answer(
            &signature,
            &[Prediction::Class {
                label: 1,
                probabilities: probabilities.clone(),
            }],
        );
        let record = &answered["predictions"][0];
        assert_eq!(record[format!("predicted_{target}")], json!(class_names[1]));
        assert_eq!(
            record[format!("probability_{}", class_names[0])],
            json!(0.25)
        );
    }
}
