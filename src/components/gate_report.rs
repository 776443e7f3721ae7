//! A gate report as a table: every check, its kind, its verdict, and the figures behind it.

use kindling_core::registry::gates::{CheckKind, GateReport};
use leptos::prelude::*;

use crate::format::format_metric;

#[component]
pub fn GateReportView(report: GateReport) -> impl IntoView {
    let kind = |kind: CheckKind| match kind {
        CheckKind::Threshold => "threshold",
        CheckKind::Champion => "champion",
        CheckKind::Automatic => "automatic",
    };
    // Automatic checks count things (weights that are not finite numbers): whole numbers.
    let number = |kind: CheckKind, value: Option<f64>| match value {
        Some(count) if kind == CheckKind::Automatic && count.fract() == 0.0 => format!("{count}"),
        value => value.map(format_metric).unwrap_or_default(),
    };
    view! {
        <table class="gate-report">
            <thead><tr><th>"Check"</th><th>"Kind"</th><th>"Result"</th><th>"Value"</th><th>"Threshold"</th><th>"Detail"</th></tr></thead>
            <tbody>
                {report.checks.iter().map(|check| view! {
                    <tr class=if check.passed { "check pass" } else { "check fail" }>
                        <td>{check.name.clone()}</td>
                        <td>{kind(check.kind)}</td>
                        <td>{if check.passed { "pass" } else { "FAIL" }}</td>
                        <td class="number">{number(check.kind, check.value)}</td>
                        <td class="number">{number(check.kind, check.threshold)}</td>
                        <td>{check.detail.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
