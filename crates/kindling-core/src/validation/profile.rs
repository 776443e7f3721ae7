//! What one data version looks like, column by column: the record a schema is inferred from and
//! two versions of the same named dataset are compared by. Small (no rows), so every pipeline
//! run keeps the profile of the data it saw.

use serde::{Deserialize, Serialize};

use crate::data::prepare::dataset_id;
use crate::data::{ColumnSummary, Dataset, Target};

/// One data version, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataProfile {
    /// The content hash: the data version.
    pub dataset_id: String,
    pub name: String,
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
    pub target: TargetProfile,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    /// Rows with a gap in this column.
    pub missing: usize,
    pub values: ValueProfile,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ValueProfile {
    /// Over the values present; all `0` when every row is a gap.
    Numeric {
        min: f64,
        max: f64,
        mean: f64,
        std: f64,
    },
    /// Rows per category, in the column's order.
    Categorical { counts: Vec<(String, usize)> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TargetProfile {
    Classes {
        name: String,
        counts: Vec<(String, usize)>,
    },
    Values {
        name: String,
        min: f64,
        max: f64,
        mean: f64,
    },
}

impl TargetProfile {
    pub fn name(&self) -> &str {
        match self {
            TargetProfile::Classes { name, .. } | TargetProfile::Values { name, .. } => name,
        }
    }
}

impl ColumnProfile {
    pub fn missing_fraction(&self, rows: usize) -> f64 {
        self.missing as f64 / rows.max(1) as f64
    }
}

impl DataProfile {
    pub fn of(data: &Dataset) -> Self {
        let columns = data
            .feature_stats()
            .into_iter()
            .map(|stats| ColumnProfile {
                name: stats.name,
                missing: stats.missing,
                values: match stats.summary {
                    ColumnSummary::Numeric {
                        min,
                        max,
                        mean,
                        std,
                    } if min.is_finite() => ValueProfile::Numeric {
                        min: f64::from(min),
                        max: f64::from(max),
                        mean,
                        std,
                    },
                    ColumnSummary::Numeric { .. } => ValueProfile::Numeric {
                        min: 0.0,
                        max: 0.0,
                        mean: 0.0,
                        std: 0.0,
                    },
                    ColumnSummary::Categorical { counts } => ValueProfile::Categorical { counts },
                },
            })
            .collect();
        let target = match &data.target {
            Target::Classes {
                name, class_names, ..
            } => TargetProfile::Classes {
                name: name.clone(),
                counts: class_names
                    .iter()
                    .cloned()
                    .zip(data.class_counts())
                    .collect(),
            },
            Target::Values { name, values } => {
                let count = values.len().max(1) as f64;
                TargetProfile::Values {
                    name: name.clone(),
                    min: values.iter().copied().fold(f32::INFINITY, f32::min).into(),
                    max: values
                        .iter()
                        .copied()
                        .fold(f32::NEG_INFINITY, f32::max)
                        .into(),
                    mean: values.iter().map(|&v| f64::from(v)).sum::<f64>() / count,
                }
            }
        };
        Self {
            dataset_id: dataset_id(data),
            name: data.name.clone(),
            rows: data.row_count(),
            columns,
            target,
        }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// What changed since `previous`, one line each: rows, columns added or gone, and each
    /// column whose gaps, range, mean or categories moved. Empty for the same version.
    pub fn changes_since(&self, previous: &DataProfile) -> Vec<String> {
        if self.dataset_id == previous.dataset_id {
            return Vec::new();
        }
        let mut changes = Vec::new();
        if self.rows != previous.rows {
            changes.push(format!(
                "rows: {} → {} ({:+})",
                previous.rows,
                self.rows,
                self.rows as i64 - previous.rows as i64
            ));
        }
        for column in &self.columns {
            let Some(before) = previous.column(&column.name) else {
                changes.push(format!("column {} is new", column.name));
                continue;
            };
            if column.missing_fraction(self.rows) != before.missing_fraction(previous.rows) {
                changes.push(format!(
                    "{}: gaps {:.1}% → {:.1}%",
                    column.name,
                    100.0 * before.missing_fraction(previous.rows),
                    100.0 * column.missing_fraction(self.rows)
                ));
            }
            match (&before.values, &column.values) {
                (
                    ValueProfile::Numeric {
                        min: min_before,
                        max: max_before,
                        mean: mean_before,
                        ..
                    },
                    ValueProfile::Numeric { min, max, mean, .. },
                ) => {
                    if (min, max) != (min_before, max_before) || mean != mean_before {
                        changes.push(format!(
                            "{}: range {} – {} → {} – {}, mean {} → {}",
                            column.name,
                            short(*min_before),
                            short(*max_before),
                            short(*min),
                            short(*max),
                            short(*mean_before),
                            short(*mean)
                        ));
                    }
                }
                (
                    ValueProfile::Categorical { counts: before },
                    ValueProfile::Categorical { counts },
                ) => {
                    let names = |counts: &[(String, usize)]| -> Vec<String> {
                        counts
                            .iter()
                            .filter(|(_, count)| *count > 0)
                            .map(|(name, _)| name.clone())
                            .collect()
                    };
                    let (was, now) = (names(before), names(counts));
                    let added: Vec<&String> = now.iter().filter(|c| !was.contains(c)).collect();
                    let gone: Vec<&String> = was.iter().filter(|c| !now.contains(c)).collect();
                    if !added.is_empty() {
                        changes.push(format!("{}: new categories {}", column.name, list(&added)));
                    }
                    if !gone.is_empty() {
                        changes.push(format!("{}: categories gone {}", column.name, list(&gone)));
                    }
                }
                _ => changes.push(format!(
                    "{}: was {}, now {}",
                    column.name,
                    before.values.kind_name(),
                    column.values.kind_name()
                )),
            }
        }
        for before in &previous.columns {
            if self.column(&before.name).is_none() {
                changes.push(format!("column {} is gone", before.name));
            }
        }
        if changes.is_empty() {
            changes.push("the same columns and summaries; some values differ".into());
        }
        changes
    }
}

impl ValueProfile {
    pub fn kind_name(&self) -> &'static str {
        match self {
            ValueProfile::Numeric { .. } => "numbers",
            ValueProfile::Categorical { .. } => "categories",
        }
    }
}

/// A number as a change list shows it: at most four decimals.
fn short(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

fn list(items: &[&String]) -> String {
    items
        .iter()
        .map(|item| format!("'{item}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
