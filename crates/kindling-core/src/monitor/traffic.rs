//! The traffic generator: a dataset replayed as production requests, with drift a teacher can
//! turn up while it runs. Each kind of drift is one control, applied to each request as it is
//! drawn, so changing a control changes the very next request:
//!
//! - **covariate shift**: chosen number features moved by `shift_sd` of their standard
//!   deviation and spread by `scale` around their mean (the relation to the label kept);
//! - **label shift**: classes drawn in chosen shares (each row drawn from its class's rows);
//! - **concept drift**: the first two number features rotated by `rotate_degrees` around
//!   their mean (in standard units) while the label stays, so the same point now means another
//!   class: on the spiral, the spiral turns under the model;
//! - **missing values**: a share of cells blanked;
//! - **new categories**: a share of category cells replaced by one the training data never had.
//!
//! Rows come out in the source's own coding, whose category lists carry one extra entry,
//! [`NEW_CATEGORY`], for the last kind.

use serde::{Deserialize, Serialize};

use crate::data::{Dataset, FeatureKind, Target};
use crate::rng::Mulberry32;

/// The category new-category drift writes.
pub const NEW_CATEGORY: &str = "never-seen-in-training";

/// The drift applied to traffic, all off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriftControls {
    pub shift_sd: f64,
    pub scale: f64,
    /// The features shift and scale apply to; empty: every number feature.
    pub features: Vec<String>,
    /// Each class's share of the traffic, in class order; empty: the source's own shares.
    pub class_shares: Vec<f64>,
    pub rotate_degrees: f64,
    pub missing_fraction: f64,
    pub new_category_fraction: f64,
}

impl Default for DriftControls {
    fn default() -> Self {
        Self {
            shift_sd: 0.0,
            scale: 1.0,
            features: Vec::new(),
            class_shares: Vec::new(),
            rotate_degrees: 0.0,
            missing_fraction: 0.0,
            new_category_fraction: 0.0,
        }
    }
}

impl DriftControls {
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }
}

/// One production request as the generator makes it, with the label the world will reveal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveRow {
    /// The raw values in the source's coding (see the module doc).
    pub values: Vec<f32>,
    /// A class index or a value.
    pub label: f32,
}

/// Replays a dataset, drifted as the controls say.
#[derive(Debug, Clone)]
pub struct Traffic {
    source: Dataset,
    rng: Mulberry32,
    means: Vec<f64>,
    sds: Vec<f64>,
    /// Rows of each class, for label shift.
    class_rows: Vec<Vec<usize>>,
    kinds: Vec<FeatureKind>,
}

impl Traffic {
    /// `source` must not be empty.
    pub fn new(source: Dataset, seed: u32) -> Self {
        let columns = source.feature_count();
        let mut means = vec![0.0; columns];
        let mut sds = vec![1.0; columns];
        for column in 0..columns {
            let values: Vec<f64> = (0..source.row_count())
                .map(|row| f64::from(source.row(row)[column]))
                .filter(|value| !value.is_nan())
                .collect();
            if values.is_empty() {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let variance =
                values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
            means[column] = mean;
            sds[column] = if variance > 0.0 { variance.sqrt() } else { 1.0 };
        }
        let class_rows = match &source.target {
            Target::Classes {
                labels,
                class_names,
                ..
            } => {
                let mut rows = vec![Vec::new(); class_names.len()];
                for (row, &label) in labels.iter().enumerate() {
                    rows[label as usize].push(row);
                }
                rows
            }
            Target::Values { .. } => Vec::new(),
        };
        let kinds = (0..columns)
            .map(|column| match source.kind(column) {
                FeatureKind::Numeric => FeatureKind::Numeric,
                FeatureKind::Categorical { categories } => {
                    let mut categories = categories.clone();
                    categories.push(NEW_CATEGORY.to_owned());
                    FeatureKind::Categorical { categories }
                }
            })
            .collect();
        Self {
            source,
            rng: Mulberry32::new(seed),
            means,
            sds,
            class_rows,
            kinds,
        }
    }

    pub fn source(&self) -> &Dataset {
        &self.source
    }

    /// The column kinds of the rows this makes: the source's, each category list ending with
    /// [`NEW_CATEGORY`].
    pub fn kinds(&self) -> &[FeatureKind] {
        &self.kinds
    }

    /// The next request.
    pub fn next_row(&mut self, drift: &DriftControls) -> LiveRow {
        let row = self.draw_row(&drift.class_shares);
        let mut values = self.source.row(row).to_vec();
        let label = match &self.source.target {
            Target::Classes { labels, .. } => labels[row] as f32,
            Target::Values { values, .. } => values[row],
        };
        let names = &self.source.feature_names;
        let number_columns: Vec<usize> = (0..values.len())
            .filter(|&column| matches!(self.kinds[column], FeatureKind::Numeric))
            .collect();
        if drift.rotate_degrees != 0.0
            && let [first, second, ..] = number_columns[..]
        {
            let (x, y) = (
                (f64::from(values[first]) - self.means[first]) / self.sds[first],
                (f64::from(values[second]) - self.means[second]) / self.sds[second],
            );
            let (sin, cos) = drift.rotate_degrees.to_radians().sin_cos();
            values[first] = ((x * cos - y * sin) * self.sds[first] + self.means[first]) as f32;
            values[second] = ((x * sin + y * cos) * self.sds[second] + self.means[second]) as f32;
        }
        for &column in &number_columns {
            let chosen = drift.features.is_empty() || drift.features.contains(&names[column]);
            if chosen && (drift.shift_sd != 0.0 || drift.scale != 1.0) {
                let value = f64::from(values[column]);
                let mean = self.means[column];
                values[column] = (mean
                    + (value - mean) * drift.scale
                    + drift.shift_sd * self.sds[column]) as f32;
            }
        }
        for (column, value) in values.iter_mut().enumerate() {
            if let FeatureKind::Categorical { categories } = &self.kinds[column]
                && drift.new_category_fraction > 0.0
                && self.rng.next_f64() < drift.new_category_fraction
            {
                *value = (categories.len() - 1) as f32;
            }
            if drift.missing_fraction > 0.0 && self.rng.next_f64() < drift.missing_fraction {
                *value = f32::NAN;
            }
        }
        LiveRow { values, label }
    }

    /// A row of the source: uniform, or from a class drawn in the chosen shares.
    fn draw_row(&mut self, class_shares: &[f64]) -> usize {
        let total: f64 = class_shares.iter().filter(|share| **share > 0.0).sum();
        if class_shares.is_empty() || self.class_rows.is_empty() || total <= 0.0 {
            return self.rng.next_index(self.source.row_count());
        }
        let mut pick = self.rng.next_f64() * total;
        let mut class = None;
        for (index, &share) in class_shares.iter().enumerate().take(self.class_rows.len()) {
            if share <= 0.0 || self.class_rows[index].is_empty() {
                continue;
            }
            class = Some(index);
            if pick < share {
                break;
            }
            pick -= share;
        }
        match class {
            Some(class) => {
                let rows = &self.class_rows[class];
                rows[self.rng.next_index(rows.len())]
            }
            None => self.rng.next_index(self.source.row_count()),
        }
    }
}
