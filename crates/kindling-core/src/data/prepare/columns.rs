//! Everything done to raw columns before the model sees them, fitted on the training rows
//! only, so no validation or test row shapes it: a numeric column's gaps are filled with its
//! training mean; a categorical column becomes one 0/1 input per category seen in training,
//! its gaps the most common training category, and a category not seen in training (or any
//! code that names none) becomes all zeros, as scikit-learn's `OneHotEncoder(handle_unknown=
//! "ignore")` does. The encoded inputs are then standardised. It travels with the model (run,
//! registry, package manifest, ONNX graph), so a model is never separated from it.
//!
//! A model reads rows of *model codes*: a numeric cell is the number (NaN for a gap); a
//! categorical cell is the index of its category in this preprocessing's categories, NaN for a
//! gap and any other value (e.g. -1) for a category it has not seen. [`Preprocessing::codes`]
//! makes them from a dataset, [`ColumnPreprocessing::code_of`] from the text of a cell.

use serde::{Deserialize, Serialize};

use super::scaling::{Standardization, TargetScaling};
use crate::data::csv::is_missing;
use crate::data::{Dataset, FeatureKind, Target};

/// How one raw column becomes model inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnPreprocessing {
    /// One input: the number, a gap filled with the training mean.
    Numeric { fill: f32 },
    /// One input per category seen in training, in this order; a gap is `fill`.
    OneHot {
        categories: Vec<String>,
        fill: String,
    },
}

/// The code of a category this preprocessing has not seen.
pub const UNSEEN: f32 = -1.0;

impl ColumnPreprocessing {
    /// How many model inputs the column becomes.
    pub fn width(&self) -> usize {
        match self {
            ColumnPreprocessing::Numeric { .. } => 1,
            ColumnPreprocessing::OneHot { categories, .. } => categories.len(),
        }
    }

    /// The model code of a cell as text: a number, a category, or a gap (`""`, `NA`, …).
    /// `None` when a numeric column's cell is neither a number nor a gap.
    pub fn code_of(&self, text: &str) -> Option<f32> {
        let text = text.trim();
        if is_missing(text) {
            return Some(f32::NAN);
        }
        match self {
            ColumnPreprocessing::Numeric { .. } => {
                text.parse::<f32>().ok().filter(|value| value.is_finite())
            }
            ColumnPreprocessing::OneHot { categories, .. } => Some(
                categories
                    .iter()
                    .position(|category| category == text)
                    .map_or(UNSEEN, |index| index as f32),
            ),
        }
    }

    /// Appends the model inputs one cell's code becomes.
    fn encode(&self, code: f32, inputs: &mut Vec<f32>) {
        match self {
            ColumnPreprocessing::Numeric { fill } => {
                inputs.push(if code.is_nan() { *fill } else { code });
            }
            ColumnPreprocessing::OneHot { categories, fill } => {
                let index = if code.is_nan() {
                    categories.iter().position(|category| category == fill)
                } else if code >= 0.0 && code.fract() == 0.0 {
                    Some(code as usize)
                } else {
                    None
                };
                inputs
                    .extend((0..categories.len()).map(|at| f32::from(u8::from(index == Some(at)))));
            }
        }
    }
}

/// Everything done to raw inputs (and a regression target) before the model sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// One per raw column, in order. Empty for models made before columns were kept: their raw
    /// columns are their inputs, with nothing filled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnPreprocessing>,
    /// Standardisation of the encoded inputs.
    pub features: Standardization,
    pub target: Option<TargetScaling>,
}

impl Preprocessing {
    /// Fitted on `train_rows` of `data` alone.
    pub fn fit(data: &Dataset, train_rows: &[usize]) -> Self {
        let columns: Vec<ColumnPreprocessing> = (0..data.feature_count())
            .map(|column| fit_column(data, column, train_rows))
            .collect();
        let target = match &data.target {
            Target::Values { values, .. } => {
                let train: Vec<f32> = train_rows.iter().map(|&row| values[row]).collect();
                Some(TargetScaling::fit(&train))
            }
            Target::Classes { .. } => None,
        };
        let unscaled = Self {
            features: Standardization {
                mean: Vec::new(),
                std: Vec::new(),
            },
            columns,
            target,
        };
        let train = data.select_rows(train_rows);
        let encoded = unscaled.encode(&unscaled.codes(&train));
        Self {
            features: Standardization::fit(&encoded, unscaled.input_width(data.feature_count())),
            ..unscaled
        }
    }

    /// How many model inputs rows of `raw_columns` columns become.
    pub fn input_width(&self, raw_columns: usize) -> usize {
        if self.columns.is_empty() {
            raw_columns
        } else {
            self.columns.iter().map(ColumnPreprocessing::width).sum()
        }
    }

    /// A dataset's rows as this preprocessing's model codes: its categories found by name
    /// among the ones fitted (a category it has not seen is [`UNSEEN`]).
    pub fn codes(&self, data: &Dataset) -> Vec<f32> {
        if !data.has_categories() {
            return data.features.clone();
        }
        let width = data.feature_count();
        let remaps: Vec<Option<Vec<f32>>> = (0..width)
            .map(
                |column| match (data.kind(column), self.columns.get(column)) {
                    (
                        FeatureKind::Categorical { categories },
                        Some(ColumnPreprocessing::OneHot {
                            categories: known, ..
                        }),
                    ) => Some(
                        categories
                            .iter()
                            .map(|category| {
                                known
                                    .iter()
                                    .position(|k| k == category)
                                    .map_or(UNSEEN, |index| index as f32)
                            })
                            .collect(),
                    ),
                    _ => None,
                },
            )
            .collect();
        data.features
            .chunks(width.max(1))
            .flat_map(|row| {
                row.iter().zip(&remaps).map(|(&code, remap)| match remap {
                    Some(_) if code.is_nan() => f32::NAN,
                    Some(remap) => remap.get(code as usize).copied().unwrap_or(UNSEEN),
                    None => code,
                })
            })
            .collect()
    }

    /// Model codes (row-major, one per raw column) as the network's inputs: encoded, then
    /// standardised.
    pub fn transform(&self, codes: &[f32]) -> Vec<f32> {
        let mut inputs = self.encode(codes);
        self.features.apply(&mut inputs);
        inputs
    }

    /// Model codes encoded (gaps filled, categories one-hot), not yet standardised.
    pub fn encode(&self, codes: &[f32]) -> Vec<f32> {
        if self.columns.is_empty() {
            return codes.to_vec();
        }
        let width = self.columns.len();
        let mut inputs = Vec::with_capacity(codes.len() / width.max(1) * self.input_width(width));
        for row in codes.chunks(width) {
            for (column, &code) in self.columns.iter().zip(row) {
                column.encode(code, &mut inputs);
            }
        }
        inputs
    }
}

fn fit_column(data: &Dataset, column: usize, train_rows: &[usize]) -> ColumnPreprocessing {
    let present = train_rows
        .iter()
        .map(|&row| data.row(row)[column])
        .filter(|value| !value.is_nan());
    match data.kind(column) {
        FeatureKind::Numeric => {
            let (sum, count) = present.fold((0.0f64, 0usize), |(sum, count), value| {
                (sum + f64::from(value), count + 1)
            });
            ColumnPreprocessing::Numeric {
                fill: if count == 0 {
                    0.0
                } else {
                    (sum / count as f64) as f32
                },
            }
        }
        FeatureKind::Categorical { categories } => {
            let mut counts = vec![0usize; categories.len()];
            for code in present {
                if let Some(count) = counts.get_mut(code as usize) {
                    *count += 1;
                }
            }
            // Ties for the most common go to the first in the column's order, so the same
            // rows always fill the same way.
            let fill = counts
                .iter()
                .enumerate()
                .fold(None::<(usize, usize)>, |best, (index, &count)| match best {
                    Some((_, best_count)) if best_count >= count => best,
                    _ if count > 0 => Some((index, count)),
                    _ => best,
                })
                .map(|(index, _)| categories[index].clone())
                .unwrap_or_default();
            ColumnPreprocessing::OneHot {
                categories: categories
                    .iter()
                    .zip(&counts)
                    .filter(|(_, count)| **count > 0)
                    .map(|(category, _)| category.clone())
                    .collect(),
                fill,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::{SyntheticKind, SyntheticSpec};

    /// Rows of (island, bill length) predicting a class; row 5 alone is "Torgersen".
    fn penguins() -> Dataset {
        let islands = [0.0, 1.0, 0.0, f32::NAN, 0.0, 2.0];
        let bills = [40.0, f32::NAN, 42.0, 44.0, 46.0, 90.0];
        Dataset {
            name: "penguins".into(),
            feature_names: vec!["island".into(), "bill".into()],
            features: islands
                .iter()
                .zip(&bills)
                .flat_map(|(&i, &b)| [i, b])
                .collect(),
            target: Target::Classes {
                name: "species".into(),
                labels: vec![0, 1, 0, 1, 0, 1],
                class_names: vec!["Adelie".into(), "Gentoo".into()],
            },
            image_shape: None,
            feature_kinds: vec![
                FeatureKind::Categorical {
                    categories: vec!["Biscoe".into(), "Dream".into(), "Torgersen".into()],
                },
                FeatureKind::Numeric,
            ],
        }
    }

    #[test]
    fn fills_and_categories_come_from_the_training_rows_alone() {
        let data = penguins();
        let preprocessing = Preprocessing::fit(&data, &[0, 1, 2, 3, 4]);
        assert_eq!(
            preprocessing.columns,
            [
                ColumnPreprocessing::OneHot {
                    categories: vec!["Biscoe".into(), "Dream".into()],
                    fill: "Biscoe".into(),
                },
                ColumnPreprocessing::Numeric { fill: 43.0 },
            ],
            "Torgersen is only in a held-out row, and 90 is not in the mean"
        );
        assert_eq!(preprocessing.input_width(2), 3);
        let codes = preprocessing.codes(&data);
        assert_eq!(codes[10], UNSEEN, "Torgersen is unseen");
        assert!(codes[6].is_nan() && codes[3].is_nan(), "gaps stay gaps");
        let encoded = preprocessing.encode(&codes);
        assert_eq!(&encoded[..3], [1.0, 0.0, 40.0]);
        assert_eq!(
            &encoded[3..6],
            [0.0, 1.0, 43.0],
            "a numeric gap is the mean"
        );
        assert_eq!(
            &encoded[9..12],
            [1.0, 0.0, 44.0],
            "a category gap is the most common"
        );
        assert_eq!(
            &encoded[15..18],
            [0.0, 0.0, 90.0],
            "an unseen category is all zeros"
        );
        assert_ne!(
            preprocessing,
            Preprocessing::fit(&data, &[0, 1, 2, 3, 4, 5])
        );
    }

    #[test]
    fn cells_typed_as_text_become_the_codes_a_dataset_gives() {
        let data = penguins();
        let preprocessing = Preprocessing::fit(&data, &[0, 1, 2, 3, 4]);
        let [island, bill] = [&preprocessing.columns[0], &preprocessing.columns[1]];
        assert_eq!(island.code_of("Dream"), Some(1.0));
        assert_eq!(island.code_of("Torgersen"), Some(UNSEEN));
        assert!(island.code_of("NA").unwrap().is_nan());
        assert!(bill.code_of("").unwrap().is_nan());
        assert_eq!(bill.code_of(" 41.5 "), Some(41.5));
        assert_eq!(bill.code_of("long"), None);
        assert_eq!(bill.code_of("inf"), None);
    }

    #[test]
    fn standardisation_is_fitted_on_the_training_rows_only() {
        let data = SyntheticSpec {
            kind: SyntheticKind::Plane,
            sample_count: 200,
            noise: 0.1,
            seed: 2,
        }
        .generate()
        .unwrap();
        let split = crate::data::prepare::SplitSpec::default().split(&data);
        let preprocessing = Preprocessing::fit(&data, &split.train);
        let train = preprocessing.transform(&data.select_rows(&split.train).features);
        for column in 0..2 {
            let values: Vec<f64> = train
                .iter()
                .skip(column)
                .step_by(2)
                .map(|&v| f64::from(v))
                .collect();
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                "{mean} {var}"
            );
        }
        assert_ne!(preprocessing, Preprocessing::fit(&data, &split.test));
        assert_eq!(
            preprocessing.codes(&data),
            data.features,
            "numbers are their own codes"
        );
    }

    #[test]
    fn a_model_made_before_columns_were_kept_reads_its_rows_as_they_are() {
        let old = Preprocessing {
            columns: Vec::new(),
            features: Standardization {
                mean: vec![1.0, 2.0],
                std: vec![2.0, 4.0],
            },
            target: None,
        };
        assert_eq!(old.input_width(2), 2);
        assert_eq!(old.transform(&[3.0, 6.0]), [1.0, 1.0]);
        let json = r#"{"features":{"mean":[1.0],"std":[1.0]},"target":null}"#;
        let read: Preprocessing = serde_json::from_str(json).unwrap();
        assert!(read.columns.is_empty());
    }
}
