//! Alert rules: a metric, a threshold and a window, written the way a person says them
//! ("psi > 0.2 over 500 requests", "accuracy < 0.85 over 200 labels") and parsed back from that
//! text, so a rule in a file, a form and an alert's message read the same.
//!
//! A rule is judged only once its window is full (500 requests seen, 200 labels arrived), so a
//! fresh deployment does not alert on its first handful of rows. It fires when it goes from
//! quiet to breached; it fires again only after it has been quiet.

use serde::{Deserialize, Serialize};

use crate::choice::Choice;

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMetric {
    /// The largest PSI of any feature.
    Psi,
    /// The smallest KS p-value of any number feature.
    KsPValue,
    /// The largest share of gaps in any feature.
    Missing,
    /// The PSI of the predictions against the training labels.
    PredictionPsi,
    /// Over the labels that have arrived.
    Accuracy,
    Rmse,
    /// The endpoint's 99th-percentile latency.
    LatencyP99Ms,
}

impl Choice for AlertMetric {
    const WHAT: &'static str = "alert metric";
    const KEYS: &'static [(Self, &'static str)] = &[
        (AlertMetric::Psi, "psi"),
        (AlertMetric::KsPValue, "ks_p_value"),
        (AlertMetric::Missing, "missing"),
        (AlertMetric::PredictionPsi, "prediction_psi"),
        (AlertMetric::Accuracy, "accuracy"),
        (AlertMetric::Rmse, "rmse"),
        (AlertMetric::LatencyP99Ms, "latency_p99_ms"),
    ];
}

impl AlertMetric {
    /// Whether the window counts labels (that have arrived) rather than requests.
    pub fn counts_labels(self) -> bool {
        matches!(self, AlertMetric::Accuracy | AlertMetric::Rmse)
    }

    /// How a person reads the metric in an alert.
    pub fn describe(self) -> &'static str {
        match self {
            AlertMetric::Psi => "PSI of any feature",
            AlertMetric::KsPValue => "KS p-value of any feature",
            AlertMetric::Missing => "share of gaps in any feature",
            AlertMetric::PredictionPsi => "PSI of the predictions",
            AlertMetric::Accuracy => "accuracy",
            AlertMetric::Rmse => "RMSE",
            AlertMetric::LatencyP99Ms => "p99 latency (ms)",
        }
    }
}

/// One rule: `metric` above (or below) `threshold` over the last `window` requests or labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    pub metric: AlertMetric,
    pub above: bool,
    pub threshold: f64,
    pub window: usize,
}

/// What a rule saw when it was judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub value: f64,
    /// The feature the value belongs to, for the per-feature metrics.
    pub feature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlertRuleError {
    #[error(
        "an alert rule reads \"METRIC > NUMBER over COUNT requests\" (or \"< \", or \"labels\" \
         for accuracy and rmse); \"{0}\" does not"
    )]
    Shape(String),
    #[error("{0}")]
    Metric(String),
    #[error("\"{0}\" is not a number; the threshold is a number such as 0.2")]
    Threshold(String),
    #[error("\"{0}\" is not a window size; the window is a whole number of at least 10")]
    Window(String),
    #[error("{metric} counts {expected}, not {given}: write \"over {window} {expected}\"")]
    Unit {
        metric: &'static str,
        expected: &'static str,
        given: String,
        window: usize,
    },
}

impl AlertRule {
    /// The smallest window a rule may have: fewer rows say nothing about a distribution.
    pub const MIN_WINDOW: usize = 10;

    pub fn parse(text: &str) -> Result<Self, AlertRuleError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [metric, comparison, threshold, over, window, rest @ ..] = words.as_slice() else {
            return Err(AlertRuleError::Shape(text.trim().to_owned()));
        };
        if *over != "over" || rest.len() > 1 {
            return Err(AlertRuleError::Shape(text.trim().to_owned()));
        }
        let metric = AlertMetric::from_key(metric)
            .map_err(|error| AlertRuleError::Metric(error.to_string()))?;
        let above = match *comparison {
            ">" => true,
            "<" => false,
            _ => return Err(AlertRuleError::Shape(text.trim().to_owned())),
        };
        let threshold: f64 = threshold
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite())
            .ok_or_else(|| AlertRuleError::Threshold((*threshold).to_owned()))?;
        let window: usize = window
            .parse()
            .ok()
            .filter(|&window| window >= Self::MIN_WINDOW)
            .ok_or_else(|| AlertRuleError::Window((*window).to_owned()))?;
        let unit = metric.unit();
        if let Some(given) = rest.first()
            && given.trim_end_matches('s') != unit.trim_end_matches('s')
        {
            return Err(AlertRuleError::Unit {
                metric: metric.key(),
                expected: unit,
                given: (*given).to_owned(),
                window,
            });
        }
        Ok(Self {
            metric,
            above,
            threshold,
            window,
        })
    }

    /// Whether `value` breaks the rule.
    pub fn breached_by(&self, value: f64) -> bool {
        if self.above {
            value > self.threshold
        } else {
            value < self.threshold
        }
    }
}

impl AlertMetric {
    fn unit(self) -> &'static str {
        if self.counts_labels() {
            "labels"
        } else {
            "requests"
        }
    }
}

impl std::fmt::Display for AlertRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} over {} {}",
            self.metric.key(),
            if self.above { ">" } else { "<" },
            self.threshold,
            self.window,
            self.metric.unit()
        )
    }
}

/// A rule that fired: what it saw, when, and after how many requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub rule: AlertRule,
    pub observation: Observation,
    pub at_ms: f64,
    /// Requests the endpoint had answered when it fired.
    pub request_number: u64,
}

impl Alert {
    /// The alert in one sentence, for the log and the banner.
    pub fn message(&self) -> String {
        let feature = self
            .observation
            .feature
            .as_deref()
            .map(|feature| format!(" ({feature})"))
            .unwrap_or_default();
        format!(
            "{} is {}{feature} over the last {} {}, {} {}",
            self.rule.metric.describe(),
            format_value(self.observation.value),
            self.rule.window,
            self.rule.metric.unit(),
            if self.rule.above { "above" } else { "below" },
            self.rule.threshold
        )
    }
}

fn format_value(value: f64) -> String {
    if value != 0.0 && value.abs() < 1e-3 {
        format!("{value:.2e}")
    } else {
        format!("{value:.3}")
    }
}

/// Which rules are breached now, remembered between judgements so each breach fires once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    breached: Vec<bool>,
}

impl AlertState {
    /// Judges every rule on what `observe` returns for it (`None`: its window is not full, or
    /// the metric does not apply) and returns the alerts that fire now.
    pub fn judge(
        &mut self,
        rules: &[AlertRule],
        at_ms: f64,
        request_number: u64,
        mut observe: impl FnMut(&AlertRule) -> Option<Observation>,
    ) -> Vec<Alert> {
        self.breached.resize(rules.len(), false);
        let mut fired = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let observation = observe(rule);
            let breached = observation
                .as_ref()
                .is_some_and(|observation| rule.breached_by(observation.value));
            if breached
                && !self.breached[index]
                && let Some(observation) = observation
            {
                fired.push(Alert {
                    rule: rule.clone(),
                    observation,
                    at_ms,
                    request_number,
                });
            }
            self.breached[index] = breached;
        }
        fired
    }

    /// Forgets every breach, so a rule that is still breached fires again (after a new model is
    /// deployed, say).
    pub fn reset(&mut self) {
        self.breached.clear();
    }
}
