//! The graph being built: nodes whose intermediate values are named from a counter, and the
//! weights as initializers, so the same model always gives the same graph.

use super::proto::{DATA_FLOAT, DATA_INT64, Message};

/// The domain of the traditional-ML operators scikit-learn's exporter uses.
pub const ML_DOMAIN: &str = "ai.onnx.ml";
use crate::package::safetensors::NamedTensor;
use crate::spec::Activation;

/// The nodes and initializers of the graph being built; every intermediate value gets a name
/// from a counter, so the graph is the same every time.
#[derive(Default)]
pub struct Graph {
    pub nodes: Vec<Message>,
    pub initializers: Vec<Message>,
    /// Every value the graph defines (node outputs, initializers), so an input can be checked
    /// not to share a name with one.
    pub defined: Vec<String>,
    count: usize,
}

impl Graph {
    /// Adds a node whose single output gets a fresh name, and returns that name.
    pub fn node(&mut self, op_type: &str, inputs: &[&str], attributes: Vec<Message>) -> String {
        let output = format!("{}_{}", op_type.to_lowercase(), self.count);
        self.named_node(op_type, inputs, &output, attributes);
        output
    }

    pub fn named_node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        output: &str,
        attributes: Vec<Message>,
    ) {
        self.domain_node("", op_type, inputs, output, attributes);
    }

    /// A node of the `ai.onnx.ml` domain (Imputer, LabelEncoder, OneHotEncoder), whose single
    /// output gets a fresh name.
    pub fn ml_node(&mut self, op_type: &str, inputs: &[&str], attributes: Vec<Message>) -> String {
        let output = format!("{}_{}", op_type.to_lowercase(), self.count);
        self.domain_node(ML_DOMAIN, op_type, inputs, &output, attributes);
        output
    }

    fn domain_node(
        &mut self,
        domain: &str,
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
        if !domain.is_empty() {
            node.string(7, domain);
        }
        self.count += 1;
        self.nodes.push(node);
        self.defined.push(output.to_owned());
    }

    pub fn float_initializer(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        let raw: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        self.raw_initializer(name, dims, DATA_FLOAT, &raw)
    }

    pub fn int_initializer(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let raw: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        self.raw_initializer(name, dims, DATA_INT64, &raw)
    }

    pub fn tensor_initializer(&mut self, tensor: &NamedTensor) -> String {
        self.float_initializer(&tensor.name, &tensor.shape, &tensor.values)
    }

    pub fn raw_initializer(
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
        self.defined.push(name.to_owned());
        name.to_owned()
    }

    /// `x @ weight + bias`, the weight stored `[in, out]`.
    pub fn dense(&mut self, weight: &NamedTensor, bias: &NamedTensor, x: &str) -> String {
        let weight = self.tensor_initializer(weight);
        let bias = self.tensor_initializer(bias);
        let product = self.node("MatMul", &[x, &weight], vec![]);
        self.node("Add", &[&product, &bias], vec![])
    }

    pub fn activation(&mut self, activation: Activation, x: &str) -> String {
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
