//! The graph's inputs: one per raw column, as the file names it (format 2 on), encoded inside
//! the graph exactly as Kindling's preprocessing does, with the `ai.onnx.ml` operators
//! scikit-learn's exporter uses:
//! - a number: float `[batch, 1]`; `Imputer` replaces NaN with the training mean;
//! - a category: string `[batch, 1]`; `LabelEncoder` maps each known category to itself and
//!   the spellings of a gap (`""`, `NA`, `null`, …) to the most common training category, and
//!   anything else to a word that is no category; `OneHotEncoder(zeros=1)` then gives one 0/1
//!   value per training category (all zeros for an unseen one), reshaped to `[batch, k]`.
//!
//! The encoded columns are concatenated in order. A model made before columns were kept
//! takes one float input, `"input"`, `[batch, columns]`, as packages of format 1 did.

use super::graph::Graph;
use super::proto::{
    Dim, ELEM_FLOAT, ELEM_STRING, Message, float_attribute, floats_attribute, int_attribute,
    string_attribute, strings_attribute, value_info,
};
use crate::data::prepare::ColumnPreprocessing;
use crate::signature::ModelSignature;

/// The one input of a model made before columns were kept.
pub const INPUT_NAME: &str = "input";
/// What the `LabelEncoder` makes of a category not seen in training: no category is called
/// this, so `OneHotEncoder` gives it all zeros.
const UNSEEN_CATEGORY: &str = "\u{1}kindling:unseen";
/// How files and pandas write a gap in a text column, as Kindling's CSV reader knows them
/// (it ignores case; a graph cannot, so the usual spellings are listed).
const GAP_SPELLINGS: [&str; 16] = [
    "", "na", "NA", "Na", "n/a", "N/A", "nan", "NaN", "NAN", "null", "NULL", "Null", "none",
    "None", "NONE", "?",
];

/// Declares the graph's inputs and adds the nodes that encode them; returns the inputs'
/// declarations and the name of the encoded `[batch, width]` value.
pub fn encoded_inputs(graph: &mut Graph, signature: &ModelSignature) -> (Vec<Message>, String) {
    let columns = &signature.preprocessing.columns;
    if columns.is_empty() {
        let width = signature.column_count();
        let input = value_info(INPUT_NAME, ELEM_FLOAT, &[Dim::Batch, Dim::Size(width)]);
        return (vec![input], INPUT_NAME.to_owned());
    }
    let mut inputs = Vec::new();
    let mut encoded = Vec::new();
    for (name, column) in signature.feature_names.iter().zip(columns) {
        match column {
            ColumnPreprocessing::Numeric { fill } => {
                inputs.push(value_info(name, ELEM_FLOAT, &[Dim::Batch, Dim::Size(1)]));
                encoded.push(graph.ml_node(
                    "Imputer",
                    &[name],
                    vec![
                        floats_attribute("imputed_value_floats", &[*fill]),
                        float_attribute("replaced_value_float", f32::NAN),
                    ],
                ));
            }
            ColumnPreprocessing::OneHot { categories, fill } => {
                inputs.push(value_info(name, ELEM_STRING, &[Dim::Batch, Dim::Size(1)]));
                if categories.is_empty() {
                    continue;
                }
                let mut keys: Vec<&str> = categories.iter().map(String::as_str).collect();
                let mut values = keys.clone();
                keys.extend(GAP_SPELLINGS);
                values.extend(GAP_SPELLINGS.map(|_| fill.as_str()));
                let known = graph.ml_node(
                    "LabelEncoder",
                    &[name],
                    vec![
                        strings_attribute("keys_strings", &keys),
                        strings_attribute("values_strings", &values),
                        string_attribute("default_string", UNSEEN_CATEGORY),
                    ],
                );
                let names: Vec<&str> = categories.iter().map(String::as_str).collect();
                let one_hot = graph.ml_node(
                    "OneHotEncoder",
                    &[&known],
                    vec![
                        strings_attribute("cats_strings", &names),
                        int_attribute("zeros", 1),
                    ],
                );
                let shape = graph.int_initializer(
                    &format!("{name}.shape"),
                    &[2],
                    &[-1, categories.len() as i64],
                );
                encoded.push(graph.node("Reshape", &[&one_hot, &shape], vec![]));
            }
        }
    }
    let parts: Vec<&str> = encoded.iter().map(String::as_str).collect();
    let joined = graph.node("Concat", &parts, vec![int_attribute("axis", 1)]);
    (inputs, joined)
}
