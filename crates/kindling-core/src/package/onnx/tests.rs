//! The exported graph, checked node by node and byte by byte.

use super::*;
use crate::data::ImageShape;
use crate::data::prepare::{Preprocessing, Standardization, TargetScaling};
use crate::spec::{Activation, Backend};

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
            columns: Vec::new(),
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
            "Sub", "Div", "Reshape", "Conv", "Relu", "MaxPool", "Flatten", "MatMul", "Add", "Relu",
            "MatMul", "Add", "Softmax", "ArgMax"
        ]
    );
}
