//! The package's `model.onnx`: the whole model as an ONNX graph that onnxruntime (or any ONNX
//! runtime) runs on raw rows, preprocessing included.
//!
//! The protobuf is written by hand (a few dozen lines, below) so kindling-core needs no
//! protobuf or ONNX crate, and the same signature and weights always give the same bytes.
//!
//! The graph computes exactly what `kindling-ml`'s networks compute:
//! - input `"input"`, float32 `[batch, features]`, raw values; `Sub(mean)`, `Div(std)`;
//! - dense layers as `MatMul(x, weight) + bias` with the weight stored `[in, out]` (Burn's
//!   layout, the same tensors as `weights.safetensors`); hidden layers use the signature's
//!   activation, GELU in its exact form `x * (1 + erf(x / sqrt(2))) / 2` (as Burn computes it;
//!   opset 18 has no Gelu op); dropout is the identity at inference and is left out;
//! - the CNN reshapes the standardised row to `[batch, 1, height, width]`, then a 3x3
//!   convolution (stride 1, no padding) and ReLU, an optional 2x2 max-pool (stride 2),
//!   flatten, an optional dense layer with ReLU, and the output layer;
//! - a classifier answers `"probabilities"` (softmax of the logits, `[batch, classes]`) and
//!   `"label"` (their argmax, int64 `[batch]`); a regressor answers `"value"` (`[batch, 1]`,
//!   in the target's units: `raw * target.std + target.mean`).

use thiserror::Error;

use super::expected_tensors;
use super::safetensors::NamedTensor;
use crate::signature::{ModelSignature, Output};
use crate::spec::{Activation, ModelSpec};

/// The ONNX IR version written (ONNX 1.14 and later read it).
pub const IR_VERSION: i64 = 9;
/// The default-domain operator set the graph uses.
pub const OPSET: i64 = 18;
pub const INPUT_NAME: &str = "input";
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
    let mean = graph.float_initializer("preprocessing.mean", &[features], &standardization.mean);
    let std = graph.float_initializer("preprocessing.std", &[features], &standardization.std);
    let centred = graph.node("Sub", &[INPUT_NAME, &mean], vec![]);
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

    let mut graph_proto = Message::default();
    for node in graph.nodes {
        graph_proto.message(1, node);
    }
    graph_proto.string(2, "kindling");
    for initializer in graph.initializers {
        graph_proto.message(5, initializer);
    }
    graph_proto.message(
        11,
        value_info(INPUT_NAME, ELEM_FLOAT, &[Dim::Batch, Dim::Size(features)]),
    );
    for output in outputs {
        graph_proto.message(12, output);
    }

    let mut opset = Message::default();
    opset.string(1, "");
    opset.int(2, OPSET);
    let mut model = Message::default();
    model.int(1, IR_VERSION);
    // No producer version: the file is a function of the signature and weights alone, so a
    // package's ONNX can be checked by exporting again, whichever Kindling checks it.
    model.string(2, "kindling");
    model.message(7, graph_proto);
    model.message(8, opset);
    Ok(model.0)
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

/// The nodes and initializers of the graph being built; every intermediate value gets a name
/// from a counter, so the graph is the same every time.
#[derive(Default)]
struct Graph {
    nodes: Vec<Message>,
    initializers: Vec<Message>,
    count: usize,
}

impl Graph {
    /// Adds a node whose single output gets a fresh name, and returns that name.
    fn node(&mut self, op_type: &str, inputs: &[&str], attributes: Vec<Message>) -> String {
        let output = format!("{}_{}", op_type.to_lowercase(), self.count);
        self.named_node(op_type, inputs, &output, attributes);
        output
    }

    fn named_node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        output: &str,
        attributes: Vec<Message>,
    ) {
        let mut node = Message::default();
        for input in inputs {
            node.string(1, input);
        }
        node.string(2, output);
        node.string(3, &format!("{op_type}_{}", self.count));
        node.string(4, op_type);
        for attribute in attributes {
            node.message(5, attribute);
        }
        self.count += 1;
        self.nodes.push(node);
    }

    fn float_initializer(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        let raw: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        self.raw_initializer(name, dims, DATA_FLOAT, &raw)
    }

    fn int_initializer(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let raw: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        self.raw_initializer(name, dims, DATA_INT64, &raw)
    }

    fn tensor_initializer(&mut self, tensor: &NamedTensor) -> String {
        self.float_initializer(&tensor.name, &tensor.shape, &tensor.values)
    }

    fn raw_initializer(
        &mut self,
        name: &str,
        dims: &[usize],
        data_type: i64,
        raw: &[u8],
    ) -> String {
        let mut proto = Message::default();
        for &dim in dims {
            proto.int(1, dim as i64);
        }
        proto.int(2, data_type);
        proto.string(8, name);
        proto.bytes(9, raw);
        self.initializers.push(proto);
        name.to_owned()
    }

    /// `x @ weight + bias`, the weight stored `[in, out]`.
    fn dense(&mut self, weight: &NamedTensor, bias: &NamedTensor, x: &str) -> String {
        let weight = self.tensor_initializer(weight);
        let bias = self.tensor_initializer(bias);
        let product = self.node("MatMul", &[x, &weight], vec![]);
        self.node("Add", &[&product, &bias], vec![])
    }

    fn activation(&mut self, activation: Activation, x: &str) -> String {
        match activation {
            Activation::Relu => self.node("Relu", &[x], vec![]),
            Activation::Tanh => self.node("Tanh", &[x], vec![]),
            Activation::Sigmoid => self.node("Sigmoid", &[x], vec![]),
            Activation::Gelu => {
                // Burn's order of operations: x / sqrt(2), erf, + 1, times x, / 2.
                let index = self.count;
                let sqrt2 = self.float_initializer(
                    &format!("gelu_{index}.sqrt2"),
                    &[],
                    &[std::f32::consts::SQRT_2],
                );
                let one = self.float_initializer(&format!("gelu_{index}.one"), &[], &[1.0]);
                let two = self.float_initializer(&format!("gelu_{index}.two"), &[], &[2.0]);
                let scaled = self.node("Div", &[x, &sqrt2], vec![]);
                let erf = self.node("Erf", &[&scaled], vec![]);
                let shifted = self.node("Add", &[&erf, &one], vec![]);
                let product = self.node("Mul", &[x, &shifted], vec![]);
                self.node("Div", &[&product, &two], vec![])
            }
        }
    }
}

// TensorProto.DataType and TypeProto.Tensor.elem_type share these codes.
const DATA_FLOAT: i64 = 1;
const DATA_INT64: i64 = 7;
const ELEM_FLOAT: i64 = DATA_FLOAT;
const ELEM_INT64: i64 = DATA_INT64;

// AttributeProto.AttributeType.
const ATTRIBUTE_INT: i64 = 2;
const ATTRIBUTE_INTS: i64 = 7;

fn int_attribute(name: &str, value: i64) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    attribute.int(3, value);
    attribute.int(20, ATTRIBUTE_INT);
    attribute
}

fn ints_attribute(name: &str, values: &[i64]) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    for &value in values {
        attribute.int(8, value);
    }
    attribute.int(20, ATTRIBUTE_INTS);
    attribute
}

enum Dim {
    /// The symbolic batch dimension.
    Batch,
    Size(usize),
}

/// A ValueInfoProto for a tensor of `elem_type` and `dims`.
fn value_info(name: &str, elem_type: i64, dims: &[Dim]) -> Message {
    let mut shape = Message::default();
    for dim in dims {
        let mut dimension = Message::default();
        match dim {
            Dim::Batch => dimension.string(2, "batch"),
            Dim::Size(size) => dimension.int(1, *size as i64),
        }
        shape.message(1, dimension);
    }
    let mut tensor_type = Message::default();
    tensor_type.int(1, elem_type);
    tensor_type.message(2, shape);
    let mut type_proto = Message::default();
    type_proto.message(1, tensor_type);
    let mut info = Message::default();
    info.string(1, name);
    info.message(2, type_proto);
    info
}

/// A protobuf message being encoded: fields are appended in the order they are written.
#[derive(Default)]
struct Message(Vec<u8>);

const WIRE_VARINT: u32 = 0;
const WIRE_LENGTH_DELIMITED: u32 = 2;

impl Message {
    fn key(&mut self, field: u32, wire_type: u32) {
        self.raw_varint(u64::from((field << 3) | wire_type));
    }

    fn raw_varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    /// An int64 field (negative values take ten bytes, as protobuf requires).
    fn int(&mut self, field: u32, value: i64) {
        self.key(field, WIRE_VARINT);
        self.raw_varint(value as u64);
    }

    fn bytes(&mut self, field: u32, bytes: &[u8]) {
        self.key(field, WIRE_LENGTH_DELIMITED);
        self.raw_varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }

    fn string(&mut self, field: u32, text: &str) {
        self.bytes(field, text.as_bytes());
    }

    fn message(&mut self, field: u32, message: Message) {
        self.bytes(field, &message.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ImageShape;
    use crate::data::prepare::{Preprocessing, Standardization, TargetScaling};
    use crate::spec::Backend;

    fn signature(model: ModelSpec, features: usize, output: Output) -> ModelSignature {
        let target = match output {
            Output::Value { .. } => Some(TargetScaling {
                mean: 10.0,
                std: 2.0,
            }),
            Output::Classes { .. } => None,
        };
        ModelSignature {
            model,
            feature_names: (0..features).map(|i| format!("x{i}")).collect(),
            image_shape: None,
            output,
            preprocessing: Preprocessing {
                features: Standardization {
                    mean: vec![0.5; features],
                    std: vec![2.0; features],
                },
                target,
            },
            backend: Backend::NdArray,
        }
    }

    fn classes(count: usize) -> Output {
        Output::Classes {
            target: "class".into(),
            class_names: (0..count).map(|i| format!("c{i}")).collect(),
        }
    }

    /// Tensors of the expected names and shapes, filled with small distinct values.
    fn weights(signature: &ModelSignature) -> Vec<NamedTensor> {
        expected_tensors(signature)
            .into_iter()
            .map(|(name, shape)| {
                let count: usize = shape.iter().product();
                NamedTensor {
                    name,
                    shape,
                    values: (0..count).map(|i| (i as f32 * 0.37).sin()).collect(),
                }
            })
            .collect()
    }

    fn tiny_mlp(activation: Activation) -> ModelSignature {
        signature(
            ModelSpec::Mlp {
                hidden_layers: vec![4, 3],
                activation,
                dropout: 0.1,
            },
            2,
            classes(3),
        )
    }

    // A minimal protobuf reader, enough to find the graph's nodes and names again.
    #[derive(Debug)]
    enum Field<'a> {
        Varint(u64),
        Bytes(&'a [u8]),
        Fixed,
    }

    fn varint(bytes: &[u8], at: &mut usize) -> u64 {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return value;
            }
            shift += 7;
        }
    }

    fn fields(bytes: &[u8]) -> Vec<(u64, Field<'_>)> {
        let mut at = 0;
        let mut fields = Vec::new();
        while at < bytes.len() {
            let key = varint(bytes, &mut at);
            let field = match key & 7 {
                0 => Field::Varint(varint(bytes, &mut at)),
                2 => {
                    let len = varint(bytes, &mut at) as usize;
                    at += len;
                    Field::Bytes(&bytes[at - len..at])
                }
                5 => {
                    at += 4;
                    Field::Fixed
                }
                1 => {
                    at += 8;
                    Field::Fixed
                }
                other => panic!("wire type {other}"),
            };
            fields.push((key >> 3, field));
        }
        fields
    }

    fn submessages(bytes: &[u8], number: u64) -> Vec<&[u8]> {
        fields(bytes)
            .into_iter()
            .filter_map(|(field, value)| match value {
                Field::Bytes(bytes) if field == number => Some(bytes),
                _ => None,
            })
            .collect()
    }

    fn text(bytes: &[u8], number: u64) -> Vec<String> {
        submessages(bytes, number)
            .into_iter()
            .map(|bytes| String::from_utf8(bytes.to_vec()).unwrap())
            .collect()
    }

    fn graph(model: &[u8]) -> &[u8] {
        submessages(model, 7)[0]
    }

    fn op_types(model: &[u8]) -> Vec<String> {
        submessages(graph(model), 1)
            .into_iter()
            .map(|node| text(node, 4).remove(0))
            .collect()
    }

    #[test]
    fn the_same_model_gives_the_same_bytes_whatever_the_tensor_order() {
        let signature = tiny_mlp(Activation::Gelu);
        let tensors = weights(&signature);
        let bytes = export(&signature, &tensors).unwrap();
        let mut reversed = tensors.clone();
        reversed.reverse();
        assert_eq!(bytes, export(&signature, &reversed).unwrap());
        assert_eq!(bytes, export(&signature, &tensors).unwrap());
    }

    #[test]
    fn the_model_header_names_ir_version_opset_and_producer() {
        let signature = tiny_mlp(Activation::Relu);
        let bytes = export(&signature, &weights(&signature)).unwrap();
        let model = fields(&bytes);
        assert!(matches!(model[0], (1, Field::Varint(9))));
        assert_eq!(text(&bytes, 2), ["kindling"]);
        let opset = submessages(&bytes, 8)[0];
        assert!(
            fields(opset)
                .iter()
                .any(|field| matches!(field, (2, Field::Varint(18))))
        );
    }

    #[test]
    fn weights_that_do_not_fit_are_refused_in_words() {
        let signature = tiny_mlp(Activation::Relu);
        let mut tensors = weights(&signature);
        let bias = tensors
            .iter_mut()
            .find(|t| t.name == "Mlp.hidden.0.bias")
            .unwrap();
        bias.shape = vec![5];
        bias.values = vec![0.0; 5];
        assert_eq!(
            export(&signature, &tensors).unwrap_err().to_string(),
            "the weights do not fit the model: tensor 'Mlp.hidden.0.bias' has shape [5]; the model needs [4]"
        );

        let mut tensors = weights(&signature);
        tensors.retain(|t| t.name != "Mlp.output.weight");
        assert_eq!(
            export(&signature, &tensors),
            Err(OnnxError::Tensors(
                "tensor 'Mlp.output.weight' is missing".into()
            ))
        );

        let mut tensors = weights(&signature);
        tensors[0].values.pop();
        assert!(matches!(
            export(&signature, &tensors),
            Err(OnnxError::Tensors(_))
        ));

        let mut tensors = weights(&signature);
        tensors.push(NamedTensor {
            name: "Mlp.extra".into(),
            shape: vec![1],
            values: vec![0.0],
        });
        assert_eq!(
            export(&signature, &tensors),
            Err(OnnxError::Tensors(
                "tensor 'Mlp.extra' is not part of this model".into()
            ))
        );
    }

    #[test]
    fn a_tiny_mlp_classifier_is_preprocessing_dense_layers_and_softmax() {
        let signature = tiny_mlp(Activation::Tanh);
        let bytes = export(&signature, &weights(&signature)).unwrap();
        assert_eq!(
            op_types(&bytes),
            [
                "Sub", "Div", "MatMul", "Add", "Tanh", "MatMul", "Add", "Tanh", "MatMul", "Add",
                "Softmax", "ArgMax"
            ]
        );
        let graph = graph(&bytes);
        let input = submessages(graph, 11);
        assert_eq!(text(input[0], 1), ["input"]);
        let outputs: Vec<String> = submessages(graph, 12)
            .into_iter()
            .map(|output| text(output, 1).remove(0))
            .collect();
        assert_eq!(outputs, ["probabilities", "label"]);
        let initializers: Vec<String> = submessages(graph, 5)
            .into_iter()
            .map(|tensor| text(tensor, 8).remove(0))
            .collect();
        assert!(initializers.contains(&"Mlp.hidden.1.weight".to_owned()));
        assert!(initializers.contains(&"preprocessing.std".to_owned()));
    }

    #[test]
    fn gelu_is_written_in_its_exact_erf_form() {
        let signature = tiny_mlp(Activation::Gelu);
        let ops = op_types(&export(&signature, &weights(&signature)).unwrap());
        assert_eq!(
            ops[2..9],
            ["MatMul", "Add", "Div", "Erf", "Add", "Mul", "Div"]
        );
    }

    #[test]
    fn a_regressor_unscales_its_value_and_a_cnn_convolves() {
        let linear = signature(ModelSpec::Linear, 3, Output::Value { target: "y".into() });
        let bytes = export(&linear, &weights(&linear)).unwrap();
        assert_eq!(
            op_types(&bytes),
            ["Sub", "Div", "MatMul", "Add", "Mul", "Add"]
        );
        let mut without_scaling = linear.clone();
        without_scaling.preprocessing.target = None;
        assert!(matches!(
            export(&without_scaling, &weights(&linear)),
            Err(OnnxError::Signature(_))
        ));

        let mut cnn = signature(
            ModelSpec::Cnn {
                filters: 2,
                pool: true,
                dense_units: 5,
            },
            36,
            classes(4),
        );
        cnn.image_shape = Some(ImageShape {
            height: 6,
            width: 6,
        });
        let bytes = export(&cnn, &weights(&cnn)).unwrap();
        assert_eq!(
            op_types(&bytes),
            [
                "Sub", "Div", "Reshape", "Conv", "Relu", "MaxPool", "Flatten", "MatMul", "Add",
                "Relu", "MatMul", "Add", "Softmax", "ArgMax"
            ]
        );
    }
}
