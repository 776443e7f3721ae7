//! One model: its versions, its gates and the history of its aliases.

use kindling_core::registry::VersionSource;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::badges::{aliases_view, gate_badge};
use crate::components::gate_editor::GateEditor;
use crate::format::{format_metric, format_time};
use crate::state::registry::Registry;

#[component]
pub fn ModelPage() -> impl IntoView {
    let registry = expect_context::<Registry>();
    let params = use_params_map();
    let name = Memo::new(move |_| params.with(|p| p.get("name").unwrap_or_default()));
    let model = Memo::new(move |_| registry.model(&name.get()));
    let shown = Memo::new(move |_| model.with(|m| m.as_ref().map(|m| m.name.clone())));
    view! {
        <section class="page model">
            {move || match shown.get() {
                None => view! {
                    <p class="empty">
                        {move || if registry.loaded.get() { "There is no model with this name." } else { "Loading…" }}
                        " " <a href="/models">"All models"</a>
                    </p>
                }.into_any(),
                Some(name) => view! {
                    <p class="breadcrumb"><a href="/models">"Models"</a> " / " {name.clone()}</p>
                    <h1>{name.clone()}</h1>
                    <VersionsTable name=name.clone() />
                    <GatesSection name=name.clone() />
                    <AliasHistory name />
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn VersionsTable(name: String) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let name = StoredValue::new(name);
    let rows = move || {
        let model = registry.model(&name.get_value());
        registry
            .versions
            .get()
            .into_iter()
            .filter(|v| v.model == name.get_value())
            .rev()
            .map(|version| {
                let aliases: Vec<String> = model
                    .as_ref()
                    .map(|m| m.aliases_of(version.version).into_iter().map(str::to_owned).collect())
                    .unwrap_or_default();
                let href = format!("/models/{}/{}", version.model, version.version);
                let score = version
                    .metrics
                    .get("test_accuracy")
                    .or_else(|| version.metrics.get("test_r2"))
                    .map(|v| format_metric(*v))
                    .unwrap_or_else(|| "—".into());
                let run = match &version.source {
                    VersionSource::Run => view! { <a href=format!("/runs/{}", version.lineage.run_id)>{version.lineage.run_name.clone()}</a> }.into_any(),
                    VersionSource::Upload { file_name, .. } => view! { <span>{format!("uploaded: {file_name}")}</span> }.into_any(),
                };
                view! {
                    <tr class="version-row" class:archived=version.archived data-version=version.version>
                        <td><a href=href>{format!("v{}", version.version)}</a></td>
                        <td>{aliases_view(&aliases)}{version.archived.then(|| view! { <span class="tag">"archived"</span> })}</td>
                        <td>{run}</td>
                        <td>{version.lineage.dataset.name.clone()}</td>
                        <td class="number">{score}</td>
                        <td>{gate_badge(&version.gate_report)}</td>
                        <td>{format_time(version.created_ms)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <h2>"Versions"</h2>
        <div class="table-wrap">
            <table class="versions-table">
                <thead><tr><th>"Version"</th><th>"Aliases"</th><th>"Run"</th><th>"Dataset"</th><th>"Test score"</th><th>"Gates"</th><th>"Registered"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn GatesSection(name: String) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let name = StoredValue::new(name);
    let initial = registry
        .model(&name.get_value())
        .map(|m| m.gates)
        .unwrap_or_default();
    let gates = RwSignal::new(initial);
    let message = RwSignal::new(None::<Result<String, String>>);
    let on_save = move |_| {
        leptos::task::spawn_local(async move {
            let outcome = registry
                .set_gates(&name.get_value(), gates.get_untracked())
                .await;
            message.set(Some(
                outcome.map(|()| "Gates saved; they apply to the next validation.".into()),
            ));
        });
    };
    view! {
        <h2>"Gates"</h2>
        <p class="hint">"What a version must show before it may take an alias. Every version also passes the automatic checks: finite weights, the same inputs and outputs as the model, deterministic predictions, identical predictions after reloading."</p>
        <GateEditor gates />
        <button type="button" id="save-gates" on:click=on_save>"Save gates"</button>
        {move || message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
            Err(text) => view! { <p class="error">{text}</p> }.into_any(),
        })}
    }
}

#[component]
fn AliasHistory(name: String) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let rows = move || {
        registry
            .model(&name)
            .map(|model| {
                model
                    .alias_history
                    .iter()
                    .rev()
                    .map(|change| {
                        let moved = match (change.previous, change.version) {
                            (Some(from), Some(to)) => format!("v{from} → v{to}"),
                            (None, Some(to)) => format!("→ v{to}"),
                            (Some(from), None) => format!("removed from v{from}"),
                            (None, None) => String::new(),
                        };
                        view! {
                            <tr class="alias-change">
                                <td>{format_time(change.at_ms)}</td>
                                <td><span class="alias">{change.alias.clone()}</span></td>
                                <td>{moved}</td>
                                <td>{change.reason.clone()}</td>
                                <td class="override">{change.override_reason.clone().map(|r| format!("gates overridden: {r}"))}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            })
    };
    view! {
        <h2>"Alias history"</h2>
        <table class="alias-history">
            <thead><tr><th>"When"</th><th>"Alias"</th><th>"Move"</th><th>"Reason"</th><th>"Override"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
