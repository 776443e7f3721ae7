//! Scoring a model on data someone else holds: a teacher's copy of the data scores every
//! student's version, so a leaderboard ranks what the models do, not what their files claim.
//! The data's columns are matched to the model's inputs by name (through the same checks the
//! Predict page gives a CSV), its answers to the model's classes by name, and the scores are
//! the ones a run records ([`crate::evaluation::test_metrics`]), so they compare with a
//! version's claims.

use std::collections::BTreeMap;

use crate::data::csv::Table;
use crate::data::{Dataset, FeatureKind, Target};
use crate::evaluation::{Report, classification_report, regression_report, test_metrics};
use crate::signature::{ModelSignature, Output, Prediction};

use super::batch::feature_matrix_of;

/// What the model is given and what it should answer, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    /// Row-major inputs in the model's column order.
    pub rows: Vec<f32>,
    pub answers: Answers,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answers {
    /// Indices into the model's class names.
    Classes(Vec<u32>),
    Values(Vec<f32>),
}

impl Answers {
    pub fn len(&self) -> usize {
        match self {
            Answers::Classes(labels) => labels.len(),
            Answers::Values(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The teacher's data, turned once into the text table every model's checks read (as a CSV of
/// it would), however many versions are scored on it.
pub struct HeldOutData<'a> {
    data: &'a Dataset,
    table: Table,
}

impl<'a> HeldOutData<'a> {
    pub fn new(data: &'a Dataset) -> Result<Self, String> {
        if data.row_count() == 0 {
            return Err(format!("\"{}\" has no rows to score on", data.name));
        }
        Ok(Self {
            data,
            table: table_of(data),
        })
    }

    /// The data as `signature`'s model reads it, or why that model cannot be scored on it.
    pub fn for_model(&self, signature: &ModelSignature) -> Result<HeldOut, String> {
        let answers = answers(signature, self.data)?;
        let (rows, _notes) =
            feature_matrix_of("the data", signature, &self.table).map_err(|refusal| {
                std::iter::once(refusal.heading)
                    .chain(refusal.problems)
                    .collect::<Vec<_>>()
                    .join(" ")
            })?;
        Ok(HeldOut { rows, answers })
    }
}

/// The scores of `predictions` against what `held_out` should have been answered.
pub fn scores(
    signature: &ModelSignature,
    held_out: &HeldOut,
    predictions: &[Prediction],
) -> Result<BTreeMap<String, f64>, String> {
    if predictions.len() != held_out.answers.len() {
        return Err(format!(
            "the model answered {} rows of {}",
            predictions.len(),
            held_out.answers.len()
        ));
    }
    let report = match (&held_out.answers, &signature.output) {
        (Answers::Classes(labels), Output::Classes { class_names, .. }) => {
            let class_count = class_names.len();
            let mut probabilities = Vec::with_capacity(labels.len() * class_count);
            for prediction in predictions {
                match prediction {
                    Prediction::Class {
                        probabilities: row, ..
                    } if row.len() == class_count => probabilities.extend_from_slice(row),
                    _ => return Err("the model did not answer with its classes".into()),
                }
            }
            Report::Classification(classification_report(labels, &probabilities, class_count))
        }
        (Answers::Values(values), Output::Value { .. }) => {
            let answered = predictions
                .iter()
                .map(|prediction| match prediction {
                    Prediction::Value(value) => Ok(*value),
                    Prediction::Class { .. } => Err("the model answered a class, not a number"),
                })
                .collect::<Result<Vec<f32>, _>>()?;
            Report::Regression(regression_report(values, &answered))
        }
        _ => return Err("the model answers another kind of question than the data asks".into()),
    };
    Ok(test_metrics(&report))
}

/// The data's answers in the model's terms: the same target, and every class one it knows.
fn answers(signature: &ModelSignature, data: &Dataset) -> Result<Answers, String> {
    match (&signature.output, &data.target) {
        (
            Output::Classes {
                target,
                class_names,
            },
            Target::Classes {
                name,
                labels,
                class_names: data_classes,
            },
        ) => {
            if target != name {
                return Err(format!(
                    "the model answers '{target}'; the data's answer column is '{name}'"
                ));
            }
            let mapped = data_classes
                .iter()
                .map(|class| class_names.iter().position(|known| known == class))
                .collect::<Vec<_>>();
            let unknown: Vec<&str> = data_classes
                .iter()
                .zip(&mapped)
                .enumerate()
                .filter(|(index, (_, position))| {
                    position.is_none() && labels.contains(&(*index as u32))
                })
                .map(|(_, (class, _))| class.as_str())
                .collect();
            if !unknown.is_empty() {
                return Err(format!(
                    "the data holds {} the model never learned: {}",
                    if unknown.len() == 1 {
                        "a class"
                    } else {
                        "classes"
                    },
                    unknown.join(", ")
                ));
            }
            Ok(Answers::Classes(
                labels
                    .iter()
                    .map(|&label| mapped[label as usize].unwrap_or_default() as u32)
                    .collect(),
            ))
        }
        (Output::Value { target }, Target::Values { name, values }) => {
            if target != name {
                return Err(format!(
                    "the model answers '{target}'; the data's answer column is '{name}'"
                ));
            }
            Ok(Answers::Values(values.clone()))
        }
        (Output::Classes { target, .. }, Target::Values { .. }) => Err(format!(
            "the model names a class of '{target}'; the data's answers are numbers"
        )),
        (Output::Value { target }, Target::Classes { .. }) => Err(format!(
            "the model answers '{target}' with a number; the data's answers are classes"
        )),
    }
}

/// The data's inputs as text cells, as a CSV of them would read: numbers written so they read
/// back exactly, categories by name, gaps empty.
fn table_of(data: &Dataset) -> Table {
    let rows = data.row_count();
    let columns = (0..data.feature_count())
        .map(|column| {
            (0..rows)
                .map(|row| match data.kind(column) {
                    FeatureKind::Categorical { .. } => {
                        data.category(row, column).unwrap_or_default().to_owned()
                    }
                    FeatureKind::Numeric => {
                        let value = data.row(row)[column];
                        if value.is_nan() {
                            String::new()
                        } else {
                            value.to_string()
                        }
                    }
                })
                .collect()
        })
        .collect();
    Table {
        delimiter: ',',
        header: data.feature_names.clone(),
        columns,
        row_lines: (2..rows + 2).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::prepare::Preprocessing;
    use crate::data::synthetic::SyntheticSpec;
    use crate::spec::TrainSpec;

    fn signature_of(data: &Dataset) -> ModelSignature {
        let spec = TrainSpec::default();
        let rows: Vec<usize> = (0..data.row_count()).collect();
        ModelSignature::for_data(
            &spec.model,
            data,
            Preprocessing::fit(data, &rows),
            spec.backend,
        )
    }

    fn held_out(signature: &ModelSignature, data: &Dataset) -> Result<HeldOut, String> {
        HeldOutData::new(data)?.for_model(signature)
    }

    fn class_names(data: &Dataset) -> Vec<String> {
        match &data.target {
            Target::Classes { class_names, .. } => class_names.clone(),
            Target::Values { .. } => panic!("classes"),
        }
    }

    #[test]
    fn a_perfect_model_scores_one_and_a_wrong_one_zero_with_classes_matched_by_name() {
        let data = SyntheticSpec::default().generate().unwrap();
        let signature = signature_of(&data);
        let held = held_out(&signature, &data).unwrap();
        assert_eq!(held.rows, data.features);
        let Answers::Classes(labels) = &held.answers else {
            panic!("classes")
        };
        let count = class_names(&data).len() as u32;
        let answer = |shift: u32| -> Vec<Prediction> {
            labels
                .iter()
                .map(|&label| {
                    let guess = (label + shift) % count;
                    let mut probabilities = vec![0.0; count as usize];
                    probabilities[guess as usize] = 1.0;
                    Prediction::Class {
                        label: guess,
                        probabilities,
                    }
                })
                .collect()
        };
        let perfect = scores(&signature, &held, &answer(0)).unwrap();
        assert_eq!(perfect["test_accuracy"], 1.0);
        assert_eq!(perfect["test_f1_macro"], 1.0);
        let wrong = scores(&signature, &held, &answer(1)).unwrap();
        assert_eq!(wrong["test_accuracy"], 0.0);
        let short = scores(&signature, &held, &answer(0)[1..]).unwrap_err();
        assert!(short.contains("answered 999 rows of 1000"), "{short}");
        let numbers = vec![Prediction::Value(1.0); labels.len()];
        assert!(scores(&signature, &held, &numbers).is_err());

        // The same rows with the classes listed the other way round: the model's order counts.
        let mut reordered = data.clone();
        if let Target::Classes {
            labels,
            class_names,
            ..
        } = &mut reordered.target
        {
            class_names.reverse();
            let last = class_names.len() as u32 - 1;
            for label in labels.iter_mut() {
                *label = last - *label;
            }
        }
        let again = held_out(&signature, &reordered).unwrap();
        assert_eq!(again.answers, held.answers);
    }

    #[test]
    fn data_the_model_cannot_read_is_refused_in_words() {
        let data = SyntheticSpec::default().generate().unwrap();
        let signature = signature_of(&data);
        let first = data.feature_names[0].clone();
        let mut renamed = data.clone();
        renamed.feature_names[0] = "colour".into();
        let refused = held_out(&signature, &renamed).unwrap_err();
        assert!(
            refused.contains(&format!("no column '{first}'")),
            "{refused}"
        );

        let mut other_class = data.clone();
        if let Target::Classes { class_names, .. } = &mut other_class.target {
            class_names[0] = "hybrid".into();
        }
        let refused = held_out(&signature, &other_class).unwrap_err();
        assert!(refused.contains("never learned: hybrid"), "{refused}");

        let mut numbers = data.clone();
        numbers.target = Target::Values {
            name: data.target.name().to_owned(),
            values: vec![1.0; data.row_count()],
        };
        let refused = held_out(&signature, &numbers).unwrap_err();
        assert!(refused.contains("answers are numbers"), "{refused}");

        let mut renamed_target = numbers.clone();
        let regressor = signature_of(&numbers);
        renamed_target.target = Target::Values {
            name: "price".into(),
            values: vec![1.0; data.row_count()],
        };
        let refused = held_out(&regressor, &renamed_target).unwrap_err();
        assert!(refused.contains("answer column is 'price'"), "{refused}");
        let held = held_out(&regressor, &numbers).unwrap();
        let scored = scores(&regressor, &held, &vec![Prediction::Value(3.0); 1000]).unwrap();
        assert_eq!(scored["test_rmse"], 2.0);
        assert_eq!(scored["test_mae"], 2.0);
    }

    #[test]
    fn categories_are_read_by_name_and_gaps_stay_gaps() {
        let mut data = SyntheticSpec::default().generate().unwrap();
        data.feature_kinds = vec![
            FeatureKind::Categorical {
                categories: vec!["red".into(), "blue".into()],
            },
            FeatureKind::Numeric,
        ];
        let rows = data.row_count();
        for row in 0..rows {
            data.features[row * 2] = (row % 2) as f32;
        }
        data.features[3] = f32::NAN;
        let signature = signature_of(&data);
        let table = table_of(&data);
        assert_eq!(table.columns[0][0], "red");
        assert_eq!(table.columns[0][1], "blue");
        assert_eq!(table.columns[1][1], "");
        let held = held_out(&signature, &data).expect("categories read");
        assert_eq!(held.rows[0], signature.code_of(0, "red").unwrap());
        assert_eq!(held.rows[2], signature.code_of(0, "blue").unwrap());
        assert!(
            held.rows[3].is_nan(),
            "a gap stays a gap, which the model fills"
        );
    }
}
