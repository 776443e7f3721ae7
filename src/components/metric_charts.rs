//! Which of a run's metrics are drawn together, and a history as chart lines: the run page and
//! Compare draw the same charts.

use kindling_core::metrics::EpochMetrics;

use crate::components::line_chart::Series;

/// Reads one metric from an epoch, if the epoch has it.
pub type MetricValue = fn(&EpochMetrics) -> Option<f64>;

/// A metric's history as chart lines: which values, under which names.
pub struct MetricChart {
    pub title: &'static str,
    pub lines: &'static [(&'static str, MetricValue)],
}

pub const METRIC_CHARTS: [MetricChart; 3] = [
    MetricChart {
        title: "Loss",
        lines: &[
            ("train_loss", |m| Some(m.train_loss)),
            ("val_loss", |m| m.val_loss),
        ],
    },
    MetricChart {
        title: "Accuracy / R²",
        lines: &[
            ("train_accuracy", |m| m.train_accuracy),
            ("val_accuracy", |m| m.val_accuracy),
            ("val_r2", |m| m.val_r2),
        ],
    },
    MetricChart {
        title: "Learning rate",
        lines: &[("learning_rate", |m| Some(m.learning_rate))],
    },
];

/// One chart's lines from a history; `prefix` names the run when several share a chart.
pub fn chart_series(chart: &MetricChart, history: &[EpochMetrics], prefix: &str) -> Vec<Series> {
    chart
        .lines
        .iter()
        .enumerate()
        .map(|(index, (name, value))| Series {
            label: format!("{prefix}{name}"),
            class: SERIES_CLASSES[index % SERIES_CLASSES.len()],
            points: history
                .iter()
                .filter_map(|m| Some((m.epoch as f64, value(m)?)))
                .collect(),
        })
        .filter(|series| !series.points.is_empty())
        .collect()
}

const SERIES_CLASSES: [&str; 3] = ["series-loss", "series-val-loss", "series-accuracy"];
