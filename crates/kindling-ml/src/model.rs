//! Networks from a [`ModelSpec`]: an MLP (relu/tanh/sigmoid/gelu, dropout; no hidden layer is
//! logistic or linear regression) or a small CNN (3x3 convolution, optional 2x2 pool and dense
//! layer). Input and output sizes come from the data.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, relu, sigmoid, tanh};
use kindling_core::data::ImageShape;
use kindling_core::spec::{Activation, ModelSpec};

/// The network a [`ModelSpec`] describes, with its input and output sizes taken from the data.
// One network exists per run or loaded model, so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Network {
    Mlp(Mlp),
    Cnn(Cnn),
}

/// Why a spec cannot be built for a dataset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    #[error("a CNN needs image data (such as the digits): this dataset's rows are not images")]
    CnnNeedsImages,
    #[error("a 3x3 convolution needs images of at least 3x3 pixels (4x4 with pooling)")]
    ImageTooSmall,
}

impl Network {
    pub fn new(
        spec: &ModelSpec,
        input_size: usize,
        output_size: usize,
        image_shape: Option<ImageShape>,
        device: &Device,
    ) -> Result<Self, BuildError> {
        let network = match spec {
            ModelSpec::Mlp {
                hidden_layers,
                activation,
                dropout,
            } => Network::Mlp(Mlp::new(
                input_size,
                hidden_layers,
                *activation,
                *dropout,
                output_size,
                device,
            )),
            ModelSpec::Linear => Network::Mlp(Mlp::new(
                input_size,
                &[],
                Activation::Relu,
                0.0,
                output_size,
                device,
            )),
            ModelSpec::Cnn {
                filters,
                pool,
                dense_units,
            } => {
                let shape = image_shape.ok_or(BuildError::CnnNeedsImages)?;
                Network::Cnn(Cnn::new(
                    shape,
                    *filters,
                    *pool,
                    *dense_units,
                    output_size,
                    device,
                )?)
            }
        };
        // Burn draws parameters lazily, on first use. One pass over a row of zeros draws them
        // all now, while the caller holds the seeded random stream.
        let _ = network.forward(Tensor::zeros([1, input_size], device));
        Ok(network)
    }

    /// Logits (classification) or values (regression), one row per input row.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        match self {
            Network::Mlp(mlp) => mlp.forward(input),
            Network::Cnn(cnn) => cnn.forward(input),
        }
    }
}

/// A multi-layer perceptron; no hidden layer means softmax or linear regression.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    dropout: Dropout,
    output: Linear,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    pub fn new(
        input_size: usize,
        hidden_layers: &[usize],
        activation: Activation,
        dropout: f64,
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
        Self {
            hidden,
            dropout: DropoutConfig::new(dropout).init(),
            output,
            activation,
        }
    }

    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let hidden = self.hidden.iter().fold(input, |x, layer| {
            self.dropout
                .forward(activate(self.activation, layer.forward(x)))
        });
        self.output.forward(hidden)
    }
}

fn activate<const D: usize>(activation: Activation, x: Tensor<D>) -> Tensor<D> {
    match activation {
        Activation::Relu => relu(x),
        Activation::Tanh => tanh(x),
        Activation::Sigmoid => sigmoid(x),
        Activation::Gelu => gelu(x),
    }
}

/// A small convolutional network for grayscale images given as rows of pixels.
#[derive(Module, Debug)]
pub struct Cnn {
    conv: Conv2d,
    pool: Option<MaxPool2d>,
    dense: Option<Linear>,
    output: Linear,
    #[module(skip)]
    height: usize,
    #[module(skip)]
    width: usize,
}

impl Cnn {
    pub fn new(
        shape: ImageShape,
        filters: usize,
        pool: bool,
        dense_units: usize,
        output_size: usize,
        device: &Device,
    ) -> Result<Self, BuildError> {
        let min_side = if pool { 4 } else { 3 };
        if shape.height < min_side || shape.width < min_side {
            return Err(BuildError::ImageTooSmall);
        }
        let conv = Conv2dConfig::new([1, filters], [3, 3]).init(device);
        let (mut height, mut width) = (shape.height - 2, shape.width - 2);
        let pool = pool.then(|| {
            height /= 2;
            width /= 2;
            MaxPool2dConfig::new([2, 2]).init()
        });
        let flat = filters * height * width;
        let dense = (dense_units > 0).then(|| LinearConfig::new(flat, dense_units).init(device));
        let output_input = if dense_units > 0 { dense_units } else { flat };
        Ok(Self {
            conv,
            pool,
            dense,
            output: LinearConfig::new(output_input, output_size).init(device),
            height: shape.height,
            width: shape.width,
        })
    }

    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let [batch, _] = input.dims();
        let images = input.reshape([batch, 1, self.height, self.width]);
        let mut x = relu(self.conv.forward(images));
        if let Some(pool) = &self.pool {
            x = pool.forward(x);
        }
        let mut x = x.flatten::<2>(1, 3);
        if let Some(dense) = &self.dense {
            x = relu(dense.forward(x));
        }
        self.output.forward(x)
    }
}
