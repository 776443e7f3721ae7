//! The model registry's pages: every model (and the package upload), one model (its gates,
//! versions and alias history), one version (card, metrics, gate report, lineage and actions),
//! and the panel on a run's page that validates and registers it.

use kindling_core::package::zip;
use kindling_core::registry::card::{ModelCard, SECTIONS, generated_section};
use kindling_core::registry::gates::{
    CheckKind, Comparison, Gate, GateReport, Margin, round_for_display,
};
use kindling_core::registry::{CHAMPION, ModelVersion, RegisteredModel, VersionSource};
use kindling_core::tracking::{METRIC_NAMES, RunRecord, RunState};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::drop_zone::{DropZone, FilePicker};
use crate::format::{format_metric, format_time};
use crate::platform::files::{self, PickedFile};
use crate::state::registry::{Candidate, Registry};

/// The metrics a gate can name: the test scores runs record.
fn gate_metrics() -> impl Iterator<Item = &'static str> {
    METRIC_NAMES
        .into_iter()
        .filter(|name| name.starts_with("test_"))
}

fn short_hash(hash: &str) -> String {
    hash.chars().take(12).collect()
}

#[component]
pub fn ModelsPage() -> impl IntoView {
    let registry = expect_context::<Registry>();
    let notice = RwSignal::new(None::<Result<String, String>>);
    let upload = move |file: PickedFile| {
        // Refused before reading: a file of gigabytes would otherwise be read whole first.
        let limit = zip::PACKAGE_LIMITS.max_archive_bytes;
        if file.size_bytes > limit as f64 {
            let error = zip::ZipError::TooLarge(file.size_bytes as usize, limit);
            notice.set(Some(Err(format!(
                "{} was not added: not a readable package: {error}",
                file.name
            ))));
            return;
        }
        notice.set(Some(Ok(format!("Checking {}…", file.name))));
        leptos::task::spawn_local(async move {
            let outcome = match file.bytes().await {
                Ok(bytes) => registry.upload(&file.name, bytes).await,
                Err(error) => Err(error),
            };
            notice.set(Some(match outcome {
                Ok(version) => Ok(format!(
                    "{} passed every check and is now {} v{}.",
                    file.name, version.model, version.version
                )),
                Err(error) => Err(format!("{} was not added: {error}", file.name)),
            }));
        });
    };
    let rows = move || {
        let versions = registry.versions.get();
        registry
            .models
            .get()
            .into_iter()
            .map(|model| {
                let own: Vec<&ModelVersion> =
                    versions.iter().filter(|v| v.model == model.name).collect();
                let latest = own.last().map(|v| format!("v{}", v.version)).unwrap_or_default();
                let task = own
                    .last()
                    .map(|v| format!("{:?}", v.signature.task()).to_lowercase())
                    .unwrap_or_default();
                let href = format!("/models/{}", model.name);
                view! {
                    <tr class="model-row" data-model=model.name.clone()>
                        <td><a href=href>{model.name.clone()}</a></td>
                        <td>{task}</td>
                        <td class="number">{own.len()}</td>
                        <td>{latest}</td>
                        <td>{aliases_view(&model.aliases.iter().map(|(a, v)| format!("{a} → v{v}")).collect::<Vec<_>>())}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="page models">
            <h1>"Models"</h1>
            <p class="lead">
                "Registered models and their versions. Register a finished run from its page; \
                 bring in a package someone shared below. Packages open in ONNX Runtime and \
                 Python's safetensors as they are."
            </p>
            <DropZone class="drop-zone" on_file=upload>
                <p>"Drop a " <code>".kindling.zip"</code> " package here, or "
                    <FilePicker on_file=upload id="package-file" accept=".zip,application/zip" />
                </p>
                <p class="hint">"It is checked step by step (size, names, manifest, hashes, tensor shapes, finite weights, a prediction) before anything is stored."</p>
            </DropZone>
            <div role="status" class="upload-notice">
                {move || notice.get().map(|notice| match notice {
                    Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="error">{text}</p> }.into_any(),
                })}
            </div>
            {move || if registry.models.with(Vec::is_empty) {
                view! { <p class="empty">{move || if registry.loaded.get() { "No models yet. Open a finished run and register it." } else { "Loading…" }}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="models-table">
                            <thead><tr><th>"Model"</th><th>"Task"</th><th>"Versions"</th><th>"Latest"</th><th>"Aliases"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

fn aliases_view(aliases: &[String]) -> impl IntoView + use<> {
    aliases
        .iter()
        .map(|alias| view! { <span class="alias">{alias.clone()}</span> })
        .collect_view()
}

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
                    .get("test_acc")
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

fn gate_badge(report: &GateReport) -> impl IntoView + use<> {
    if report.passed() {
        view! { <span class="badge pass">"passed"</span> }
    } else {
        view! { <span class="badge fail">"failed"</span> }
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

/// Edits a list of gates in place: thresholds and the champion margin.
#[component]
fn GateEditor(gates: RwSignal<Vec<Gate>>) -> impl IntoView {
    let add_threshold = move |_| {
        gates.update(|gates| {
            gates.push(Gate::Threshold {
                metric: "test_acc".into(),
                comparison: Comparison::AtLeast,
                value: 0.9,
            })
        })
    };
    let add_champion = move |_| {
        gates.update(|gates| {
            gates.push(Gate::BeatsChampion {
                metric: "test_acc".into(),
                margin: Margin::Absolute(0.0),
            })
        })
    };
    // Rows are rebuilt only when one is added or removed, so editing a value keeps focus.
    let count = Memo::new(move |_| gates.with(Vec::len));
    let rows = move || {
        (0..count.get())
            .map(|index| view! { <GateRow gates index /> })
            .collect_view()
    };
    view! {
        <ul class="gate-editor">{rows}</ul>
        <div class="gate-actions">
            <button type="button" class="secondary add-threshold" on:click=add_threshold>"+ Threshold"</button>
            <button type="button" class="secondary add-champion" on:click=add_champion>"+ Beat the champion"</button>
        </div>
    }
}

#[component]
fn GateRow(gates: RwSignal<Vec<Gate>>, index: usize) -> impl IntoView {
    // The row's markup depends only on its kind; values are edited in place.
    let kind = Memo::new(move |_| {
        gates.with(|gates| {
            gates
                .get(index)
                .map(|gate| matches!(gate, Gate::Threshold { .. }))
        })
    });
    let update = move |change: &dyn Fn(&mut Gate)| {
        gates.update(|gates| {
            if let Some(gate) = gates.get_mut(index) {
                change(gate);
            }
        })
    };
    let on_metric = move |event: web_sys::Event| {
        let value = event_target_value(&event);
        update(&|gate| match gate {
            Gate::Threshold { metric, .. } | Gate::BeatsChampion { metric, .. } => {
                *metric = value.clone()
            }
        });
    };
    let on_comparison = move |event: web_sys::Event| {
        let at_most = event_target_value(&event) == "at-most";
        update(&|gate| {
            if let Gate::Threshold { comparison, .. } = gate {
                *comparison = if at_most {
                    Comparison::AtMost
                } else {
                    Comparison::AtLeast
                };
            }
        });
    };
    let on_value = move |event: web_sys::Event| {
        let Ok(number) = event_target_value(&event).trim().parse::<f64>() else {
            return;
        };
        update(&|gate| match gate {
            Gate::Threshold { value, .. } => *value = number,
            Gate::BeatsChampion { margin, .. } => {
                *margin = match margin {
                    Margin::Absolute(_) => Margin::Absolute(number),
                    Margin::Relative(_) => Margin::Relative(number / 100.0),
                }
            }
        });
    };
    let on_margin_kind = move |event: web_sys::Event| {
        let relative = event_target_value(&event) == "relative";
        update(&|gate| {
            // The number in the field stays; only its unit changes.
            if let Gate::BeatsChampion { margin, .. } = gate {
                *margin = match (*margin, relative) {
                    (Margin::Absolute(step), true) => Margin::Relative(step / 100.0),
                    (Margin::Relative(share), false) => Margin::Absolute(share * 100.0),
                    (unchanged, _) => unchanged,
                };
            }
        });
    };
    let remove = move |_| {
        gates.update(|gates| {
            if index < gates.len() {
                gates.remove(index);
            }
        })
    };
    move || {
        kind.get()
            .and_then(|_| gates.with_untracked(|gates| gates.get(index).cloned()))
            .map(|gate| {
            let metric = gate.metric().to_owned();
            let metric_select = view! {
                <select class="gate-metric" aria-label="Metric" on:change=on_metric>
                    {gate_metrics().map(|name| view! {
                        <option value=name selected=name == metric>{name}</option>
                    }).collect_view()}
                </select>
            };
            match gate {
                Gate::Threshold { comparison, value, .. } => view! {
                    <li class="gate-row threshold">
                        {metric_select}
                        <select class="gate-comparison" aria-label="Comparison" on:change=on_comparison>
                            <option value="at-least" selected=comparison == Comparison::AtLeast>"≥"</option>
                            <option value="at-most" selected=comparison == Comparison::AtMost>"≤"</option>
                        </select>
                        <input type="number" step="any" class="gate-value" aria-label="Threshold" prop:value=value.to_string() on:change=on_value />
                        <button type="button" class="link" on:click=remove>"Remove"</button>
                    </li>
                }.into_any(),
                Gate::BeatsChampion { margin, .. } => {
                    let (relative, shown) = match margin {
                        Margin::Absolute(step) => (false, step),
                        Margin::Relative(share) => (true, round_for_display(share * 100.0)),
                    };
                    view! {
                        <li class="gate-row champion">
                            "beats the champion on " {metric_select} " by at least "
                            <input type="number" step="any" class="gate-value" aria-label="Margin" prop:value=shown.to_string() on:change=on_value />
                            <select class="gate-margin" aria-label="Margin kind" on:change=on_margin_kind>
                                <option value="absolute" selected=!relative>"(absolute)"</option>
                                <option value="relative" selected=relative>"%"</option>
                            </select>
                            <button type="button" class="link" on:click=remove>"Remove"</button>
                        </li>
                    }.into_any()
                }
            }
        })
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
                            .map(|()| format!("Downloading {}.", v.package_file_name()))
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
pub fn GateReportView(report: GateReport) -> impl IntoView {
    let kind = |kind: CheckKind| match kind {
        CheckKind::Threshold => "threshold",
        CheckKind::Champion => "champion",
        CheckKind::Automatic => "automatic",
    };
    let number = |value: Option<f64>| value.map(format_metric).unwrap_or_default();
    view! {
        <table class="gate-report">
            <thead><tr><th>"Check"</th><th>"Kind"</th><th>"Result"</th><th>"Value"</th><th>"Threshold"</th><th>"Detail"</th></tr></thead>
            <tbody>
                {report.checks.iter().map(|check| view! {
                    <tr class=if check.passed { "check pass" } else { "check fail" }>
                        <td>{check.name.clone()}</td>
                        <td>{kind(check.kind)}</td>
                        <td>{if check.passed { "pass" } else { "FAIL" }}</td>
                        <td class="number">{number(check.value)}</td>
                        <td class="number">{number(check.threshold)}</td>
                        <td>{check.detail.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
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
            <span>{format!("{} (from the uploaded package {file_name}, packaged as v{packaged_as}; its gates were checked again here)", lineage.run_name)}</span>
        }
        .into_any(),
    };
    view! {
        <dl class="lineage">
            <dt>"Run"</dt><dd>{run}</dd>
            <dt>"Dataset"</dt><dd>{format!("{} ({} rows, {} features)", lineage.dataset.name, lineage.dataset.rows, lineage.dataset.features)}</dd>
            <dt>"Dataset version"</dt><dd><code title=lineage.dataset.id.clone()>{short_hash(&lineage.dataset.id)}</code></dd>
            <dt>"Recipe"</dt><dd>{format!("{} epochs, batch {}, {:?}, learning rate {}, seed {}", lineage.recipe.epochs, lineage.recipe.batch_size, lineage.recipe.optimizer, lineage.recipe.learning_rate, lineage.recipe.seed)}</dd>
            <dt>"Package sha256"</dt><dd><code class="package-hash" title=version.package_sha256.clone()>{short_hash(&version.package_sha256)}</code></dd>
            <dt>"Weights sha256"</dt><dd><code title=version.weights_sha256.clone()>{short_hash(&version.weights_sha256)}</code></dd>
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

/// On a run's page: validate the run against a model's gates and register it as a version.
#[component]
pub fn RegisterPanel(run: Memo<Option<RunRecord>>) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let model_name = RwSignal::new(String::new());
    let new_gates = RwSignal::new(Vec::<Gate>::new());
    let candidate = RwSignal::new(None::<Candidate>);
    let message = RwSignal::new(None::<Result<(String, u32), String>>);
    let busy = RwSignal::new(false);
    // Memos, so typing a name or a run's progress rebuilds nothing that holds focus.
    let registrable = Memo::new(move |_| {
        run.with(|r| {
            r.as_ref()
                .is_some_and(|r| matches!(r.state, RunState::Finished { .. } | RunState::Stopped))
        })
    });
    let existing = Memo::new(move |_| {
        registry
            .model(model_name.get().trim())
            .map(|model| (model.name, model.gates.len()))
    });
    let on_validate = move |_| {
        let Some(record) = run.get_untracked() else {
            return;
        };
        busy.set(true);
        candidate.set(None);
        message.set(None);
        let (name, gates) = (model_name.get_untracked(), new_gates.get_untracked());
        leptos::task::spawn_local(async move {
            match registry.validate(record, &name, gates).await {
                Ok(checked) => candidate.set(Some(checked)),
                Err(error) => message.set(Some(Err(error))),
            }
            busy.set(false);
        });
    };
    let on_register = move |_| {
        let Some(checked) = candidate.get_untracked() else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = registry.register(checked).await;
            candidate.set(None);
            message.set(Some(outcome.map(|v| (v.model, v.version))));
            busy.set(false);
        });
    };
    let model_options = move || {
        registry
            .models
            .get()
            .into_iter()
            .map(|m: RegisteredModel| view! { <option value=m.name.clone() /> })
            .collect_view()
    };
    move || {
        registrable.get().then(|| view! {
            <section class="register-panel">
                <h2>"Register this run's model"</h2>
                <label>"Model name "
                    <input type="text" id="register-model" list="registered-models" placeholder="e.g. iris-classifier"
                        prop:value=model_name on:input=move |e| { model_name.set(event_target_value(&e)); candidate.set(None); } />
                </label>
                <datalist id="registered-models">{model_options}</datalist>
                {move || match existing.get() {
                    Some((name, gates)) => view! {
                        <p class="hint">{format!("A new version of {name}, checked against its {gates} gate(s).")}</p>
                    }.into_any(),
                    None => view! {
                        <div class="new-model-gates">
                            <p class="hint">"A new model. Its gates (you can change them later on its page):"</p>
                            <GateEditor gates=new_gates />
                        </div>
                    }.into_any(),
                }}
                <button type="button" id="validate-run" disabled=move || busy.get() || model_name.with(|n| n.trim().is_empty()) on:click=on_validate>"Validate"</button>
                {move || candidate.get().map(|checked| {
                    let passed = checked.report.passed();
                    view! {
                        <div class="validation">
                            <p class=if passed { "verdict pass" } else { "verdict fail" }>
                                {if passed { "Every gate passed." } else { "Some gates failed: it can be registered, but it cannot take an alias without a written override." }}
                            </p>
                            <GateReportView report=checked.report.clone() />
                            <button type="button" id="register-run" disabled=move || busy.get() on:click=on_register>
                                {format!("Register as a version of {}", checked.model_name)}
                            </button>
                        </div>
                    }
                })}
                {move || message.get().map(|m| match m {
                    Ok((model, version)) => view! {
                        <p class="notice registered">"Registered as "
                            <a href=format!("/models/{model}/{version}")>{format!("{model} v{version}")}</a> "."
                        </p>
                    }.into_any(),
                    Err(text) => view! { <p class="error">{text}</p> }.into_any(),
                })}
            </section>
        })
    }
}
