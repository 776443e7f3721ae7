//! Numbers as the tables and pages show them, one way everywhere.

use kindling_core::evaluation::Report;
use kindling_core::tracking::query::Value;

pub use crate::platform::clock::local_time_text as format_time;

/// A duration a person reads at a glance: "850 ms", "12.3 s", "4 min 05 s".
pub fn format_duration(duration_ms: f64) -> String {
    if duration_ms < 1_000.0 {
        format!("{duration_ms:.0} ms")
    } else if duration_ms < 60_000.0 {
        format!("{:.1} s", duration_ms / 1_000.0)
    } else {
        let seconds = (duration_ms / 1_000.0).round() as u64;
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    }
}

pub fn format_metric(value: f64) -> String {
    // Negative zero (a loss of a model sure of every answer) is shown as 0, not "-0.0000".
    let value = if value == 0.0 { 0.0 } else { value };
    if value.abs() >= 1_000.0 || (value != 0.0 && value.abs() < 0.001) {
        format!("{value:.3e}")
    } else {
        format!("{value:.4}")
    }
}

pub fn format_param(value: &Value) -> String {
    match value {
        Value::Number(number) => format!("{number}"),
        Value::Text(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
    }
}

/// Accuracy as a percentage, or R².
pub fn headline(report: &Report) -> String {
    match report {
        Report::Classification(report) => format!("{:.1}%", report.accuracy * 100.0),
        Report::Regression(report) => report.r2.map_or("—".to_owned(), |r2| format!("{r2:.3}")),
    }
}

/// The secondary scores in one line.
pub fn report_summary(report: &Report) -> String {
    match report {
        Report::Classification(report) => format!(
            "Log loss {:.4}, macro F1 {:.3}{}",
            report.log_loss,
            report.macro_f1,
            report
                .roc_auc
                .map(|auc| format!(", ROC-AUC {auc:.3}"))
                .unwrap_or_default()
        ),
        Report::Regression(report) => format!("RMSE {:.4}, MAE {:.4}", report.rmse, report.mae),
    }
}

/// The plural ending of a count's noun: "1 run", "2 runs".
pub fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(format_duration(850.4), "850 ms");
        assert_eq!(format_duration(12_345.0), "12.3 s");
        assert_eq!(format_duration(245_000.0), "4 min 05 s");
    }

    #[test]
    fn metrics_switch_to_exponents_only_when_tiny_or_huge() {
        assert_eq!(format_metric(0.98765), "0.9877");
        assert_eq!(format_metric(0.0), "0.0000");
        assert_eq!(format_metric(0.00012), "1.200e-4");
        assert_eq!(format_metric(12_345.0), "1.234e4");
    }
}
