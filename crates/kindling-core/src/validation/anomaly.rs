//! A data version checked against the schema and the pipeline's expectations. Each anomaly is
//! said in words with its count; a blocking one stops the pipeline before it trains.
//!
//! Blocking: a schema column missing or of another type, too few rows, gaps over the expected
//! share, a class that vanished from the target, a target of another name or kind. Warnings
//! (the run goes on; the model copes): a new column (not used), values outside the first
//! version's range, new categories (read as unseen), a new class, gaps where there were none.
//! `ignore` in the expectations silences kinds a person has decided are fine.

use serde::{Deserialize, Serialize};

use super::profile::{DataProfile, TargetProfile};
use super::schema::{ColumnType, DataSchema, TargetSchema};
use crate::data::{Dataset, FeatureKind, Target};

/// The pipeline's `[expect]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Whether data is held to the schema of the first version seen.
    #[serde(default)]
    pub schema: SchemaPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rows: Option<usize>,
    /// The largest share of gaps any column may have (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_missing_fraction: Option<f64>,
    /// Anomaly kinds not reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<AnomalyKind>,
}

impl Default for Expectations {
    fn default() -> Self {
        Self {
            schema: SchemaPolicy::FirstVersion,
            min_rows: None,
            max_missing_fraction: None,
            ignore: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaPolicy {
    /// Infer the schema from the first data version and hold every later one to it.
    #[default]
    FirstVersion,
    /// Check only the expectations.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    MissingColumn,
    NewColumn,
    TypeChanged,
    OutOfRange,
    NewCategory,
    TooManyGaps,
    TooFewRows,
    ClassVanished,
    NewClass,
    TargetChanged,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// The column it is about; `None` for the data as a whole.
    pub column: Option<String>,
    /// How many rows (or values, or columns) it concerns.
    pub count: usize,
    pub blocking: bool,
    pub detail: String,
}

impl std::fmt::Display for Anomaly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "{column}: {}", self.detail),
            None => write!(f, "{}", self.detail),
        }
    }
}

fn anomaly(
    kind: AnomalyKind,
    column: &str,
    count: usize,
    blocking: bool,
    detail: String,
) -> Anomaly {
    Anomaly {
        kind,
        column: (!column.is_empty()).then(|| column.to_owned()),
        count,
        blocking,
        detail,
    }
}

/// A data value as the file wrote it: values are read as f32, so their f64 form carries
/// digits nobody typed (4.300000190734863).
fn as_read(value: f64) -> String {
    (value as f32).to_string()
}

fn plural(count: usize, one: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {one}s")
    }
}

/// Every anomaly of `data` (whose profile is `profile`) against `schema` (when the pipeline
/// holds one) and `expect`.
pub fn check(
    data: &Dataset,
    profile: &DataProfile,
    schema: Option<&DataSchema>,
    expect: &Expectations,
) -> Vec<Anomaly> {
    let mut found = Vec::new();
    if let Some(min_rows) = expect.min_rows
        && profile.rows < min_rows
    {
        found.push(anomaly(
            AnomalyKind::TooFewRows,
            "",
            profile.rows,
            true,
            format!(
                "{} where at least {min_rows} are expected",
                plural(profile.rows, "row")
            ),
        ));
    }
    if let Some(limit) = expect.max_missing_fraction {
        for column in &profile.columns {
            let fraction = column.missing_fraction(profile.rows);
            if fraction > limit {
                found.push(anomaly(
                    AnomalyKind::TooManyGaps,
                    &column.name,
                    column.missing,
                    true,
                    format!(
                        "{} of {} rows have a gap ({:.1}%), over the {:.1}% expected",
                        column.missing,
                        profile.rows,
                        100.0 * fraction,
                        100.0 * limit
                    ),
                ));
            }
        }
    }
    if let Some(schema) = schema.filter(|_| expect.schema == SchemaPolicy::FirstVersion) {
        check_columns(data, profile, schema, expect, &mut found);
        check_target(data, profile, schema, &mut found);
    }
    found.retain(|anomaly| !expect.ignore.contains(&anomaly.kind));
    found
}

fn check_columns(
    data: &Dataset,
    profile: &DataProfile,
    schema: &DataSchema,
    expect: &Expectations,
    found: &mut Vec<Anomaly>,
) {
    for expected in &schema.columns {
        let Some(index) = data.feature_names.iter().position(|n| *n == expected.name) else {
            found.push(anomaly(
                AnomalyKind::MissingColumn,
                &expected.name,
                1,
                true,
                "the column is missing: the first version had it".into(),
            ));
            continue;
        };
        let column = &profile.columns[index];
        let values = (0..data.row_count()).map(|row| data.row(row)[index]);
        match (&expected.kind, data.kind(index)) {
            (ColumnType::Numeric { min, max }, FeatureKind::Numeric) => {
                let outside: Vec<f64> = values
                    .map(f64::from)
                    .filter(|value| !value.is_nan() && (value < min || value > max))
                    .collect();
                if !outside.is_empty() {
                    let lowest = outside.iter().copied().fold(f64::INFINITY, f64::min);
                    let highest = outside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    found.push(anomaly(
                        AnomalyKind::OutOfRange,
                        &expected.name,
                        outside.len(),
                        false,
                        format!(
                            "{} outside the first version's range {} – {} (from {} to {})",
                            plural(outside.len(), "value"),
                            as_read(*min),
                            as_read(*max),
                            as_read(lowest),
                            as_read(highest)
                        ),
                    ));
                }
            }
            (
                ColumnType::Categorical { categories },
                FeatureKind::Categorical { categories: now },
            ) => {
                let mut new_rows = 0;
                let mut new_names: Vec<&str> = Vec::new();
                for code in values.filter(|value| !value.is_nan()) {
                    let name = now[code as usize].as_str();
                    if !categories.iter().any(|known| known == name) {
                        new_rows += 1;
                        if !new_names.contains(&name) {
                            new_names.push(name);
                        }
                    }
                }
                if new_rows > 0 {
                    found.push(anomaly(
                        AnomalyKind::NewCategory,
                        &expected.name,
                        new_rows,
                        false,
                        format!(
                            "{} with categories the first version did not have: {} (a model reads them as unseen)",
                            plural(new_rows, "row"),
                            new_names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            (expected_kind, _) => found.push(anomaly(
                AnomalyKind::TypeChanged,
                &expected.name,
                1,
                true,
                format!(
                    "the column holds {} now; the first version had {}",
                    column.values.kind_name(),
                    match expected_kind {
                        ColumnType::Numeric { .. } => "numbers",
                        ColumnType::Categorical { .. } => "categories",
                    }
                ),
            )),
        }
        if expect.max_missing_fraction.is_none()
            && expected.missing_fraction == 0.0
            && column.missing > 0
        {
            found.push(anomaly(
                AnomalyKind::TooManyGaps,
                &expected.name,
                column.missing,
                false,
                format!(
                    "{} with a gap where the first version had none",
                    plural(column.missing, "row")
                ),
            ));
        }
    }
    for name in &data.feature_names {
        if schema.column(name).is_none() {
            found.push(anomaly(
                AnomalyKind::NewColumn,
                name,
                1,
                false,
                "a new column the first version did not have (it is not used)".into(),
            ));
        }
    }
}

fn check_target(
    data: &Dataset,
    profile: &DataProfile,
    schema: &DataSchema,
    found: &mut Vec<Anomaly>,
) {
    let name = profile.target.name();
    match (&schema.target, &profile.target) {
        (
            TargetSchema::Classes {
                name: expected,
                classes,
            },
            TargetProfile::Classes { counts, .. },
        ) if expected == name => {
            let vanished: Vec<&String> = classes
                .iter()
                .filter(|class| !counts.iter().any(|(c, count)| c == *class && *count > 0))
                .collect();
            if !vanished.is_empty() {
                found.push(anomaly(
                    AnomalyKind::ClassVanished,
                    name,
                    vanished.len(),
                    true,
                    format!(
                        "no row has the {} {}, which the first version had",
                        if vanished.len() == 1 {
                            "class"
                        } else {
                            "classes"
                        },
                        vanished
                            .iter()
                            .map(|c| format!("'{c}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let new: Vec<(&String, usize)> = counts
                .iter()
                .filter(|(class, count)| *count > 0 && !classes.contains(class))
                .map(|(class, count)| (class, *count))
                .collect();
            if !new.is_empty() {
                let rows = new.iter().map(|(_, count)| count).sum();
                found.push(anomaly(
                    AnomalyKind::NewClass,
                    name,
                    rows,
                    false,
                    format!(
                        "{} of classes the first version did not have: {}",
                        plural(rows, "row"),
                        new.iter()
                            .map(|(c, _)| format!("'{c}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        (
            TargetSchema::Values {
                name: expected,
                min,
                max,
            },
            TargetProfile::Values { .. },
        ) if expected == name => {
            if let Target::Values { values, .. } = &data.target {
                let outside = values
                    .iter()
                    .map(|&v| f64::from(v))
                    .filter(|v| v < min || v > max)
                    .count();
                if outside > 0 {
                    found.push(anomaly(
                        AnomalyKind::OutOfRange,
                        name,
                        outside,
                        false,
                        format!(
                            "{} outside the first version's range {} – {}",
                            plural(outside, "target value"),
                            as_read(*min),
                            as_read(*max)
                        ),
                    ));
                }
            }
        }
        (expected, _) => {
            let (expected_name, kind) = match expected {
                TargetSchema::Classes { name, .. } => (name, "classes"),
                TargetSchema::Values { name, .. } => (name, "a number"),
            };
            found.push(anomaly(
                AnomalyKind::TargetChanged,
                name,
                1,
                true,
                format!(
                    "the target is now '{name}' ({}); the first version's was '{expected_name}' ({kind})",
                    match profile.target {
                        TargetProfile::Classes { .. } => "classes",
                        TargetProfile::Values { .. } => "a number",
                    }
                ),
            ));
        }
    }
}
