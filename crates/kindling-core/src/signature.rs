//! What a trained model takes and gives: everything besides the weights that is needed to
//! rebuild it, feed it raw rows and read its answers. It travels with the weights (in the
//! registry and in packages), so a model is never separated from its preprocessing.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::csv::{MAX_CLASSES, MAX_COLUMNS};
use crate::data::prepare::{ColumnPreprocessing, Preprocessing};
use crate::data::{Dataset, ImageShape, Target, Task};
use crate::spec::{Backend, ModelSpec, SpecError};

/// Why a signature (read from an uploaded package) cannot describe a usable model.
#[derive(Debug, Error, PartialEq)]
pub enum SignatureError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("the model takes {0} input columns; it needs 1 to {MAX_COLUMNS}")]
    Inputs(usize),
    #[error("the preprocessing describes {found} columns for {expected} input columns")]
    Columns { expected: usize, found: usize },
    #[error(
        "the preprocessing of column \"{0}\" is unusable: a fill that is not a number, or a category listed twice or missing its fill"
    )]
    Column(String),
    #[error("the model predicts {0} classes; a classifier needs 2 to {MAX_CLASSES}")]
    Classes(usize),
    #[error("the standardisation has {found} means or deviations for {expected} input columns")]
    Preprocessing { expected: usize, found: usize },
    #[error("the standardisation holds a mean or deviation that is not a usable number")]
    Scale,
    #[error("a regression model needs its target's mean and deviation, and this one has none")]
    TargetScaling,
    #[error("a CNN needs images whose pixels are its {0} inputs, and the image shape does not fit")]
    ImageShape(usize),
    #[error("the image shape's pixels are not the model's {0} inputs")]
    ImagePixels(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSignature {
    pub model: ModelSpec,
    /// The raw input columns, in order, as the file names them.
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

    /// Checks everything a network is built from, so a signature from an upload is refused in
    /// words instead of failing inside the trainer.
    pub fn validate(&self) -> Result<(), SignatureError> {
        self.model.validate()?;
        let columns = &self.preprocessing.columns;
        if !columns.is_empty() && columns.len() != self.column_count() {
            return Err(SignatureError::Columns {
                expected: self.column_count(),
                found: columns.len(),
            });
        }
        for (name, column) in self.feature_names.iter().zip(columns) {
            let usable = match column {
                ColumnPreprocessing::Numeric { fill } => fill.is_finite(),
                ColumnPreprocessing::OneHot { categories, fill } => {
                    let mut sorted: Vec<&String> = categories.iter().collect();
                    sorted.sort_unstable();
                    sorted.dedup();
                    sorted.len() == categories.len()
                        && (categories.contains(fill) || categories.is_empty())
                }
            };
            if !usable {
                return Err(SignatureError::Column(name.clone()));
            }
        }
        let inputs = self.input_size();
        if !(1..=MAX_COLUMNS).contains(&inputs) || self.column_count() > MAX_COLUMNS {
            return Err(SignatureError::Inputs(inputs));
        }
        if let Output::Classes { class_names, .. } = &self.output
            && !(2..=MAX_CLASSES).contains(&class_names.len())
        {
            return Err(SignatureError::Classes(class_names.len()));
        }
        let standardization = &self.preprocessing.features;
        for found in [standardization.mean.len(), standardization.std.len()] {
            if found != inputs {
                return Err(SignatureError::Preprocessing {
                    expected: inputs,
                    found,
                });
            }
        }
        let usable = |mean: f32, std: f32| mean.is_finite() && std.is_finite() && std > 0.0;
        if !standardization
            .mean
            .iter()
            .zip(&standardization.std)
            .all(|(&mean, &std)| usable(mean, std))
        {
            return Err(SignatureError::Scale);
        }
        match (self.task(), self.preprocessing.target) {
            (Task::Regression, None) => return Err(SignatureError::TargetScaling),
            (Task::Regression, Some(target)) if !usable(target.mean, target.std) => {
                return Err(SignatureError::Scale);
            }
            _ => {}
        }
        // Every model, not only a CNN: pages multiply the shape out to draw an input.
        if let Some(shape) = self.image_shape
            && shape.height.checked_mul(shape.width) != Some(inputs)
        {
            return Err(SignatureError::ImagePixels(inputs));
        }
        if let ModelSpec::Cnn { pool, .. } = self.model {
            let min_side = if pool { 4 } else { 3 };
            let fits = self.image_shape.is_some_and(|shape| {
                shape.height >= min_side
                    && shape.width >= min_side
                    && shape.height.checked_mul(shape.width) == Some(inputs)
            });
            if !fits {
                return Err(SignatureError::ImageShape(inputs));
            }
        }
        Ok(())
    }

    pub fn task(&self) -> Task {
        match self.output {
            Output::Classes { .. } => Task::Classification,
            Output::Value { .. } => Task::Regression,
        }
    }

    /// Values per raw row: one per column the file has.
    pub fn column_count(&self) -> usize {
        self.feature_names.len()
    }

    /// The network's input width: the raw columns after encoding (a categorical column is one
    /// input per category).
    pub fn input_size(&self) -> usize {
        self.preprocessing.input_width(self.column_count())
    }

    /// True when some raw column holds categories.
    pub fn has_categories(&self) -> bool {
        self.preprocessing
            .columns
            .iter()
            .any(|column| matches!(column, ColumnPreprocessing::OneHot { .. }))
    }

    pub fn output_size(&self) -> usize {
        match &self.output {
            Output::Classes { class_names, .. } => class_names.len(),
            Output::Value { .. } => 1,
        }
    }
}

/// One raw cell as people and files write it: a number, a category, or nothing (JSON `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Number(f32),
    Text(String),
    Missing,
}

impl ModelSignature {
    /// How raw column `column` becomes model inputs. A model made before columns were kept
    /// reads each column as a number it cannot fill.
    pub fn column(&self, column: usize) -> ColumnPreprocessing {
        self.preprocessing
            .columns
            .get(column)
            .cloned()
            .unwrap_or(ColumnPreprocessing::Numeric { fill: f32::NAN })
    }

    /// The model code of a cell of `column` written as text, or what is wrong with it, in
    /// words naming the column.
    pub fn code_of(&self, column: usize, text: &str) -> Result<f32, String> {
        let name = &self.feature_names[column];
        let preprocessing = self.column(column);
        let code = preprocessing
            .code_of(text)
            .ok_or_else(|| format!("{name}: '{}' is not a number.", text.trim()))?;
        if code.is_nan()
            && matches!(preprocessing, ColumnPreprocessing::Numeric { fill } if fill.is_nan())
        {
            return Err(format!("Enter a number for {name}."));
        }
        Ok(code)
    }

    /// Model codes for raw rows of cells (the manifest's example, a served request).
    pub fn codes_of(&self, rows: &[Vec<Cell>]) -> Result<Vec<f32>, String> {
        let mut codes = Vec::with_capacity(rows.len() * self.column_count());
        for row in rows {
            if row.len() != self.column_count() {
                return Err(format!(
                    "a row has {} values; the model takes {} ({})",
                    row.len(),
                    self.column_count(),
                    self.feature_names.join(", ")
                ));
            }
            for (column, cell) in row.iter().enumerate() {
                codes.push(match cell {
                    Cell::Number(value) => match self.column(column) {
                        ColumnPreprocessing::Numeric { .. } => *value,
                        ColumnPreprocessing::OneHot { .. } => {
                            self.code_of(column, &value.to_string())?
                        }
                    },
                    Cell::Text(text) => self.code_of(column, text)?,
                    Cell::Missing => self.code_of(column, "")?,
                });
            }
        }
        Ok(codes)
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
