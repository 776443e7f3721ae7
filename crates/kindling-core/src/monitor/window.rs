//! The monitor of one deployment: the last requests the endpoint answered (a sliding window),
//! the labels that have arrived for them, the alert rules and their log, and the snapshot the
//! page draws. Labels arrive late, as in production: each request carries the time its label
//! becomes known, and only requests past that time count towards accuracy.
//!
//! It is plain data (`Serialize`), so the page stores it and a reload picks up the same window
//! and the same alert log.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::alerts::{Alert, AlertMetric, AlertRule, AlertState, Observation};
use super::drift::{DriftReference, DriftReport};
use crate::data::{Dataset, FeatureKind, Target};
use crate::scoring::batch::csv_field;

/// The most requests a window keeps; drift statistics over this many rows stay well within a
/// frame's budget in the worker.
pub const MAX_WINDOW: usize = 10_000;
/// The rows the live drift charts are computed over when no rule asks for another window.
pub const DEFAULT_DRIFT_WINDOW: usize = 500;
/// The labels accuracy is shown over when no rule asks for another count.
pub const DEFAULT_LABEL_WINDOW: usize = 200;
/// How far back the request rate is measured.
const RATE_SPAN_MS: f64 = 5_000.0;

/// One answered request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Served {
    pub number: u64,
    pub at_ms: f64,
    #[serde(with = "crate::data::gaps")]
    pub values: Vec<f32>,
    /// The deployed model's answer: a class index or a value.
    pub prediction: f32,
    /// The challenger's answer, when one is deployed beside it.
    pub challenger: Option<f32>,
    pub latency_ms: f64,
    /// What the world will reveal, and when.
    pub truth: f32,
    pub label_at_ms: f64,
}

/// What the window's rows are: the columns and what the model answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowShape {
    pub feature_names: Vec<String>,
    pub feature_kinds: Vec<FeatureKind>,
    /// The target's name, and its class names for a classifier (empty for a regressor).
    pub target_name: String,
    pub class_names: Vec<String>,
}

/// The sliding window and the alerts it raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorState {
    pub shape: WindowShape,
    pub rules: Vec<AlertRule>,
    pub requests: VecDeque<Served>,
    pub answered: u64,
    pub alerts: Vec<Alert>,
    #[serde(default)]
    pub alert_state: AlertState,
}

/// What the page draws, computed in the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub at_ms: f64,
    pub answered: u64,
    pub rate_per_s: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    /// Requests per predicted class (classifier) over the drift window.
    pub predictions: Vec<(String, usize)>,
    /// Over the last requests, at most the shortest window a drift rule names (its
    /// `current_rows` says how many).
    pub drift: Option<DriftReport>,
    pub labelled: usize,
    pub accuracy: Option<f64>,
    pub rmse: Option<f64>,
    /// The challenger's accuracy (or RMSE) on the same labels, and how often it agrees.
    pub challenger_score: Option<f64>,
    pub agreement: Option<f64>,
    /// Alerts that fired in this snapshot.
    pub fired: Vec<Alert>,
}

impl WindowShape {
    pub fn classifier(&self) -> bool {
        !self.class_names.is_empty()
    }
}

impl MonitorState {
    pub fn new(shape: WindowShape, rules: Vec<AlertRule>) -> Self {
        Self {
            shape,
            rules,
            requests: VecDeque::new(),
            answered: 0,
            alerts: Vec::new(),
            alert_state: AlertState::default(),
        }
    }

    /// The window's length: the largest a rule asks for, at least the default, at most
    /// [`MAX_WINDOW`].
    pub fn capacity(&self) -> usize {
        self.rules
            .iter()
            .filter(|rule| !rule.metric.counts_labels())
            .map(|rule| rule.window)
            .chain([DEFAULT_DRIFT_WINDOW])
            .max()
            .unwrap_or(DEFAULT_DRIFT_WINDOW)
            .min(MAX_WINDOW)
            // Labels arrive for a fraction of the window; keep room for the label rules too.
            .max(
                self.rules
                    .iter()
                    .filter(|rule| rule.metric.counts_labels())
                    .map(|rule| rule.window * 2)
                    .max()
                    .unwrap_or(0)
                    .min(MAX_WINDOW),
            )
    }

    pub fn push(&mut self, served: Served) {
        self.answered = self.answered.max(served.number);
        self.requests.push_back(served);
        let capacity = self.capacity();
        while self.requests.len() > capacity {
            self.requests.pop_front();
        }
    }

    /// The last `count` requests as a dataset in the window's coding, whose target is the
    /// deployed model's predictions (what the page compares with the training labels).
    pub fn recent_as_dataset(&self, count: usize) -> Dataset {
        let skip = self.requests.len().saturating_sub(count);
        let recent: Vec<&Served> = self.requests.iter().skip(skip).collect();
        let features = recent
            .iter()
            .flat_map(|served| served.values.iter().copied())
            .collect();
        let predictions = recent.iter().map(|served| served.prediction);
        let target = if self.shape.classifier() {
            Target::Classes {
                name: self.shape.target_name.clone(),
                labels: predictions.map(|class| class as u32).collect(),
                class_names: self.shape.class_names.clone(),
            }
        } else {
            Target::Values {
                name: self.shape.target_name.clone(),
                values: predictions.collect(),
            }
        };
        Dataset {
            name: "production window".into(),
            feature_names: self.shape.feature_names.clone(),
            features,
            target,
            image_shape: None,
            feature_kinds: self.shape.feature_kinds.clone(),
        }
    }

    /// The requests whose labels have arrived by `now_ms`, newest first, at most `count`.
    pub fn labelled(&self, now_ms: f64, count: usize) -> Vec<&Served> {
        self.requests
            .iter()
            .rev()
            .filter(|served| served.label_at_ms <= now_ms)
            .take(count)
            .collect()
    }

    /// Accuracy (classifier) or RMSE (regressor) of `answer` on `labelled`.
    fn score(&self, labelled: &[&Served], answer: impl Fn(&Served) -> Option<f32>) -> Option<f64> {
        let pairs: Vec<(f32, f32)> = labelled
            .iter()
            .filter_map(|served| answer(served).map(|given| (given, served.truth)))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let count = pairs.len() as f64;
        Some(if self.shape.classifier() {
            pairs.iter().filter(|(given, truth)| given == truth).count() as f64 / count
        } else {
            (pairs
                .iter()
                .map(|(given, truth)| f64::from(given - truth).powi(2))
                .sum::<f64>()
                / count)
                .sqrt()
        })
    }

    /// The snapshot at `now_ms`, judging every rule and logging the alerts that fire.
    pub fn snapshot(&mut self, reference: &DriftReference, now_ms: f64) -> Snapshot {
        let drift_window = self
            .rules
            .iter()
            .filter(|rule| matches!(rule.metric, AlertMetric::Psi | AlertMetric::KsPValue))
            .map(|rule| rule.window)
            .min()
            .unwrap_or(DEFAULT_DRIFT_WINDOW);
        // One drift report per window size a rule (or the charts) asks for.
        let mut reports: BTreeMap<usize, DriftReport> = BTreeMap::new();
        let mut report_for = |state: &Self, window: usize| -> Option<DriftReport> {
            if state.requests.len() < window.min(MAX_WINDOW) || state.requests.is_empty() {
                return None;
            }
            Some(
                reports
                    .entry(window)
                    .or_insert_with(|| reference.compare(&state.recent_as_dataset(window), true))
                    .clone(),
            )
        };
        // The charts show drift as soon as there are rows, over at most the drift window.
        let drift = report_for(self, drift_window.min(self.requests.len()));
        let label_window = self
            .rules
            .iter()
            .filter(|rule| rule.metric.counts_labels())
            .map(|rule| rule.window)
            .min()
            .unwrap_or(DEFAULT_LABEL_WINDOW);
        let (labelled, score, challenger_score) = {
            let labelled = self.labelled(now_ms, label_window);
            (
                labelled.len(),
                self.score(&labelled, |served| Some(served.prediction)),
                self.score(&labelled, |served| served.challenger),
            )
        };
        let with_challenger: Vec<&Served> = self
            .requests
            .iter()
            .filter(|served| served.challenger.is_some())
            .collect();
        let agreement = (!with_challenger.is_empty()).then(|| {
            with_challenger
                .iter()
                .filter(|served| {
                    served.challenger.is_some_and(|answer| {
                        if self.shape.classifier() {
                            answer == served.prediction
                        } else {
                            (answer - served.prediction).abs()
                                <= 0.05 * served.prediction.abs().max(1.0)
                        }
                    })
                })
                .count() as f64
                / with_challenger.len() as f64
        });

        let rules = self.rules.clone();
        let answered = self.answered;
        let mut alert_state = std::mem::take(&mut self.alert_state);
        let fired = alert_state.judge(&rules, now_ms, answered, |rule| {
            self.observe(rule, now_ms, &mut report_for)
        });
        self.alert_state = alert_state;
        self.alerts.extend(fired.iter().cloned());

        let drift_rows = drift.as_ref().map_or(0, |report| report.current_rows);
        let latencies = self.latencies(drift_rows.max(1));
        Snapshot {
            at_ms: now_ms,
            answered,
            rate_per_s: self.rate_per_s(now_ms),
            latency_p50_ms: percentile(&latencies, 0.5),
            latency_p99_ms: percentile(&latencies, 0.99),
            predictions: self.prediction_counts(drift_rows),
            drift,
            labelled,
            accuracy: score.filter(|_| self.shape.classifier()),
            rmse: score.filter(|_| !self.shape.classifier()),
            challenger_score,
            agreement,
            fired,
        }
    }

    fn observe(
        &self,
        rule: &AlertRule,
        now_ms: f64,
        report_for: &mut impl FnMut(&Self, usize) -> Option<DriftReport>,
    ) -> Option<Observation> {
        let whole = |value: Option<f64>| {
            value.map(|value| Observation {
                value,
                feature: None,
            })
        };
        match rule.metric {
            AlertMetric::Psi
            | AlertMetric::KsPValue
            | AlertMetric::Missing
            | AlertMetric::PredictionPsi => report_for(self, rule.window)?.observe(rule.metric),
            AlertMetric::Accuracy | AlertMetric::Rmse => {
                let wants_classes = rule.metric == AlertMetric::Accuracy;
                if wants_classes != self.shape.classifier() {
                    return None;
                }
                let labelled = self.labelled(now_ms, rule.window);
                if labelled.len() < rule.window {
                    return None;
                }
                whole(self.score(&labelled, |served| Some(served.prediction)))
            }
            AlertMetric::LatencyP99Ms => {
                if self.requests.len() < rule.window {
                    return None;
                }
                whole(percentile(&self.latencies(rule.window), 0.99))
            }
        }
    }

    fn latencies(&self, count: usize) -> Vec<f64> {
        let mut latencies: Vec<f64> = self
            .requests
            .iter()
            .rev()
            .take(count)
            .map(|served| served.latency_ms)
            .collect();
        latencies.sort_by(f64::total_cmp);
        latencies
    }

    fn rate_per_s(&self, now_ms: f64) -> f64 {
        let recent = self
            .requests
            .iter()
            .rev()
            .take_while(|served| served.at_ms > now_ms - RATE_SPAN_MS)
            .count();
        let oldest = self.requests.front().map_or(now_ms, |served| served.at_ms);
        let span_ms = (now_ms - oldest).clamp(1.0, RATE_SPAN_MS);
        recent as f64 * 1000.0 / span_ms
    }

    fn prediction_counts(&self, count: usize) -> Vec<(String, usize)> {
        if !self.shape.classifier() {
            return Vec::new();
        }
        let mut counts = vec![0; self.shape.class_names.len()];
        for served in self.requests.iter().rev().take(count) {
            if let Some(slot) = counts.get_mut(served.prediction as usize) {
                *slot += 1;
            }
        }
        self.shape.class_names.iter().cloned().zip(counts).collect()
    }
}

impl MonitorState {
    /// The window as CSV, one request per row: its number and time, its values (categories
    /// by name), what was answered, how long it took, and the label if it has arrived by
    /// `now_ms` (empty otherwise). Classes are written by name; text a spreadsheet would run as
    /// a formula is defused as the batch predictions' is.
    pub fn window_csv(&self, now_ms: f64) -> String {
        let answer = |value: f32| -> String {
            if value.is_nan() {
                String::new()
            } else if self.shape.classifier() {
                self.shape
                    .class_names
                    .get(value as usize)
                    .cloned()
                    .unwrap_or_default()
            } else {
                value.to_string()
            }
        };
        let mut header = vec!["request".to_owned(), "at_ms".to_owned()];
        header.extend(self.shape.feature_names.iter().cloned());
        header.extend(
            ["prediction", "challenger", "latency_ms", "label"]
                .iter()
                .map(|name| (*name).to_owned()),
        );
        let mut lines = vec![
            header
                .iter()
                .map(|cell| csv_field(cell))
                .collect::<Vec<_>>()
                .join(","),
        ];
        for served in &self.requests {
            let mut cells = vec![served.number.to_string(), format!("{:.0}", served.at_ms)];
            for (column, value) in served.values.iter().enumerate() {
                let cell = match self.shape.feature_kinds.get(column) {
                    _ if value.is_nan() => String::new(),
                    Some(FeatureKind::Categorical { categories }) => {
                        categories.get(*value as usize).cloned().unwrap_or_default()
                    }
                    _ => value.to_string(),
                };
                cells.push(csv_field(&cell));
            }
            cells.push(csv_field(&answer(served.prediction)));
            cells.push(csv_field(
                &served.challenger.map(answer).unwrap_or_default(),
            ));
            cells.push(format!("{:.3}", served.latency_ms));
            let label = if served.label_at_ms <= now_ms {
                answer(served.truth)
            } else {
                String::new()
            };
            cells.push(csv_field(&label));
            lines.push(cells.join(","));
        }
        lines.join("\n") + "\n"
    }
}

/// The `fraction` percentile of sorted values (nearest rank).
fn percentile(sorted: &[f64], fraction: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}
