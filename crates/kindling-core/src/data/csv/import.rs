//! Turning a table into a dataset: what each column holds, the task a target suggests, and
//! the features the chosen target and missing-value policy give.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::{CsvError, MAX_CATEGORIES, MAX_CLASSES, MIN_ROWS};
use super::read::{Table, is_missing, parse_number};
use crate::data::{Dataset, FeatureKind, ImageShape, Target, Task};

/// How a column reads, decided from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    /// Numbers (a few missing values allowed).
    Numeric,
    /// A handful of repeated text values: one-hot encoded as features.
    Categorical,
    /// One value on every row: carries no information, left out of the features.
    Constant,
    /// Unique per row (names, keys, row numbers): would let a model memorise rows, left out.
    Identifier,
    /// Nothing but missing values.
    Empty,
}

/// What a column looks like, for the import preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    pub missing: usize,
    pub distinct: usize,
}

/// What to do with rows that have a missing value in a column the model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MissingPolicy {
    /// Leave such rows out: nothing is made up.
    #[default]
    DropRows,
    /// Keep such rows: the model's preprocessing fills each gap from its training rows (a
    /// number with the column's mean, a category with the most common one).
    Impute,
}

impl crate::choice::Choice for MissingPolicy {
    const WHAT: &'static str = "missing-value policy";
    const KEYS: &'static [(Self, &'static str)] = &[
        (MissingPolicy::DropRows, "drop"),
        (MissingPolicy::Impute, "impute"),
    ];
}

/// The person's choices for turning a table into a dataset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    /// The column to predict; the last column when not given.
    pub target: Option<String>,
    /// Classification or regression; inferred from the target when not given.
    pub task: Option<Task>,
    pub missing: MissingPolicy,
    /// Read every other column as the pixels of an image of this shape.
    pub image_shape: Option<ImageShape>,
}

/// The dataset and what the import decided on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub dataset: Dataset,
    pub task: Task,
    /// Rows left out for a missing value.
    pub dropped_rows: usize,
    /// Columns left out of the features, with the reason.
    pub ignored_columns: Vec<(String, ColumnKind)>,
}

impl Table {
    /// What each column looks like, in header order.
    pub fn profile(&self) -> Vec<ColumnProfile> {
        self.header
            .iter()
            .zip(&self.columns)
            .map(|(name, cells)| {
                let survey = Survey::of(cells);
                ColumnProfile {
                    name: name.clone(),
                    kind: survey.kind(),
                    missing: survey.missing,
                    distinct: survey.distinct.len(),
                }
            })
            .collect()
    }

    /// The task a target column suggests: text or a few whole numbers are classes, other
    /// numbers a quantity.
    pub fn suggested_task(&self, target: &str) -> Result<Task, CsvError> {
        let index = self.column_index(target)?;
        Ok(Survey::of(&self.columns[index]).suggested_task())
    }

    /// Builds the dataset: the chosen target, every usable column as features (categories
    /// one-hot encoded), missing values handled as asked.
    pub fn to_dataset(&self, name: &str, options: &ImportOptions) -> Result<Import, CsvError> {
        let target_index = match &options.target {
            Some(target) => self.column_index(target)?,
            None => self.header.len() - 1,
        };
        let target_survey = Survey::of(&self.columns[target_index]);
        let task = options
            .task
            .unwrap_or_else(|| target_survey.suggested_task());

        let mut plans = Vec::new();
        let mut ignored_columns = Vec::new();
        for (index, cells) in self.columns.iter().enumerate() {
            if index == target_index {
                continue;
            }
            let survey = Survey::of(cells);
            let kind = survey.kind();
            let pixel = options.image_shape.is_some();
            match (kind, pixel) {
                (ColumnKind::Numeric, _) | (ColumnKind::Constant, true) => {
                    if let Some(row) = survey.first_text {
                        return Err(CsvError::StrayText {
                            line: self.row_lines[row],
                            column: index + 1,
                            name: self.header[index].clone(),
                            value: cells[row].clone(),
                        });
                    }
                    plans.push((index, survey));
                }
                (ColumnKind::Categorical, false) => plans.push((index, survey)),
                (_, true) => {
                    return Err(CsvError::NonNumericPixel {
                        column: index + 1,
                        name: self.header[index].clone(),
                    });
                }
                (_, false) => ignored_columns.push((self.header[index].clone(), kind)),
            }
        }
        if let Some(shape) = options.image_shape {
            let expected = shape.height * shape.width;
            if plans.len() != expected {
                return Err(CsvError::ImageShape {
                    height: shape.height,
                    width: shape.width,
                    expected,
                    found: plans.len(),
                });
            }
        }
        if plans.is_empty() {
            return Err(CsvError::NoFeature);
        }

        // Rows kept: a target is never made up; other gaps by policy.
        let target_cells = &self.columns[target_index];
        let kept_rows: Vec<usize> = (0..self.row_count())
            .filter(|&row| !is_missing(&target_cells[row]))
            .filter(|&row| {
                options.missing == MissingPolicy::Impute
                    || plans
                        .iter()
                        .all(|(index, _)| !is_missing(&self.columns[*index][row]))
            })
            .collect();
        if kept_rows.is_empty() {
            return Err(CsvError::NoCompleteRow);
        }
        if kept_rows.len() < MIN_ROWS {
            return Err(CsvError::TooFewRows {
                found: kept_rows.len(),
            });
        }

        let target = self.target(target_index, task, &kept_rows)?;
        let feature_kinds: Vec<FeatureKind> = plans
            .iter()
            .map(|(_, survey)| survey.feature_kind())
            .collect();
        let mut features = Vec::with_capacity(kept_rows.len() * plans.len());
        for &row in &kept_rows {
            for ((index, _), kind) in plans.iter().zip(&feature_kinds) {
                features.push(raw_value(&self.columns[*index][row], kind));
            }
        }
        let all_numeric = feature_kinds
            .iter()
            .all(|kind| *kind == FeatureKind::Numeric);
        Ok(Import {
            dataset: Dataset {
                name: name.to_owned(),
                feature_names: plans
                    .iter()
                    .map(|(index, _)| self.header[*index].clone())
                    .collect(),
                features,
                target,
                image_shape: options.image_shape,
                feature_kinds: if all_numeric {
                    Vec::new()
                } else {
                    feature_kinds
                },
            },
            task,
            dropped_rows: self.row_count() - kept_rows.len(),
            ignored_columns,
        })
    }

    fn column_index(&self, name: &str) -> Result<usize, CsvError> {
        self.header
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| CsvError::UnknownTarget(name.to_owned()))
    }

    fn target(&self, index: usize, task: Task, rows: &[usize]) -> Result<Target, CsvError> {
        let name = self.header[index].clone();
        let cells = &self.columns[index];
        match task {
            Task::Regression => {
                let mut values = Vec::with_capacity(rows.len());
                for &row in rows {
                    let value =
                        parse_number(&cells[row]).ok_or_else(|| CsvError::NonNumericTarget {
                            line: self.row_lines[row],
                            name: name.clone(),
                            value: cells[row].clone(),
                        })?;
                    values.push(value as f32);
                }
                if values.iter().all(|&value| value == values[0]) {
                    return Err(CsvError::ConstantTarget { name });
                }
                Ok(Target::Values { name, values })
            }
            Task::Classification => {
                let distinct: BTreeSet<&str> =
                    rows.iter().map(|&row| cells[row].as_str()).collect();
                let class_names = sorted_categories(distinct);
                match class_names.len() {
                    1 => Err(CsvError::SingleClass {
                        name,
                        class: class_names[0].clone(),
                    }),
                    count if count > MAX_CLASSES => {
                        Err(CsvError::TooManyClasses { name, found: count })
                    }
                    _ => {
                        let index_of: BTreeMap<&str, u32> = class_names
                            .iter()
                            .enumerate()
                            .map(|(i, class)| (class.as_str(), i as u32))
                            .collect();
                        let labels = rows
                            .iter()
                            .map(|&row| index_of[cells[row].as_str()])
                            .collect();
                        Ok(Target::Classes {
                            name,
                            labels,
                            class_names,
                        })
                    }
                }
            }
        }
    }
}

/// A cell's raw value: the number, or the index of its category; NaN for a gap.
fn raw_value(cell: &str, kind: &FeatureKind) -> f32 {
    if is_missing(cell) {
        return f32::NAN;
    }
    match kind {
        FeatureKind::Numeric => parse_number(cell).map_or(f32::NAN, |value| value as f32),
        FeatureKind::Categorical { categories } => categories
            .iter()
            .position(|category| category == cell)
            .map_or(f32::NAN, |index| index as f32),
    }
}

/// One pass over a column's cells: what a profile, a task guess and an encoding need.
struct Survey<'a> {
    missing: usize,
    /// Distinct non-missing values with their counts.
    distinct: BTreeMap<&'a str, usize>,
    numbers: Vec<f64>,
    /// The first row whose non-missing value is not a number.
    first_text: Option<usize>,
}

impl<'a> Survey<'a> {
    fn of(cells: &'a [String]) -> Self {
        let mut survey = Survey {
            missing: 0,
            distinct: BTreeMap::new(),
            numbers: Vec::new(),
            first_text: None,
        };
        for (row, cell) in cells.iter().enumerate() {
            if is_missing(cell) {
                survey.missing += 1;
                continue;
            }
            *survey.distinct.entry(cell.as_str()).or_default() += 1;
            match parse_number(cell) {
                Some(number) => survey.numbers.push(number),
                None => {
                    survey.first_text.get_or_insert(row);
                }
            }
        }
        survey
    }

    fn present(&self) -> usize {
        self.distinct.values().sum()
    }

    /// Numeric when at least 90% of the values are numbers: the rest are typos to point at,
    /// not a reason to treat the column as text.
    fn is_numeric(&self) -> bool {
        !self.numbers.is_empty() && self.numbers.len() * 10 >= self.present() * 9
    }

    fn kind(&self) -> ColumnKind {
        match self.distinct.len() {
            0 => ColumnKind::Empty,
            1 => ColumnKind::Constant,
            distinct if self.is_numeric() => {
                if self.first_text.is_none() && is_row_number(&self.numbers, distinct) {
                    ColumnKind::Identifier
                } else {
                    ColumnKind::Numeric
                }
            }
            distinct if distinct > MAX_CATEGORIES => ColumnKind::Identifier,
            distinct if distinct == self.present() && distinct > 20 => ColumnKind::Identifier,
            _ => ColumnKind::Categorical,
        }
    }

    fn suggested_task(&self) -> Task {
        let whole_numbers = self.numbers.iter().all(|n| n.fract() == 0.0);
        if self.first_text.is_none() && !(whole_numbers && self.distinct.len() <= 10) {
            Task::Regression
        } else {
            Task::Classification
        }
    }

    /// Numbers stay numbers; anything else is a category, listed in a stable order.
    fn feature_kind(&self) -> FeatureKind {
        if self.is_numeric() {
            FeatureKind::Numeric
        } else {
            FeatureKind::Categorical {
                categories: sorted_categories(self.distinct.keys().copied().collect()),
            }
        }
    }
}

/// A column of distinct whole numbers forming one consecutive run (1, 2, 3, ...) is a row
/// number, whatever its name.
fn is_row_number(numbers: &[f64], distinct: usize) -> bool {
    if distinct != numbers.len() || distinct < 20 || numbers.iter().any(|n| n.fract() != 0.0) {
        return false;
    }
    let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
    let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max - min + 1.0 == distinct as f64
}

/// Categories in a stable order: numerically when they are all numbers (2 before 10), else
/// alphabetically.
fn sorted_categories(values: BTreeSet<&str>) -> Vec<String> {
    let mut values: Vec<&str> = values.into_iter().collect();
    if values.iter().all(|value| parse_number(value).is_some()) {
        values.sort_by(|a, b| {
            let (a, b) = (
                parse_number(a).unwrap_or(0.0),
                parse_number(b).unwrap_or(0.0),
            );
            a.total_cmp(&b)
        });
    }
    values.into_iter().map(str::to_owned).collect()
}
