//! One window of production rows compared with the data a model was trained on: per feature
//! PSI and (for numbers) the KS test, the share of gaps on each side, categories the training
//! data never had, the drift of the target when both sides carry it, and the data-validation
//! anomalies of the live rows against the schema inferred from the reference.
//!
//! Columns are matched by name and categories by their text, never by position, so a CSV a
//! person exported later, with its columns reordered or a category added, compares correctly.
//! The reference is summarised once (`DriftReference`); comparing a 10,000-row window then
//! sorts only the window.

use serde::{Deserialize, Serialize};

use super::alerts::{AlertMetric, Observation};
use super::stats::{self, KsTest};
use crate::data::{Dataset, FeatureKind, Target};
use crate::validation::{self, Anomaly, AnomalyKind, DataProfile, DataSchema, Expectations};

/// What the monitor knows of the training data, computed once per deployment.
#[derive(Debug, Clone)]
pub struct DriftReference {
    rows: usize,
    columns: Vec<ReferenceColumn>,
    target: Option<ReferenceColumn>,
    schema: DataSchema,
}

#[derive(Debug, Clone)]
struct ReferenceColumn {
    name: String,
    missing: usize,
    values: ReferenceValues,
}

#[derive(Debug, Clone)]
enum ReferenceValues {
    Numeric {
        sorted: Vec<f64>,
        edges: Vec<f64>,
        counts: Vec<usize>,
    },
    Categorical {
        categories: Vec<String>,
        counts: Vec<usize>,
    },
}

/// A window compared with the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub reference_rows: usize,
    pub current_rows: usize,
    pub features: Vec<FeatureDrift>,
    /// The target's (or, live, the predictions') drift against the training labels.
    pub target: Option<FeatureDrift>,
    pub anomalies: Vec<Anomaly>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    pub name: String,
    pub categorical: bool,
    /// `None` when either side has no values in this column.
    pub psi: Option<f64>,
    /// Numbers only.
    pub ks: Option<KsTest>,
    pub reference_missing_fraction: f64,
    pub current_missing_fraction: f64,
    /// Current rows whose category the reference never had.
    pub unseen: usize,
    /// Numbers only: the means of the values present.
    pub reference_mean: Option<f64>,
    pub current_mean: Option<f64>,
}

impl DriftReport {
    /// The largest PSI of any feature, and which.
    pub fn max_psi(&self) -> Option<(&str, f64)> {
        self.features
            .iter()
            .filter_map(|feature| feature.psi.map(|psi| (feature.name.as_str(), psi)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The smallest KS p-value of any feature, and which.
    pub fn min_ks_p_value(&self) -> Option<(&str, f64)> {
        self.features
            .iter()
            .filter_map(|feature| feature.ks.map(|ks| (feature.name.as_str(), ks.p_value)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The largest share of gaps in any feature of the window, and which.
    pub fn max_missing_fraction(&self) -> Option<(&str, f64)> {
        self.features
            .iter()
            .map(|feature| (feature.name.as_str(), feature.current_missing_fraction))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

impl DriftReport {
    /// What a rule on `metric` sees in this report; `None` for a metric the report cannot
    /// answer (accuracy and latency need the endpoint's answers).
    pub fn observe(&self, metric: AlertMetric) -> Option<Observation> {
        let per_feature = |found: Option<(&str, f64)>| {
            found.map(|(feature, value)| Observation {
                value,
                feature: Some(feature.to_owned()),
            })
        };
        match metric {
            AlertMetric::Psi => per_feature(self.max_psi()),
            AlertMetric::KsPValue => per_feature(self.min_ks_p_value()),
            AlertMetric::Missing => per_feature(self.max_missing_fraction()),
            AlertMetric::PredictionPsi => self.target.as_ref()?.psi.map(|value| Observation {
                value,
                feature: None,
            }),
            AlertMetric::Accuracy | AlertMetric::Rmse | AlertMetric::LatencyP99Ms => None,
        }
    }
}

impl FeatureDrift {
    /// PSI's usual reading: under 0.1 stable, up to 0.2 moderate, above that a shift.
    pub fn psi_reading(&self) -> &'static str {
        match self.psi {
            None => "no values",
            Some(psi) if psi < 0.1 => "stable",
            Some(psi) if psi <= 0.2 => "moderate shift",
            Some(_) => "significant shift",
        }
    }
}

impl DriftReference {
    pub fn new(reference: &Dataset) -> Self {
        let columns = (0..reference.feature_count())
            .map(|column| {
                let values = reference.features[column..]
                    .iter()
                    .step_by(reference.feature_count().max(1))
                    .map(|&value| f64::from(value));
                summarise(
                    &reference.feature_names[column],
                    reference.kind(column),
                    values,
                )
            })
            .collect();
        let profile = DataProfile::of(reference);
        Self {
            rows: reference.row_count(),
            columns,
            target: target_column(&reference.target)
                .map(|(name, kind, values)| summarise(name, &kind, values.into_iter())),
            schema: DataSchema::infer(&profile),
        }
    }

    /// `current` against the reference. `with_target` says whether `current`'s target holds
    /// real labels (or predictions worth comparing); without it, target anomalies are not
    /// reported and no target drift is computed.
    pub fn compare(&self, current: &Dataset, with_target: bool) -> DriftReport {
        let features = self
            .columns
            .iter()
            .map(|reference| {
                let position = current
                    .feature_names
                    .iter()
                    .position(|name| name == &reference.name);
                let values: Vec<f64> = match position {
                    Some(column) => current.features[column..]
                        .iter()
                        .step_by(current.feature_count().max(1))
                        .map(|&value| f64::from(value))
                        .collect(),
                    None => vec![f64::NAN; current.row_count()],
                };
                let kind = position.map_or(&FeatureKind::Numeric, |column| current.kind(column));
                compare_column(self.rows, reference, kind, &values)
            })
            .collect();
        let target = if with_target {
            self.target.as_ref().and_then(|reference| {
                let (name, kind, values) = target_column(&current.target)?;
                (name == reference.name)
                    .then(|| compare_column(self.rows, reference, &kind, &values))
            })
        } else {
            None
        };
        let mut expect = Expectations::default();
        if !with_target {
            expect.ignore = vec![
                AnomalyKind::ClassVanished,
                AnomalyKind::NewClass,
                AnomalyKind::TargetChanged,
            ];
        }
        let profile = DataProfile::of(current);
        DriftReport {
            reference_rows: self.rows,
            current_rows: current.row_count(),
            features,
            target,
            anomalies: validation::check(current, &profile, Some(&self.schema), &expect),
        }
    }
}

/// A target as a column: class indices with the class names as categories, or values.
fn target_column(target: &Target) -> Option<(&str, FeatureKind, Vec<f64>)> {
    match target {
        Target::Classes {
            name,
            labels,
            class_names,
        } => Some((
            name,
            FeatureKind::Categorical {
                categories: class_names.clone(),
            },
            labels.iter().map(|&label| f64::from(label)).collect(),
        )),
        Target::Values { name, values } => Some((
            name,
            FeatureKind::Numeric,
            values.iter().map(|&value| f64::from(value)).collect(),
        )),
    }
}

fn summarise(
    name: &str,
    kind: &FeatureKind,
    values: impl Iterator<Item = f64> + Clone,
) -> ReferenceColumn {
    let missing = values.clone().filter(|value| value.is_nan()).count();
    let values = match kind {
        FeatureKind::Numeric => {
            let sorted = stats::sorted_present(values);
            let edges = stats::psi_edges(&sorted);
            let counts = stats::bin_counts(&edges, &sorted);
            ReferenceValues::Numeric {
                sorted,
                edges,
                counts,
            }
        }
        FeatureKind::Categorical { categories } => {
            let mut counts = vec![0; categories.len()];
            for code in values.filter(|value| !value.is_nan()) {
                if let Some(count) = counts.get_mut(code as usize) {
                    *count += 1;
                }
            }
            ReferenceValues::Categorical {
                categories: categories.clone(),
                counts,
            }
        }
    };
    ReferenceColumn {
        name: name.to_owned(),
        missing,
        values,
    }
}

fn compare_column(
    reference_rows: usize,
    reference: &ReferenceColumn,
    current_kind: &FeatureKind,
    current: &[f64],
) -> FeatureDrift {
    let current_missing = current.iter().filter(|value| value.is_nan()).count();
    let mut drift = FeatureDrift {
        name: reference.name.clone(),
        categorical: matches!(reference.values, ReferenceValues::Categorical { .. }),
        psi: None,
        ks: None,
        reference_missing_fraction: reference.missing as f64 / reference_rows.max(1) as f64,
        current_missing_fraction: current_missing as f64 / current.len().max(1) as f64,
        unseen: 0,
        reference_mean: None,
        current_mean: None,
    };
    match (&reference.values, current_kind) {
        (
            ReferenceValues::Numeric {
                sorted,
                edges,
                counts,
            },
            FeatureKind::Numeric,
        ) => {
            let current_sorted = stats::sorted_present(current.iter().copied());
            drift.reference_mean = mean(sorted);
            drift.current_mean = mean(&current_sorted);
            if !sorted.is_empty() && !current_sorted.is_empty() {
                drift.psi = Some(stats::psi_of_counts(
                    counts,
                    &stats::bin_counts(edges, &current_sorted),
                ));
                drift.ks = stats::ks_two_sample(sorted, &current_sorted);
            }
        }
        (
            ReferenceValues::Categorical { categories, counts },
            FeatureKind::Categorical {
                categories: current_categories,
            },
        ) => {
            // Each current category's index in the reference, or one past its end: unseen.
            let to_reference: Vec<usize> = current_categories
                .iter()
                .map(|category| {
                    categories
                        .iter()
                        .position(|known| known == category)
                        .unwrap_or(categories.len())
                })
                .collect();
            let codes: Vec<usize> = current
                .iter()
                .filter(|value| !value.is_nan())
                .map(|&code| {
                    to_reference
                        .get(code as usize)
                        .copied()
                        .unwrap_or(categories.len())
                })
                .collect();
            drift.unseen = codes
                .iter()
                .filter(|&&code| counts.get(code).is_none_or(|&count| count == 0))
                .count();
            drift.psi = stats::psi_categorical(counts, &codes);
        }
        // A column that changed kind is reported as an anomaly; no statistic compares a number
        // with a category.
        _ => {}
    }
    drift
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}
