use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// A multi-layer perceptron with ReLU between layers; no hidden layer means softmax regression.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    output: Linear,
}

impl Mlp {
    pub fn new(
        input_size: usize,
        hidden_layers: &[usize],
        output_size: usize,
        device: &Device,
    ) -> Self {
        let mut width = input_size;
        let hidden = hidden_layers
            .iter()
            .map(|&units| {
                let layer = LinearConfig::new(width, units).init(device);
                width = units;
                layer
            })
            .collect();
        let output = LinearConfig::new(width, output_size).init(device);
        Self { hidden, output }
    }

    /// Class logits, one row per input row.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let hidden = self
            .hidden
            .iter()
            .fold(input, |x, layer| relu(layer.forward(x)));
        self.output.forward(hidden)
    }
}
