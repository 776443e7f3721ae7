//! `kindling monitor --reference TRAIN.csv --current BATCH.csv`: the browser monitor's drift
//! report for one batch, through the same `DriftReference::compare`: per feature PSI and the
//! KS test, gaps, unseen categories, the target's drift when both files have it, and the
//! batch's anomalies against the schema of the training data. Alert rules are judged with the
//! batch as their window; exit code 3 when one fires or an anomaly breaks the schema.

use std::path::Path;

use kindling_core::data::csv::{ImportOptions, MAX_FILE_BYTES, MissingPolicy, read_table};
use kindling_core::data::{Dataset, Task};
use kindling_core::monitor::{
    Alert, AlertMetric, AlertRule, AlertState, DriftReference, DriftReport,
};
use serde_json::json;

use crate::args::MonitorArgs;
use crate::error::CliError;
use crate::files::read_limited;
use crate::output::Output;

/// The rule judged when none is given.
const DEFAULT_RULE: &str = "psi > 0.2 over 100 requests";
/// The name of the stand-in target a file read without one gets; it is never compared.
const NO_TARGET: &str = "(no target)";

pub fn run(args: &MonitorArgs) -> Result<(), CliError> {
    let out = Output { json: args.json };
    let rule_texts = if args.rules.is_empty() {
        vec![DEFAULT_RULE.to_owned()]
    } else {
        args.rules.clone()
    };
    let rules = rule_texts
        .iter()
        .map(|text| {
            let rule = AlertRule::parse(text)
                .map_err(|error| CliError::Input(format!("--rule {text:?}: {error}")))?;
            let in_a_batch = matches!(
                rule.metric,
                AlertMetric::Psi | AlertMetric::KsPValue | AlertMetric::Missing
            );
            if !in_a_batch {
                return Err(CliError::Input(format!(
                    "--rule {text:?}: {} needs the endpoint's answers; a batch has only its rows \
                     (use psi, ks_p_value, missing)",
                    rule.metric.describe()
                )));
            }
            Ok(rule)
        })
        .collect::<Result<Vec<_>, _>>()?;

    let reference = read(&args.reference, args.target.as_deref(), "reference")?;
    let (current, with_target) = match read(&args.current, args.target.as_deref(), "current") {
        Ok(current) => (current, args.target.is_some()),
        // A batch from production often has no labels yet: compare its features alone.
        Err(_) if args.target.is_some() => (read(&args.current, None, "current")?, false),
        Err(error) => return Err(error),
    };
    let report = DriftReference::new(&reference).compare(&current, with_target);

    let mut judged = Vec::new();
    let mut state = AlertState::default();
    // A scheduled job checks whatever arrived since the last one: a batch smaller than a
    // rule's window is still judged, and the text says so.
    let alerts: Vec<Alert> = state.judge(&rules, 0.0, report.current_rows as u64, |rule| {
        judged.push((rule.to_string(), report.current_rows >= rule.window));
        report.observe(rule.metric)
    });
    let blocking: Vec<String> = report
        .anomalies
        .iter()
        .filter(|anomaly| anomaly.blocking)
        .map(ToString::to_string)
        .collect();
    let fired = !alerts.is_empty() || !blocking.is_empty();

    out.json(&json!({
        "reference": args.reference.display().to_string(),
        "current": args.current.display().to_string(),
        "report": report,
        "rules": rule_texts,
        "alerts": alerts.iter().map(|alert| json!({
            "rule": alert.rule.to_string(),
            "value": alert.observation.value,
            "feature": alert.observation.feature,
            "message": alert.message(),
        })).collect::<Vec<_>>(),
        "exit_code": if fired { 3 } else { 0 },
    }));
    print_text(&out, args, &report, &judged, &alerts);
    if fired {
        Err(CliError::Alerted)
    } else {
        Ok(())
    }
}

/// A CSV file as a dataset: with `target` as its target, or, without one, every column a
/// feature. Gaps are kept (the monitor counts them) and nothing is dropped.
fn read(path: &Path, target: Option<&str>, which: &str) -> Result<Dataset, CliError> {
    let bytes = read_limited(path, MAX_FILE_BYTES, "a CSV file")?;
    let mut table = read_table(&bytes)
        .map_err(|error| CliError::Input(format!("{}: {error}", path.display())))?;
    if target.is_none() {
        table.header.push(NO_TARGET.to_owned());
        // The importer wants a target that varies; the row number does, and is never read.
        table
            .columns
            .push((0..table.row_count()).map(|row| row.to_string()).collect());
    }
    let options = ImportOptions {
        target: Some(target.unwrap_or(NO_TARGET).to_owned()),
        task: target.is_none().then_some(Task::Regression),
        missing: MissingPolicy::Impute,
        image_shape: None,
    };
    table
        .to_dataset(which, &options)
        .map(|import| import.dataset)
        .map_err(|error| CliError::Input(format!("{}: {error}", path.display())))
}

fn print_text(
    out: &Output,
    args: &MonitorArgs,
    report: &DriftReport,
    judged: &[(String, bool)],
    alerts: &[Alert],
) {
    out.line(format!(
        "reference {} ({} rows), current {} ({} rows)",
        args.reference.display(),
        report.reference_rows,
        args.current.display(),
        report.current_rows
    ));
    out.line(format!(
        "{:<24} {:>8}  {:<18} {:>8} {:>10}  {:>15}",
        "feature", "PSI", "", "KS", "p-value", "gaps ref → cur"
    ));
    let features = report.features.iter().chain(report.target.iter());
    for feature in features {
        let (statistic, p_value) = feature.ks.map_or(("–".into(), "–".into()), |ks| {
            (
                format!("{:.4}", ks.statistic),
                format!("{:.3e}", ks.p_value),
            )
        });
        let unseen = if feature.unseen > 0 {
            format!("  {} unseen", feature.unseen)
        } else {
            String::new()
        };
        out.line(format!(
            "{:<24} {:>8}  {:<18} {:>8} {:>10}  {:>6.1}% → {:>5.1}%{unseen}",
            feature.name,
            feature.psi.map_or("–".into(), |psi| format!("{psi:.4}")),
            feature.psi_reading(),
            statistic,
            p_value,
            feature.reference_missing_fraction * 100.0,
            feature.current_missing_fraction * 100.0,
        ));
    }
    if !report.anomalies.is_empty() {
        out.line("anomalies:");
        for anomaly in &report.anomalies {
            let severity = if anomaly.blocking {
                "blocking"
            } else {
                "warning"
            };
            out.line(format!("  {severity}: {anomaly}"));
        }
    }
    for (rule, full) in judged {
        if !full {
            out.line(format!(
                "rule \"{rule}\": judged on the whole batch, which is smaller than its window"
            ));
        }
    }
    if alerts.is_empty() {
        out.line("no alert fired");
    }
    for alert in alerts {
        out.line(format!("ALERT \"{}\": {}", alert.rule, alert.message()));
    }
}
