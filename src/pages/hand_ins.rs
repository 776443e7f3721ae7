//! The Hand-ins page: a teacher opens every student's hand-in at once (each file read in the
//! worker with every workspace check), sees them side by side grouped by student, and ranks
//! them on a leaderboard. Every registered version is scored here, by the model worker, on the
//! data the teacher chooses from their own copies (`scoring::held_out`); what a file claims is
//! shown beside the score, never used as it.

use std::sync::Arc;

use kindling_core::choice::Choice;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::protocol::ModelSource;
use kindling_core::scoring::held_out::{HeldOutData, scores};
use kindling_core::spec::DatasetSpec;
use kindling_core::workspace::Workspace;
use kindling_core::workspace::hand_in::{HandIn, ScoredVersion, Standing, leaderboard};
use leptos::prelude::*;

use crate::components::lesson_text::Term;
use crate::components::why_note::WhyNote;
use crate::components::workspace_file::read_workspace;
use crate::format::format_metric;
use crate::platform::files;
use crate::state::data::{DataChoice, imported_key};
use crate::state::models::Models;
use crate::state::registry::Registry;
use crate::state::workbench::Workbench;

/// One hand-in file, opened.
#[derive(Clone)]
struct Opened {
    file_name: String,
    hand_in: HandIn,
    workspace: Arc<Workspace>,
}

/// The metrics a leaderboard can rank by: the test scores a run records.
const CLASSIFIER_METRICS: [&str; 4] = [
    "test_accuracy",
    "test_f1_macro",
    "test_log_loss",
    "test_roc_auc",
];
const REGRESSOR_METRICS: [&str; 3] = ["test_r2", "test_rmse", "test_mae"];

#[component]
pub fn HandInsPage() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let models = expect_context::<Models>();
    let data_choice = expect_context::<DataChoice>();
    let registry = expect_context::<Registry>();
    let opened = RwSignal::new(Vec::<Opened>::new());
    let refused = RwSignal::new(Vec::<String>::new());
    let reading = RwSignal::new(false);
    let data_key = RwSignal::new(String::new());
    let metric = RwSignal::new(String::new());
    let scored = RwSignal::new(Vec::<ScoredVersion>::new());
    let scoring = RwSignal::new(None::<String>);
    let failed = RwSignal::new(None::<String>);
    let added = RwSignal::new(None::<String>);

    let on_open = move |event: leptos::ev::Event| {
        let picked = files::all_from_input_event(&event);
        if picked.is_empty() {
            return;
        }
        reading.set(true);
        refused.set(Vec::new());
        leptos::task::spawn_local(async move {
            for file in picked {
                let read = read_workspace(&file, models).await.and_then(|workspace| {
                    let hand_in = workspace
                        .handed_in()
                        .map_err(|error| format!("{}: {error}", file.name))?
                        .clone();
                    Ok(Opened {
                        file_name: file.name.clone(),
                        hand_in,
                        workspace: Arc::new(workspace),
                    })
                });
                match read {
                    Ok(new) => opened.update(|all| {
                        // The same student's same experiment again: the newer file counts.
                        all.retain(|known| known.hand_in != new.hand_in);
                        all.push(new);
                    }),
                    Err(error) => refused.update(|all| all.push(error)),
                }
            }
            if data_key.get_untracked().is_empty() {
                data_key.set(suggested_data(&opened.get_untracked(), workbench));
            }
            if metric.get_untracked().is_empty() {
                metric.set(suggested_metric(&opened.get_untracked()).to_owned());
            }
            scored.set(Vec::new());
            reading.set(false);
        });
    };

    let on_score = move |_| {
        let key = data_key.get_untracked();
        let all = opened.get_untracked();
        failed.set(None);
        scored.set(Vec::new());
        scoring.set(Some("Loading the data…".into()));
        leptos::task::spawn_local(async move {
            let data = match data_choice.load_key_in_chunk(&key, workbench).await {
                Ok(data) => data,
                Err(error) => {
                    failed.set(Some(error));
                    scoring.set(None);
                    return;
                }
            };
            let held_out = match HeldOutData::new(&data) {
                Ok(held_out) => held_out,
                Err(error) => {
                    failed.set(Some(error));
                    scoring.set(None);
                    return;
                }
            };
            let total: usize = all.iter().map(|o| o.workspace.versions.len()).sum();
            let mut results = Vec::with_capacity(total);
            for opened in &all {
                for bundle in &opened.workspace.versions {
                    let version = &bundle.version;
                    scoring.set(Some(format!(
                        "Scoring {} v{} of {} ({} of {total})…",
                        version.model,
                        version.version,
                        opened.hand_in.student,
                        results.len() + 1
                    )));
                    let outcome = match held_out.for_model(&version.signature) {
                        Err(reason) => Err(reason),
                        Ok(rows) => models
                            .predict(
                                version.package_sha256.clone(),
                                || ModelSource::Package(bundle.package.clone()),
                                rows.rows.clone(),
                            )
                            .await
                            .and_then(|answers| scores(&version.signature, &rows, &answers)),
                    };
                    results.push(ScoredVersion {
                        student: opened.hand_in.student.clone(),
                        model: version.model.clone(),
                        version: version.version,
                        claimed: version.metrics.clone(),
                        scored: outcome,
                    });
                }
            }
            scored.set(results);
            scoring.set(None);
        });
    };

    // Each file lands whole or not at all, beside what is stored; the runs go to an
    // experiment per student and hand-in.
    let on_add = move |_| {
        let all = opened.get_untracked();
        failed.set(None);
        added.set(None);
        leptos::task::spawn_local(async move {
            let mut said = Vec::new();
            for file in all {
                let joined = (*file.workspace).clone().for_teacher();
                let result = match joined {
                    Ok(workspace) => workbench
                        .import_workspace(workspace)
                        .await
                        .map(|plan| plan.summary())
                        .map_err(|error| error.to_string()),
                    Err(error) => Err(error.to_string()),
                };
                said.push(match result {
                    Ok(summary) => format!("{}: {summary}", file.hand_in.student),
                    Err(error) => format!("{}: nothing added: {error}", file.hand_in.student),
                });
            }
            registry.reload_after_import().await;
            added.set(Some(said.join(" ")));
        });
    };

    let students = move || {
        let mut names: Vec<String> = opened.with(|all| {
            all.iter()
                .map(|opened| opened.hand_in.student.clone())
                .collect()
        });
        names.sort();
        names.dedup();
        names
    };
    let standings = move || {
        let metric = metric.get();
        scored.with(|scored| leaderboard(&students(), scored, &metric))
    };

    view! {
        <section class="page hand-ins">
            <h1>"Hand-ins"</h1>
            <WhyNote>
                "A class's work side by side. Each student saves an "<Term key="experiment">"experiment"</Term>" as a "<Term key="hand-in">"hand-in"</Term>" with "
                <strong>"Hand in"</strong>" on the Runs page; open all the files here at once. "
                "Every registered model is scored on your copy of the data, so the leaderboard "
                "ranks what the models do, not what their files claim. For a fair ranking, score "
                "on rows no student trained on (keep a held-out CSV and upload it on the Data page); "
                "scoring on a bundled set counts the rows each student trained on too."
            </WhyNote>
            <div class="toolbar hand-in-toolbar">
                <label class="button primary">
                    "Open hand-ins"
                    <input type="file" class="visually-hidden" name="hand-ins" multiple=true
                        accept=".json,application/json" on:change=on_open />
                </label>
                <button type="button" disabled=move || opened.with(Vec::is_empty)
                    on:click=move |_| {
                        opened.set(Vec::new());
                        scored.set(Vec::new());
                        refused.set(Vec::new());
                    }>"Close all"</button>
                <button type="button" id="add-hand-ins" disabled=move || opened.with(Vec::is_empty)
                    on:click=on_add>"Add all to my runs"</button>
            </div>
            <div role="status" class="hand-in-status">
                {move || reading.get().then(|| view! { <p class="notice">"Reading the files…"</p> })}
                {move || scoring.get().map(|text| view! { <p class="notice">{text}</p> })}
                {move || added.get().map(|text| view! { <p class="notice">{text}</p> })}
            </div>
            <div role="alert">
                {move || refused.get().into_iter().map(|error| view! { <p class="error">{error}</p> }).collect_view()}
                {move || failed.get().map(|error| view! { <p class="error">{error}</p> })}
            </div>
            <Show when=move || !opened.with(Vec::is_empty)
                fallback=|| view! { <p class="muted">"No hand-in is open. Students' files are read here, in this tab; nothing is uploaded."</p> }>
                <ScoreControls data_key metric opened scoring on_score />
                <h2>"Leaderboard"</h2>
                <Leaderboard standings=Signal::derive(standings) metric scored />
                <h2>"Side by side"</h2>
                {move || students().into_iter().map(|student| view! {
                    <StudentHandIns student=student.clone() opened scored metric />
                }).collect_view()}
            </Show>
        </section>
    }
}

/// The data to score on and the metric to rank by.
#[component]
fn ScoreControls(
    data_key: RwSignal<String>,
    metric: RwSignal<String>,
    opened: RwSignal<Vec<Opened>>,
    scoring: RwSignal<Option<String>>,
    on_score: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let data_options = move || {
        let chosen = data_key.get();
        let bundled =
            BundledDataset::all().map(|set| (set.key().to_owned(), set.title().to_owned()));
        let uploaded = workbench.datasets.with(|entries| {
            entries
                .iter()
                .map(|entry| {
                    (
                        imported_key(&entry.id),
                        format!("{} (uploaded, {} rows)", entry.name, entry.rows),
                    )
                })
                .collect::<Vec<_>>()
        });
        std::iter::once((String::new(), "Choose the data…".to_owned()))
            .chain(bundled)
            .chain(uploaded)
            .map(|(key, label)| {
                let selected = key == chosen;
                view! { <option value=key selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let metric_options = move || {
        let chosen = metric.get();
        let regression = opened.with(|all| suggested_metric(all) == REGRESSOR_METRICS[0]);
        let names: &[&str] = if regression {
            &REGRESSOR_METRICS
        } else {
            &CLASSIFIER_METRICS
        };
        names
            .iter()
            .map(|name| {
                let selected = *name == chosen;
                view! { <option value=*name selected=selected>{*name}</option> }
            })
            .collect_view()
    };
    view! {
        <div class="score-controls">
            <div class="field">
                <label for="hand-in-data">"Score on"</label>
                <select id="hand-in-data" on:change=move |event| data_key.set(event_target_value(&event))>
                    {data_options}
                </select>
            </div>
            <div class="field">
                <label for="hand-in-metric">"Rank by"</label>
                <select id="hand-in-metric" on:change=move |event| metric.set(event_target_value(&event))>
                    {metric_options}
                </select>
            </div>
            <button type="button" class="primary" id="score-hand-ins" on:click=on_score
                disabled=move || data_key.with(String::is_empty) || scoring.with(Option::is_some)>
                "Score every model"
            </button>
        </div>
    }
}

#[component]
fn Leaderboard(
    standings: Signal<Vec<Standing>>,
    metric: RwSignal<String>,
    scored: RwSignal<Vec<ScoredVersion>>,
) -> impl IntoView {
    let claimed = move |student: &str, model: &str, version: u32| {
        scored.with(|scored| {
            scored
                .iter()
                .find(|s| s.student == student && s.model == model && s.version == version)
                .and_then(|s| s.claimed.get(&metric.get()).copied())
        })
    };
    view! {
        <Show when=move || !scored.with(Vec::is_empty)
            fallback=|| view! { <p class="muted">"Choose the data and score: the leaderboard fills in once every model has answered."</p> }>
            <div class="table-wrap">
                <table id="leaderboard">
                    <thead><tr>
                        <th>"Place"</th><th>"Student"</th><th>"Best model"</th>
                        <th class="number">{move || format!("{} on your data", metric.get())}</th>
                        <th class="number">"Claimed in the file"</th>
                    </tr></thead>
                    <tbody>
                        {move || standings.get().into_iter().map(|standing| {
                            let (model, value, claim) = match &standing.best {
                                Some((model, version, value)) => (
                                    format!("{model} v{version}"),
                                    format_metric(*value),
                                    claimed(&standing.student, model, *version).map(format_metric).unwrap_or_else(|| "—".into()),
                                ),
                                None => ("nothing scored".into(), "—".into(), "—".into()),
                            };
                            view! {
                                <tr>
                                    <td>{standing.place.map(|place| place.to_string()).unwrap_or_else(|| "—".into())}</td>
                                    <td>{standing.student.clone()}</td>
                                    <td>{model}</td>
                                    <td class="number">{value}</td>
                                    <td class="number">{claim}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

/// Everything one student handed in: each experiment's runs and the versions scored.
#[component]
fn StudentHandIns(
    student: String,
    opened: RwSignal<Vec<Opened>>,
    scored: RwSignal<Vec<ScoredVersion>>,
    metric: RwSignal<String>,
) -> impl IntoView {
    let files: Vec<Opened> = opened.with_untracked(|all| {
        all.iter()
            .filter(|opened| opened.hand_in.student == student)
            .cloned()
            .collect()
    });
    let whose = StoredValue::new(student.clone());
    let score_of = move |model: &str, version: u32| {
        scored.with(|scored| {
            whose.with_value(|student| {
                scored
                    .iter()
                    .find(|s| s.student == *student && s.model == model && s.version == version)
                    .map(|s| s.scored.clone())
            })
        })
    };
    view! {
        <section class="student-hand-in" aria-label=student.clone()>
            <h3>{student.clone()}</h3>
            {files.into_iter().map(|file| {
                let workspace = Arc::clone(&file.workspace);
                let runs = workspace.runs.iter().map(|bundle| {
                    let run = &bundle.run;
                    view! {
                        <tr>
                            <td>{run.name.clone()}</td>
                            <td>{run.dataset.name.clone()}</td>
                            <td>{run.state.label()}</td>
                            <td class="number">{run.headline().map(format_metric).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }
                }).collect_view();
                let versions = workspace.versions.iter().map(|bundle| {
                    let version = bundle.version.clone();
                    let claimed = version.metrics.clone();
                    let (model, number) = (version.model.clone(), version.version);
                    let shown = move || {
                        let metric = metric.get();
                        let claim = claimed.get(&metric).copied().map(format_metric).unwrap_or_else(|| "—".into());
                        let score = match score_of(&model, number) {
                            None => view! { <td class="number muted">"not scored yet"</td> }.into_any(),
                            Some(Ok(scores)) => view! {
                                <td class="number">{scores.get(&metric).copied().map(format_metric).unwrap_or_else(|| "—".into())}</td>
                            }.into_any(),
                            Some(Err(reason)) => view! { <td class="error">{format!("Not scored: {reason}")}</td> }.into_any(),
                        };
                        view! { <td class="number">{claim}</td> {score} }
                    };
                    view! {
                        <tr>
                            <td>{format!("{} v{}", version.model, version.version)}</td>
                            <td>{version.lineage.run_name.clone()}</td>
                            {shown}
                        </tr>
                    }
                }).collect_view();
                let has_versions = !workspace.versions.is_empty();
                view! {
                    <div class="hand-in-file">
                        <p>
                            <strong>{format!("Experiment {}", file.hand_in.experiment)}</strong>
                            {format!(" · {} · {} run{}", file.file_name, workspace.runs.len(), if workspace.runs.len() == 1 { "" } else { "s" })}
                        </p>
                        <div class="table-wrap">
                            <table class="hand-in-runs">
                                <thead><tr><th>"Run"</th><th>"Data"</th><th>"State"</th><th class="number">"Headline (claimed)"</th></tr></thead>
                                <tbody>{runs}</tbody>
                            </table>
                        </div>
                        {if has_versions {
                            view! {
                                <div class="table-wrap">
                                    <table class="hand-in-versions">
                                        <thead><tr>
                                            <th>"Model"</th><th>"Trained by"</th>
                                            <th class="number">{move || format!("{} claimed", metric.get())}</th>
                                            <th class="number">{move || format!("{} on your data", metric.get())}</th>
                                        </tr></thead>
                                        <tbody>{versions}</tbody>
                                    </table>
                                </div>
                            }.into_any()
                        } else {
                            view! { <p class="muted">"No model was registered from these runs, so there is nothing to score."</p> }.into_any()
                        }}
                    </div>
                }
            }).collect_view()}
        </section>
    }
}

/// The data the hand-ins' versions were trained on, when every one names the same bundled set
/// or an upload this browser holds; otherwise none, for the teacher to choose.
fn suggested_data(opened: &[Opened], workbench: Workbench) -> String {
    let mut keys = opened
        .iter()
        .flat_map(|opened| opened.workspace.versions.iter())
        .map(|bundle| match &bundle.version.lineage.recipe.dataset {
            DatasetSpec::Bundled(set) => Some(set.key().to_owned()),
            DatasetSpec::Imported { .. } => {
                let id = &bundle.version.lineage.dataset.id;
                workbench
                    .datasets
                    .with_untracked(|entries| entries.iter().any(|entry| entry.id == *id))
                    .then(|| imported_key(id))
            }
            DatasetSpec::Synthetic(_) => None,
        });
    let Some(Some(first)) = keys.next() else {
        return String::new();
    };
    if keys.all(|key| key.as_deref() == Some(first.as_str())) {
        first
    } else {
        String::new()
    }
}

/// Accuracy for classifiers, R² for regressors: the headline a run is compared by.
fn suggested_metric(opened: &[Opened]) -> &'static str {
    let regression = opened
        .iter()
        .flat_map(|opened| opened.workspace.versions.iter())
        .any(|bundle| {
            matches!(
                bundle.version.signature.output,
                kindling_core::signature::Output::Value { .. }
            )
        });
    if regression {
        REGRESSOR_METRICS[0]
    } else {
        CLASSIFIER_METRICS[0]
    }
}
