//! Validation gates: what a candidate model must show before it may take an alias. A
//! registered model keeps its own gates (metric thresholds and a champion/challenger margin, as
//! MLflow's `MetricThreshold` does); every candidate also passes the automatic checks the
//! trainer runs on its weights.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One rule a registered model sets for its candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Gate {
    /// `metric ≥ value` or `metric ≤ value`.
    Threshold {
        #[serde(deserialize_with = "crate::metrics::renamed_name_on_read")]
        metric: String,
        comparison: Comparison,
        value: f64,
    },
    /// The candidate must beat the version holding the `champion` alias on `metric` by at least
    /// `margin`. Passes when there is no champion yet.
    BeatsChampion {
        #[serde(deserialize_with = "crate::metrics::renamed_name_on_read")]
        metric: String,
        margin: Margin,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    AtLeast,
    AtMost,
}

/// How much better than the champion is enough.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Margin {
    /// In the metric's own units (0.01 = one point of accuracy).
    Absolute(f64),
    /// A share of the champion's value (0.05 = 5 % better).
    Relative(f64),
}

/// The automatic check that scores a version's stored weights on its recipe's test rows and
/// compares them with the metrics it carries (run by the model worker, `kindling_ml::reproduce`).
/// Read here too: an uploaded version's metrics are only claims until it passes.
pub const SCORES_AS_CLAIMED: &str = "stored weights reproduce the claimed test metrics";

/// Whether a larger value of `metric` is better: scores are, losses and errors are not.
pub fn higher_is_better(metric: &str) -> bool {
    !["loss", "rmse", "mae"]
        .iter()
        .any(|worse| metric.ends_with(worse))
}

/// What kind of check a [`CheckResult`] reports, so the page can group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckKind {
    Threshold,
    Champion,
    Automatic,
}

/// One check's outcome, with the numbers that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    /// What was checked, as a person reads it: `test_accuracy ≥ 0.95`, `all weights finite`.
    pub name: String,
    pub passed: bool,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// Why it passed or failed, in words.
    pub detail: String,
}

/// Every check a candidate went through. Stored with the version and in its package.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GateReport {
    pub checks: Vec<CheckResult>,
}

impl GateReport {
    /// Passes when every check passed; an empty report passes (nothing was asked).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|check| !check.passed)
    }
}

/// The version holding `champion`, as the gates see it.
pub struct Champion<'a> {
    pub version: u32,
    pub metrics: &'a BTreeMap<String, f64>,
}

impl Gate {
    /// How the gate reads in a list: `test_accuracy ≥ 0.95`, `beats champion on test_rmse by 5 %`.
    pub fn describe(&self) -> String {
        match self {
            Gate::Threshold {
                metric,
                comparison,
                value,
            } => format!("{metric} {} {value}", comparison.symbol()),
            Gate::BeatsChampion { metric, margin } => {
                format!("beats the champion on {metric} by {}", margin.describe())
            }
        }
    }

    pub fn metric(&self) -> &str {
        match self {
            Gate::Threshold { metric, .. } | Gate::BeatsChampion { metric, .. } => metric,
        }
    }

    /// Checks the candidate's `metrics` against this gate.
    pub fn check(
        &self,
        metrics: &BTreeMap<String, f64>,
        champion: Option<&Champion<'_>>,
    ) -> CheckResult {
        let name = self.describe();
        let value = metrics.get(self.metric()).copied();
        let missing = |kind| CheckResult {
            kind,
            name: name.clone(),
            passed: false,
            value: None,
            threshold: None,
            detail: format!(
                "this model has no {} (a run without a test split has no test_ metrics)",
                self.metric()
            ),
        };
        match self {
            Gate::Threshold {
                comparison,
                value: threshold,
                ..
            } => {
                let Some(value) = value else {
                    return missing(CheckKind::Threshold);
                };
                let passed = match comparison {
                    Comparison::AtLeast => value >= *threshold,
                    Comparison::AtMost => value <= *threshold,
                };
                CheckResult {
                    kind: CheckKind::Threshold,
                    name,
                    passed,
                    value: Some(value),
                    threshold: Some(*threshold),
                    detail: format!(
                        "{} is {value:.4}, which {} {} {threshold}",
                        self.metric(),
                        if passed { "meets" } else { "misses" },
                        comparison.symbol()
                    ),
                }
            }
            Gate::BeatsChampion { metric, margin } => {
                let Some(value) = value else {
                    return missing(CheckKind::Champion);
                };
                let Some(champion) = champion else {
                    return CheckResult {
                        kind: CheckKind::Champion,
                        name,
                        passed: true,
                        value: Some(value),
                        threshold: None,
                        detail: "no version holds the champion alias yet".into(),
                    };
                };
                let Some(&best) = champion.metrics.get(metric) else {
                    return CheckResult {
                        kind: CheckKind::Champion,
                        name,
                        passed: true,
                        value: Some(value),
                        threshold: None,
                        detail: format!(
                            "the champion (v{}) has no {metric} to beat",
                            champion.version
                        ),
                    };
                };
                let step = match margin {
                    Margin::Absolute(step) => *step,
                    Margin::Relative(share) => best.abs() * share,
                };
                let (threshold, passed) = if higher_is_better(metric) {
                    (best + step, value >= best + step)
                } else {
                    (best - step, value <= best - step)
                };
                CheckResult {
                    kind: CheckKind::Champion,
                    name,
                    passed,
                    value: Some(value),
                    threshold: Some(threshold),
                    detail: format!(
                        "{metric} is {value:.4}; the champion (v{}) has {best:.4}, so it needs {} {threshold:.4}",
                        champion.version,
                        if higher_is_better(metric) {
                            "≥"
                        } else {
                            "≤"
                        }
                    ),
                }
            }
        }
    }
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
        }
    }
}

impl Margin {
    pub fn describe(&self) -> String {
        match self {
            Margin::Absolute(step) => format!("{step}"),
            Margin::Relative(share) => format!("{} %", round_for_display(share * 100.0)),
        }
    }
}

/// A number as a person typed it: the binary noise of arithmetic (0.07 × 100 =
/// 7.000000000000001) rounded away at the sixth decimal.
pub fn round_for_display(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// The whole report: the model's gates over `metrics`, then the trainer's automatic checks.
pub fn evaluate(
    gates: &[Gate],
    metrics: &BTreeMap<String, f64>,
    champion: Option<&Champion<'_>>,
    automatic: Vec<CheckResult>,
) -> GateReport {
    let mut checks: Vec<CheckResult> = gates
        .iter()
        .map(|gate| gate.check(metrics, champion))
        .collect();
    checks.extend(automatic);
    GateReport { checks }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn threshold(metric: &str, comparison: Comparison, value: f64) -> Gate {
        Gate::Threshold {
            metric: metric.into(),
            comparison,
            value,
        }
    }

    #[test]
    fn thresholds_pass_and_fail_in_both_directions() {
        let candidate = metrics(&[("test_accuracy", 0.96), ("test_rmse", 41.0)]);
        let report = evaluate(
            &[
                threshold("test_accuracy", Comparison::AtLeast, 0.95),
                threshold("test_rmse", Comparison::AtMost, 40.0),
            ],
            &candidate,
            None,
            Vec::new(),
        );
        assert_eq!(
            report.checks.iter().map(|c| c.passed).collect::<Vec<_>>(),
            [true, false]
        );
        assert!(!report.passed());
        assert_eq!(report.checks[0].name, "test_accuracy ≥ 0.95");
        assert_eq!(report.checks[1].value, Some(41.0));
        assert_eq!(report.checks[1].threshold, Some(40.0));
    }

    #[test]
    fn a_missing_metric_fails_in_words() {
        let report = evaluate(
            &[threshold("test_accuracy", Comparison::AtLeast, 0.5)],
            &metrics(&[]),
            None,
            Vec::new(),
        );
        assert!(!report.passed());
        assert!(report.checks[0].detail.contains("no test_accuracy"));
    }

    #[test]
    fn the_champion_margin_is_absolute_or_relative_and_knows_direction() {
        let champion_metrics = metrics(&[("test_accuracy", 0.90), ("test_rmse", 50.0)]);
        let champion = Champion {
            version: 3,
            metrics: &champion_metrics,
        };
        let check = |gate: Gate, candidate: &[(&str, f64)]| {
            gate.check(&metrics(candidate), Some(&champion)).passed
        };
        let acc_by = |margin| Gate::BeatsChampion {
            metric: "test_accuracy".into(),
            margin,
        };
        assert!(check(
            acc_by(Margin::Absolute(0.02)),
            &[("test_accuracy", 0.92)]
        ));
        assert!(!check(
            acc_by(Margin::Absolute(0.02)),
            &[("test_accuracy", 0.915)]
        ));
        assert!(check(
            acc_by(Margin::Relative(0.05)),
            &[("test_accuracy", 0.946)]
        ));
        assert_eq!(
            acc_by(Margin::Relative(0.07)).describe(),
            "beats the champion on test_accuracy by 7 %"
        );
        assert!(!check(
            acc_by(Margin::Relative(0.05)),
            &[("test_accuracy", 0.94)]
        ));
        let rmse_by = Gate::BeatsChampion {
            metric: "test_rmse".into(),
            margin: Margin::Relative(0.1),
        };
        assert!(check(rmse_by.clone(), &[("test_rmse", 45.0)]));
        assert!(!check(rmse_by.clone(), &[("test_rmse", 46.0)]));
        let first = rmse_by.check(&metrics(&[("test_rmse", 99.0)]), None);
        assert!(first.passed, "no champion yet: {}", first.detail);
    }

    #[test]
    fn automatic_checks_count_towards_the_verdict() {
        let failed = CheckResult {
            kind: CheckKind::Automatic,
            name: "all weights finite".into(),
            passed: false,
            value: Some(3.0),
            threshold: Some(0.0),
            detail: "3 weights are NaN or infinite".into(),
        };
        let report = evaluate(&[], &metrics(&[]), None, vec![failed]);
        assert!(!report.passed());
        assert_eq!(report.failures().count(), 1);
        assert!(GateReport::default().passed());
    }
}
