//! One version: its card, metrics, gate report, lineage, and what can be done with it (aliases,
//! archive, download, try it).

use kindling_core::ids::short_id;
use kindling_core::registry::card::{ModelCard, SECTIONS};
use kindling_core::registry::card_text::generated_section;
use kindling_core::registry::{CHAMPION, MetricsStanding, ModelVersion, VersionSource};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::badges::{aliases_view, gate_badge};
use crate::components::gate_report::GateReportView;
use crate::format::format_metric;
use crate::platform::files;
use crate::state::lessons::Lessons;
use crate::state::registry::Registry;

#[component]
pub fn VersionPage() -> impl IntoView {
    let registry = expect_context::<Registry>();
    let params = use_params_map();
    let key = Memo::new(move |_| {
        params.with(|p| {
            (
                p.get("name").unwrap_or_default(),
                p.get("version")
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0),
            )
        })
    });
    let version = Memo::new(move |_| {
        let (name, number) = key.get();
        registry.version(&name, number)
    });
    let shown =
        Memo::new(move |_| version.with(|v| v.as_ref().map(|v| (v.model.clone(), v.version))));
    view! {
        <section class="page model-version">
            {move || match shown.get() {
                None => view! {
                    <p class="empty">
                        {move || if registry.loaded.get() { "There is no such model version." } else { "Loading…" }}
                        " " <a href="/models">"All models"</a>
                    </p>
                }.into_any(),
                Some((name, number)) => view! {
                    <p class="breadcrumb">
                        <a href="/models">"Models"</a> " / "
                        <a href=format!("/models/{name}")>{name.clone()}</a> " / " {format!("v{number}")}
                    </p>
                    <VersionHeader version />
                    <VersionActions version />
                    {move || version.get().map(|v| view! {
                        <h2>"Gate report"</h2>
                        <GateReportView report=v.gate_report.clone() />
                        <h2>"Lineage"</h2>
                        <LineageView version=v />
                    })}
                    <CardEditor version />
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn VersionHeader(version: Memo<Option<ModelVersion>>) -> impl IntoView {
    let registry = expect_context::<Registry>();
    move || {
        version.get().map(|v| {
            let aliases: Vec<String> = registry
                .model(&v.model)
                .map(|m| m.aliases_of(v.version).into_iter().map(str::to_owned).collect())
                .unwrap_or_default();
            view! {
                <h1>
                    {format!("{} v{}", v.model, v.version)} " "
                    {aliases_view(&aliases)}
                    {v.archived.then(|| view! { <span class="tag">"archived"</span> })}
                    " " {gate_badge(&v.gate_report)}
                </h1>
                {metrics_standing(&v)}
                <table class="metrics-table version-metrics">
                    <tbody>
                        {v.metrics.iter().map(|(name, value)| view! {
                            <tr><th>{name.clone()}</th><td class="number">{format_metric(*value)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })
    }
}

/// Above the metrics: whether they were measured here or are only the package's claim.
fn metrics_standing(version: &ModelVersion) -> Option<AnyView> {
    match version.metrics_standing() {
        MetricsStanding::Measured => None,
        MetricsStanding::MeasuredAgain => Some(
            view! { <p class="metrics-standing verified">"Metrics carried by the uploaded package, measured again here on the recipe's test rows."</p> }
                .into_any(),
        ),
        MetricsStanding::Claimed(why) => Some(
            view! {
                <p class="metrics-standing claimed">
                    <strong>"Claimed, not verified: "</strong>
                    {format!("these metrics come from the uploaded package and were not confirmed here ({why}). The version takes an alias only with a written override.")}
                </p>
            }
            .into_any(),
        ),
    }
}

/// What the version page's buttons do.
#[derive(Clone, Copy)]
enum Action {
    SetAlias,
    ToggleArchived,
    Download,
}

#[component]
fn VersionActions(version: Memo<Option<ModelVersion>>) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let lessons = expect_context::<Lessons>();
    let alias = RwSignal::new(CHAMPION.to_owned());
    let reason = RwSignal::new(String::new());
    let override_reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let passed = move || version.with(|v| v.as_ref().is_some_and(|v| v.gate_report.passed()));
    let act = move |action: Action| {
        let Some(v) = version.get_untracked() else {
            return;
        };
        // Everything the action needs is read now: the page may be gone when it finishes.
        let alias = alias.get_untracked().trim().to_owned();
        let reason = reason.get_untracked();
        let override_text = override_reason.get_untracked();
        leptos::task::spawn_local(async move {
            let outcome = match action {
                Action::SetAlias => registry
                    .move_alias(
                        &v.model,
                        &alias,
                        v.version,
                        &reason,
                        (!override_text.trim().is_empty()).then_some(override_text.as_str()),
                    )
                    .await
                    .map(|()| format!("'{alias}' now points at v{}.", v.version)),
                Action::ToggleArchived => registry
                    .set_archived(&v.model, v.version, !v.archived)
                    .await
                    .map(|()| {
                        if v.archived {
                            "Restored."
                        } else {
                            "Archived: kept, but it can take no alias."
                        }
                        .into()
                    }),
                Action::Download => match registry.package(&v.model, v.version).await {
                    Ok(bytes) => {
                        files::download_bytes(&v.package_file_name(), &bytes, "application/zip")
                            .map(|()| {
                                lessons.packages_downloaded.update(|count| *count += 1);
                                format!("Downloading {}.", v.package_file_name())
                            })
                    }
                    Err(error) => Err(error),
                },
            };
            message.set(Some(outcome));
        });
    };
    let remove_alias = move |name: String| {
        let Some(v) = version.get_untracked() else {
            return;
        };
        let text = reason.get_untracked();
        leptos::task::spawn_local(async move {
            let text = if text.trim().is_empty() {
                format!("removed from v{}", v.version)
            } else {
                text
            };
            let outcome = registry
                .remove_alias(&v.model, &name, &text)
                .await
                .map(|()| format!("'{name}' removed."));
            message.set(Some(outcome));
        });
    };
    let held = move || {
        version.get().and_then(|v| {
            registry.model(&v.model).map(|m| {
                m.aliases_of(v.version)
                    .into_iter()
                    .map(|name| {
                        let name = name.to_owned();
                        let label = format!("Remove '{name}'");
                        view! { <button type="button" class="link remove-alias" on:click=move |_| remove_alias(name.clone())>{label}</button> }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <div class="version-actions">
            <button type="button" id="download-package" on:click=move |_| act(Action::Download)>"Download package"</button>
            <a class="button secondary" href=move || version.get().map(|v| format!("/predict?model={}&version={}", v.model, v.version)).unwrap_or_default()>"Try it"</a>
            <button type="button" class="secondary" id="archive-version" on:click=move |_| act(Action::ToggleArchived)>
                {move || if version.with(|v| v.as_ref().is_some_and(|v| v.archived)) { "Restore" } else { "Archive" }}
            </button>
        </div>
        <fieldset class="alias-form">
            <legend>"Give this version an alias"</legend>
            <label>"Alias " <input type="text" id="alias-name" list="alias-names" prop:value=alias on:input=move |e| alias.set(event_target_value(&e)) /></label>
            <datalist id="alias-names"><option value="champion" /><option value="challenger" /><option value="staging" /></datalist>
            <label>"Reason " <input type="text" id="alias-reason" placeholder="why it moves (kept in the history)" prop:value=reason on:input=move |e| reason.set(event_target_value(&e)) /></label>
            {move || (!passed()).then(|| view! {
                <label class="override">"This version failed its gates. To give it an alias anyway, write why: "
                    <input type="text" id="alias-override" prop:value=override_reason on:input=move |e| override_reason.set(event_target_value(&e)) />
                </label>
            })}
            <button type="button" id="set-alias" on:click=move |_| act(Action::SetAlias)>"Set alias"</button>
            {held}
        </fieldset>
        <div role="status" class="version-notice">
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error">{text}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn LineageView(version: ModelVersion) -> impl IntoView {
    let lineage = &version.lineage;
    let run = match &version.source {
        VersionSource::Run => {
            view! { <a href=format!("/runs/{}", lineage.run_id)>{lineage.run_name.clone()}</a> }
                .into_any()
        }
        VersionSource::Upload { file_name, packaged_as } => view! {
            <span>{format!("{} (from the uploaded package {file_name}, packaged as v{packaged_as}; this registry's gates and checks were run on it here)", lineage.run_name)}</span>
        }
        .into_any(),
    };
    view! {
        <dl class="lineage">
            <dt>"Run"</dt><dd>{run}</dd>
            <dt>"Dataset"</dt><dd>{format!("{} ({} rows, {} features)", lineage.dataset.name, lineage.dataset.rows, lineage.dataset.features)}</dd>
            <dt>"Dataset version"</dt><dd><code title=lineage.dataset.id.clone()>{short_id(&lineage.dataset.id).to_owned()}</code></dd>
            <dt>"Recipe"</dt><dd>{format!("{} epochs, batch {}, {:?}, learning rate {}, seed {}", lineage.recipe.epochs, lineage.recipe.batch_size, lineage.recipe.optimizer, lineage.recipe.learning_rate, lineage.recipe.seed)}</dd>
            <dt>"Package sha256"</dt><dd><code class="package-hash" title=version.package_sha256.clone()>{short_id(&version.package_sha256).to_owned()}</code></dd>
            <dt>"Weights sha256"</dt><dd><code title=version.weights_sha256.clone()>{short_id(&version.weights_sha256).to_owned()}</code></dd>
            <dt>"Kindling"</dt><dd>{lineage.app_version.clone()}</dd>
        </dl>
    }
}

/// The model card: generated sections as text, written ones as fields; saving rebuilds the
/// package, which carries the card.
#[component]
fn CardEditor(version: Memo<Option<ModelVersion>>) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let initial = version.get_untracked().map(|v| v.card).unwrap_or_default();
    let card = RwSignal::new(initial);
    let message = RwSignal::new(None::<Result<String, String>>);
    let on_save = move |_| {
        let Some(v) = version.get_untracked() else {
            return;
        };
        message.set(Some(Ok("Saving and rebuilding the package…".into())));
        let card = card.get_untracked();
        leptos::task::spawn_local(async move {
            let outcome = registry
                .save_card(&v.model, v.version, card)
                .await
                .map(|()| "Card saved; the package now carries it.".into());
            message.set(Some(outcome));
        });
    };
    view! {
        <h2>"Model card"</h2>
        <div class="model-card">
            {SECTIONS.iter().map(|(heading, written)| {
                let heading = *heading;
                if *written {
                    let id = format!("card-{}", heading.to_lowercase().replace(' ', "-"));
                    view! {
                        <section class="card-section written">
                            <h3><label for=id.clone()>{heading}</label></h3>
                            <textarea id=id rows="3"
                                prop:value=move || card.with(|c: &ModelCard| c.section(heading).unwrap_or_default().to_owned())
                                on:input=move |e| {
                                    let text = event_target_value(&e);
                                    card.update(|c| if let Some(section) = c.section_mut(heading) { *section = text; });
                                }></textarea>
                        </section>
                    }.into_any()
                } else {
                    view! {
                        <section class="card-section generated">
                            <h3>{heading}</h3>
                            <pre>{move || version.get().and_then(|v| generated_section(&v, heading)).unwrap_or_default()}</pre>
                        </section>
                    }.into_any()
                }
            }).collect_view()}
        </div>
        <button type="button" id="save-card" on:click=on_save>"Save card"</button>
        {move || message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
            Err(text) => view! { <p class="error">{text}</p> }.into_any(),
        })}
    }
}
