//! The package's `model.onnx`: the whole model as an ONNX graph that onnxruntime (or any ONNX
//! runtime) runs on raw rows, preprocessing included.
//!
//! The protobuf is written by hand (a few dozen lines, below) so kindling-core needs no
//! protobuf or ONNX crate, and the same signature and weights always give the same bytes.
//!
//! The graph computes exactly what `kindling-ml`'s networks compute:
//! - one input per raw column, encoded as the preprocessing says (`inputs`), then the encoded
//!   row standardised: `Sub(mean)`, `Div(std)`;
//! - dense layers as `MatMul(x, weight) + bias` with the weight stored `[in, out]` (Burn's
//!   layout, the same tensors as `weights.safetensors`); hidden layers use the signature's
//!   activation, GELU in its exact form `x * (1 + erf(x / sqrt(2))) / 2` (as Burn computes it;
//!   opset 18 has no Gelu op); dropout is the identity at inference and is left out;
//! - the CNN reshapes the standardised row to `[batch, 1, height, width]`, then a 3x3
//!   convolution (stride 1, no padding) and ReLU, an optional 2x2 max-pool (stride 2),
//!   flatten, an optional dense layer with ReLU, and the output layer;
//! - a classifier answers `"probabilities"` (softmax of the logits, `[batch, classes]`) and
//!   `"label"` (their argmax, int64 `[batch]`); a regressor answers `"value"` (`[batch, 1]`,
//!   in the target's units: `raw * target.std + target.mean`); a classifier's class names are
//!   in the model's `metadata_props` under `classes` (a JSON list), so a label index maps to
//!   its name without the manifest.

mod graph;
mod inputs;
mod proto;
#[cfg(test)]
mod tests;

use thiserror::Error;

use super::safetensors::NamedTensor;
use super::tensors::expected_tensors;
use crate::signature::{ModelSignature, Output};
use crate::spec::ModelSpec;
use graph::Graph;
use graph::ML_DOMAIN;
pub use inputs::INPUT_NAME;
use proto::{Dim, ELEM_FLOAT, ELEM_INT64, Message, int_attribute, ints_attribute, value_info};

/// The ONNX IR version written (ONNX 1.14 and later read it).
pub const IR_VERSION: i64 = 9;
/// The default-domain operator set the graph uses.
pub const OPSET: i64 = 18;
/// The `ai.onnx.ml` operator set the raw columns' encoding uses (LabelEncoder on strings).
pub const ML_OPSET: i64 = 3;
pub const PROBABILITIES_NAME: &str = "probabilities";
pub const LABEL_NAME: &str = "label";
pub const VALUE_NAME: &str = "value";

/// Why a model could not be written as ONNX.
#[derive(Debug, Error, PartialEq)]
pub enum OnnxError {
    #[error("the weights do not fit the model: {0}")]
    Tensors(String),
    #[error("the model's signature cannot be exported: {0}")]
    Signature(String),
}

/// `model.onnx` for a model of this signature with these weights (in any order).
pub fn export(signature: &ModelSignature, tensors: &[NamedTensor]) -> Result<Vec<u8>, OnnxError> {
    check_tensors(signature, tensors)?;
    let weight = |name: &str| {
        tensors
            .iter()
            .find(|tensor| tensor.name == name)
            .expect("checked against the expected tensors")
    };
    let features = signature.input_size();
    let standardization = &signature.preprocessing.features;
    if standardization.mean.len() != features || standardization.std.len() != features {
        return Err(OnnxError::Signature(format!(
            "the preprocessing has {} means and {} standard deviations for {features} input columns",
            standardization.mean.len(),
            standardization.std.len()
        )));
    }

    let mut graph = Graph::default();
    let (inputs, encoded) = inputs::encoded_inputs(&mut graph, signature);
    let mean = graph.float_initializer("preprocessing.mean", &[features], &standardization.mean);
    let std = graph.float_initializer("preprocessing.std", &[features], &standardization.std);
    let centred = graph.node("Sub", &[&encoded, &mean], vec![]);
    let mut x = graph.node("Div", &[&centred, &std], vec![]);

    match &signature.model {
        ModelSpec::Linear => {
            x = graph.dense(weight("Mlp.output.weight"), weight("Mlp.output.bias"), &x);
        }
        ModelSpec::Mlp {
            hidden_layers,
            activation,
            ..
        } => {
            for index in 0..hidden_layers.len() {
                let prefix = format!("Mlp.hidden.{index}");
                x = graph.dense(
                    weight(&format!("{prefix}.weight")),
                    weight(&format!("{prefix}.bias")),
                    &x,
                );
                x = graph.activation(*activation, &x);
            }
            x = graph.dense(weight("Mlp.output.weight"), weight("Mlp.output.bias"), &x);
        }
        ModelSpec::Cnn {
            pool, dense_units, ..
        } => {
            let shape = signature.image_shape.ok_or_else(|| {
                OnnxError::Signature("a CNN needs the images' height and width".into())
            })?;
            if shape.height * shape.width != features {
                return Err(OnnxError::Signature(format!(
                    "images of {}x{} pixels do not fit rows of {features} values",
                    shape.height, shape.width
                )));
            }
            let image_shape = graph.int_initializer(
                "cnn.image_shape",
                &[4],
                &[-1, 1, shape.height as i64, shape.width as i64],
            );
            let images = graph.node("Reshape", &[&x, &image_shape], vec![]);
            let conv_weight = graph.tensor_initializer(weight("Cnn.conv.weight"));
            let conv_bias = graph.tensor_initializer(weight("Cnn.conv.bias"));
            x = graph.node(
                "Conv",
                &[&images, &conv_weight, &conv_bias],
                vec![
                    ints_attribute("kernel_shape", &[3, 3]),
                    ints_attribute("pads", &[0, 0, 0, 0]),
                    ints_attribute("strides", &[1, 1]),
                ],
            );
            x = graph.node("Relu", &[&x], vec![]);
            if *pool {
                x = graph.node(
                    "MaxPool",
                    &[&x],
                    vec![
                        ints_attribute("kernel_shape", &[2, 2]),
                        ints_attribute("strides", &[2, 2]),
                    ],
                );
            }
            x = graph.node("Flatten", &[&x], vec![int_attribute("axis", 1)]);
            if *dense_units > 0 {
                x = graph.dense(weight("Cnn.dense.weight"), weight("Cnn.dense.bias"), &x);
                x = graph.node("Relu", &[&x], vec![]);
            }
            x = graph.dense(weight("Cnn.output.weight"), weight("Cnn.output.bias"), &x);
        }
    }

    let outputs = match &signature.output {
        Output::Classes { class_names, .. } => {
            graph.named_node(
                "Softmax",
                &[&x],
                PROBABILITIES_NAME,
                vec![int_attribute("axis", -1)],
            );
            graph.named_node(
                "ArgMax",
                &[PROBABILITIES_NAME],
                LABEL_NAME,
                vec![int_attribute("axis", 1), int_attribute("keepdims", 0)],
            );
            vec![
                value_info(
                    PROBABILITIES_NAME,
                    ELEM_FLOAT,
                    &[Dim::Batch, Dim::Size(class_names.len())],
                ),
                value_info(LABEL_NAME, ELEM_INT64, &[Dim::Batch]),
            ]
        }
        Output::Value { .. } => {
            let scaling = signature.preprocessing.target.ok_or_else(|| {
                OnnxError::Signature("a regression model needs its target's scaling".into())
            })?;
            let std = graph.float_initializer("target.std", &[], &[scaling.std]);
            let mean = graph.float_initializer("target.mean", &[], &[scaling.mean]);
            let scaled = graph.node("Mul", &[&x, &std], vec![]);
            graph.named_node("Add", &[&scaled, &mean], VALUE_NAME, vec![]);
            vec![value_info(
                VALUE_NAME,
                ELEM_FLOAT,
                &[Dim::Batch, Dim::Size(1)],
            )]
        }
    };

    let columns_are_inputs = !signature.preprocessing.columns.is_empty();
    if let Some(taken) = signature
        .feature_names
        .iter()
        .find(|name| columns_are_inputs && graph.defined.contains(name))
    {
        return Err(OnnxError::Signature(format!(
            "the column \"{taken}\" has a name the ONNX graph uses for one of its own values; \
             rename the column in the file and train again"
        )));
    }
    let mut graph_proto = Message::default();
    for node in graph.nodes {
        graph_proto.message(1, node);
    }
    graph_proto.string(2, "kindling");
    for initializer in graph.initializers {
        graph_proto.message(5, initializer);
    }
    for input in inputs {
        graph_proto.message(11, input);
    }
    for output in outputs {
        graph_proto.message(12, output);
    }

    let mut model = Message::default();
    model.int(1, IR_VERSION);
    // No producer version: the file is a function of the signature and weights alone, so a
    // package's ONNX can be checked by exporting again, whichever Kindling checks it.
    model.string(2, "kindling");
    model.message(7, graph_proto);
    model.message(8, opset_import("", OPSET));
    // A model made before columns were kept is written as packages of format 1 had it.
    if !signature.preprocessing.columns.is_empty() {
        model.message(8, opset_import(ML_DOMAIN, ML_OPSET));
        if let Output::Classes { class_names, .. } = &signature.output {
            let mut classes = Message::default();
            classes.string(1, "classes");
            classes.string(
                2,
                &serde_json::to_string(class_names).expect("names always serialise"),
            );
            model.message(14, classes);
        }
    }
    Ok(model.into_bytes())
}

fn opset_import(domain: &str, version: i64) -> Message {
    let mut opset = Message::default();
    opset.string(1, domain);
    opset.int(2, version);
    opset
}

/// The weights must be exactly the tensors the signature's network has, with matching data.
fn check_tensors(signature: &ModelSignature, tensors: &[NamedTensor]) -> Result<(), OnnxError> {
    let expected = expected_tensors(signature);
    for (name, shape) in &expected {
        match tensors.iter().find(|tensor| &tensor.name == name) {
            None => return Err(OnnxError::Tensors(format!("tensor '{name}' is missing"))),
            Some(tensor) if &tensor.shape != shape => {
                return Err(OnnxError::Tensors(format!(
                    "tensor '{name}' has shape {:?}; the model needs {shape:?}",
                    tensor.shape
                )));
            }
            Some(tensor) if tensor.values.len() != shape.iter().product::<usize>() => {
                return Err(OnnxError::Tensors(format!(
                    "tensor '{name}' has {} values for shape {shape:?}",
                    tensor.values.len()
                )));
            }
            Some(_) => {}
        }
    }
    for (index, tensor) in tensors.iter().enumerate() {
        if !expected.iter().any(|(name, _)| name == &tensor.name) {
            return Err(OnnxError::Tensors(format!(
                "tensor '{}' is not part of this model",
                tensor.name
            )));
        }
        if tensors[..index]
            .iter()
            .any(|other| other.name == tensor.name)
        {
            return Err(OnnxError::Tensors(format!(
                "tensor '{}' is given twice",
                tensor.name
            )));
        }
    }
    Ok(())
}
