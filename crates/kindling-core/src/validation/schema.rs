//! The schema a pipeline holds its data to: inferred from the first data version it saw
//! (columns, their types, ranges and category vocabularies, how many gaps they had, the target's
//! classes or range), as TensorFlow Data Validation infers one, then kept.

use serde::{Deserialize, Serialize};

use super::profile::{DataProfile, TargetProfile, ValueProfile};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSchema {
    /// The data version it was inferred from.
    pub inferred_from: String,
    pub columns: Vec<ColumnSchema>,
    pub target: TargetSchema,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSchema {
    pub name: String,
    pub kind: ColumnType,
    /// The share of rows with a gap in the first version.
    pub missing_fraction: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnType {
    Numeric { min: f64, max: f64 },
    Categorical { categories: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TargetSchema {
    Classes { name: String, classes: Vec<String> },
    Values { name: String, min: f64, max: f64 },
}

impl DataSchema {
    pub fn infer(profile: &DataProfile) -> Self {
        let columns = profile
            .columns
            .iter()
            .map(|column| ColumnSchema {
                name: column.name.clone(),
                kind: match &column.values {
                    ValueProfile::Numeric { min, max, .. } => ColumnType::Numeric {
                        min: *min,
                        max: *max,
                    },
                    ValueProfile::Categorical { counts } => ColumnType::Categorical {
                        categories: counts
                            .iter()
                            .filter(|(_, count)| *count > 0)
                            .map(|(name, _)| name.clone())
                            .collect(),
                    },
                },
                missing_fraction: column.missing_fraction(profile.rows),
            })
            .collect();
        let target = match &profile.target {
            TargetProfile::Classes { name, counts } => TargetSchema::Classes {
                name: name.clone(),
                classes: counts
                    .iter()
                    .filter(|(_, count)| *count > 0)
                    .map(|(name, _)| name.clone())
                    .collect(),
            },
            TargetProfile::Values { name, min, max, .. } => TargetSchema::Values {
                name: name.clone(),
                min: *min,
                max: *max,
            },
        };
        Self {
            inferred_from: profile.dataset_id.clone(),
            columns,
            target,
        }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|column| column.name == name)
    }
}
