//! The MLflow model inside a package (format 3 on): unzipped, a package is a directory MLflow
//! loads (`mlflow.pyfunc.load_model(dir)`) and serves (`mlflow models serve -m dir
//! --env-manager local`) as it is, so a model made in the tab deploys where a team's models do.
//!
//! - `MLmodel` names two flavours: `onnx` (the graph, for `mlflow.onnx.load_model`) and
//!   `python_function`, whose loader is `code/kindling_pyfunc.py`: MLflow's own ONNX wrapper
//!   feeds a DataFrame's columns as `[rows]` where the graph takes `[rows, 1]`, and flattens a
//!   classifier's `[rows, classes]` answer, so it cannot run these graphs. Ours answers with the
//!   columns predictions.csv and `kindling serve` answer with.
//! - The signature is column based: a number is `double`, a category `string`; the outputs are
//!   the predicted value or class and each class's probability.
//! - `input_example.json` (pandas' split orient) and `serving_input_example.json` (the same rows
//!   as a `POST /invocations` body) are the manifest's example rows.
//! - `requirements.txt` and `python_env.yaml` pin the versions the Python tests run with
//!   (`tests/python/requirements.txt`; a test keeps the two in step).
//!
//! Every file is made from the manifest alone, with no clock and no random id, so the package
//! stays byte-stable and `open` can refuse one edited by hand, as it does the card.

use serde_json::{Value, json};

use super::manifest::Example;
use crate::data::prepare::ColumnPreprocessing;
use crate::signature::{Cell, ModelSignature, Output};

pub const MLMODEL_FILE: &str = "MLmodel";
pub const INPUT_EXAMPLE_FILE: &str = "input_example.json";
pub const SERVING_INPUT_EXAMPLE_FILE: &str = "serving_input_example.json";
pub const REQUIREMENTS_FILE: &str = "requirements.txt";
pub const PYTHON_ENV_FILE: &str = "python_env.yaml";
pub const LOADER_FILE: &str = "code/kindling_pyfunc.py";
/// Every file of the MLflow model, in the order a package holds them.
pub const MLFLOW_FILES: [&str; 6] = [
    MLMODEL_FILE,
    INPUT_EXAMPLE_FILE,
    SERVING_INPUT_EXAMPLE_FILE,
    REQUIREMENTS_FILE,
    PYTHON_ENV_FILE,
    LOADER_FILE,
];
/// The MLflow release the files are written for and tested with.
pub const MLFLOW_VERSION: &str = "3.17.2";
const PYTHON_VERSION: &str = "3.11";
/// What the loader imports, at the versions the Python tests install.
const REQUIREMENTS: &str =
    "mlflow==3.17.2\nnumpy==2.4.6\nonnx==1.23.2\nonnxruntime==1.32.0\npandas==3.1.1\n";
const ONNX_VERSION: &str = "1.23.2";
const LOADER: &str = include_str!("kindling_pyfunc.py");

/// The MLflow model's files of a package of this model: `(name, bytes)` in [`MLFLOW_FILES`]'
/// order.
pub fn files(
    signature: &ModelSignature,
    example: &Example,
    created_ms: f64,
) -> Vec<(&'static str, Vec<u8>)> {
    let rows: Vec<Value> = example
        .inputs
        .iter()
        .map(|row| Value::Array(row.iter().map(cell_json).collect()))
        .collect();
    let split = json!({ "columns": signature.feature_names, "data": rows });
    let input_example = serde_json::to_vec(&split).expect("an example serialises");
    let serving = serde_json::to_vec_pretty(&json!({ "dataframe_split": split }))
        .expect("an example serialises");
    let python_env = format!(
        "python: {PYTHON_VERSION}\nbuild_dependencies:\n- pip\ndependencies:\n- -r {REQUIREMENTS_FILE}\n"
    );
    vec![
        (MLMODEL_FILE, mlmodel(signature, created_ms).into_bytes()),
        (INPUT_EXAMPLE_FILE, input_example),
        (SERVING_INPUT_EXAMPLE_FILE, serving),
        (REQUIREMENTS_FILE, REQUIREMENTS.as_bytes().to_vec()),
        (PYTHON_ENV_FILE, python_env.into_bytes()),
        (LOADER_FILE, LOADER.as_bytes().to_vec()),
    ]
}

/// The requirements a package pins, one `name==version` per line.
pub fn requirements() -> &'static str {
    REQUIREMENTS
}

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Number(number) => json!(number),
        Cell::Text(text) => json!(text),
        Cell::Missing => Value::Null,
    }
}

fn mlmodel(signature: &ModelSignature, created_ms: f64) -> String {
    // YAML's double-quoted scalars read JSON's string escapes, so JSON text quoted by
    // serde_json is a YAML string holding that text.
    let quoted =
        |value: &Value| serde_json::to_string(&value.to_string()).expect("a string serialises");
    let inputs: Vec<Value> = signature
        .feature_names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let kind = match signature.column(index) {
                ColumnPreprocessing::OneHot { .. } => "string",
                ColumnPreprocessing::Numeric { .. } => "double",
            };
            json!({ "type": kind, "name": name, "required": true })
        })
        .collect();
    let outputs: Vec<Value> = match &signature.output {
        Output::Classes {
            target,
            class_names,
        } => std::iter::once(json!({ "type": "string", "name": format!("predicted_{target}"), "required": true }))
            .chain(class_names.iter().map(|class| {
                json!({ "type": "double", "name": format!("probability_{class}"), "required": true })
            }))
            .collect(),
        Output::Value { target } => {
            vec![json!({ "type": "double", "name": format!("predicted_{target}"), "required": true })]
        }
    };
    format!(
        "flavors:\n  onnx:\n    code: null\n    data: model.onnx\n    onnx_version: {ONNX_VERSION}\n    \
         providers:\n    - CPUExecutionProvider\n  python_function:\n    code: code\n    data: model.onnx\n    \
         env:\n      virtualenv: {PYTHON_ENV_FILE}\n    loader_module: kindling_pyfunc\n    \
         python_version: '{PYTHON_VERSION}'\nmlflow_version: {MLFLOW_VERSION}\n\
         saved_input_example_info:\n  artifact_path: {INPUT_EXAMPLE_FILE}\n  pandas_orient: split\n  \
         serving_input_path: {SERVING_INPUT_EXAMPLE_FILE}\n  type: dataframe\n\
         signature:\n  inputs: {}\n  outputs: {}\n  params: null\nutc_time_created: '{}'\n",
        quoted(&Value::Array(inputs)),
        quoted(&Value::Array(outputs)),
        utc_time(created_ms)
    )
}

/// `2026-12-05 14:49:15.000000`, as MLflow writes `utc_time_created`.
fn utc_time(ms: f64) -> String {
    let ms = ms.max(0.0) as i64;
    let (days, in_day_ms) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's days-to-civil, for days since 1970-01-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let seconds = in_day_ms / 1000;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:06}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        in_day_ms % 1000 * 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc_as_mlflow_writes_them() {
        assert_eq!(utc_time(0.0), "1970-01-01 00:00:00.000000");
        assert_eq!(utc_time(951_782_400_000.0), "2000-02-29 00:00:00.000000");
        assert_eq!(utc_time(1_796_482_155_123.0), "2026-12-05 14:49:15.123000");
    }
}
