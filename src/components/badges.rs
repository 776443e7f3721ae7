//! Small inline labels the registry pages share: a version's aliases and its gate verdict.

use kindling_core::registry::gates::GateReport;
use leptos::prelude::*;

pub fn aliases_view(aliases: &[String]) -> impl IntoView + use<> {
    aliases
        .iter()
        .map(|alias| view! { <span class="alias">{alias.clone()}</span> })
        .collect_view()
}

pub fn gate_badge(report: &GateReport) -> impl IntoView + use<> {
    if report.passed() {
        view! { <span class="badge pass">"passed"</span> }
    } else {
        view! { <span class="badge fail">"failed"</span> }
    }
}
