//! What a trained model takes and gives: everything besides the weights that is needed to
//! rebuild it, feed it raw rows and read its answers. It travels with the weights (in the
//! registry and in packages), so a model is never separated from its preprocessing.

use serde::{Deserialize, Serialize};

use crate::data::prepare::Preprocessing;
use crate::data::{Dataset, ImageShape, Target, Task};
use crate::spec::{Backend, ModelSpec};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSignature {
    pub model: ModelSpec,
    /// The raw input columns, in order.
    pub feature_names: Vec<String>,
    pub image_shape: Option<ImageShape>,
    pub output: Output,
    pub preprocessing: Preprocessing,
    /// The backend the weights were trained on (either can load them).
    pub backend: Backend,
}

/// What the model predicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Output {
    Classes {
        target: String,
        class_names: Vec<String>,
    },
    Value {
        target: String,
    },
}

impl ModelSignature {
    pub fn for_data(
        model: &ModelSpec,
        data: &Dataset,
        preprocessing: Preprocessing,
        backend: Backend,
    ) -> Self {
        let output = match &data.target {
            Target::Classes {
                name, class_names, ..
            } => Output::Classes {
                target: name.clone(),
                class_names: class_names.clone(),
            },
            Target::Values { name, .. } => Output::Value {
                target: name.clone(),
            },
        };
        Self {
            model: model.clone(),
            feature_names: data.feature_names.clone(),
            image_shape: data.image_shape,
            output,
            preprocessing,
            backend,
        }
    }

    pub fn task(&self) -> Task {
        match self.output {
            Output::Classes { .. } => Task::Classification,
            Output::Value { .. } => Task::Regression,
        }
    }

    pub fn input_size(&self) -> usize {
        self.feature_names.len()
    }

    pub fn output_size(&self) -> usize {
        match &self.output {
            Output::Classes { class_names, .. } => class_names.len(),
            Output::Value { .. } => 1,
        }
    }
}

/// A model's answer for one input row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Prediction {
    /// The most probable class and the probability of every class.
    Class { label: u32, probabilities: Vec<f32> },
    /// A number, in the target's own units.
    Value(f32),
}
