//! One run, whole: its params and metrics, every metric's history, the test-set evaluation,
//! editable name, tags and note, and the recipe that re-runs it.

use kindling_core::evaluation::{Evaluation, Report};
use kindling_core::tracking::{METRIC_NAMES, RunRecord, RunState};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::confusion_matrix::ConfusionMatrix;
use crate::components::line_chart::LineChart;
use crate::components::metric_charts::{METRIC_CHARTS, chart_series};
use crate::components::register_panel::RegisterPanel;
use crate::components::roc_chart::RocChart;
use crate::components::scatter_plot::{ScatterPlot, ScatterPoint};
use crate::format::{
    format_duration, format_metric, format_param, format_time, headline, report_summary,
};
use crate::platform;
use crate::platform::files::download_text;
use crate::state::data::DataChoice;
use crate::state::lessons::Lessons;
use crate::state::train_form::TrainForm;
use crate::state::training::Training;
use crate::state::workbench::{RunLabels, StoreStatus, Workbench};

#[component]
pub fn RunDetailPage() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let training = expect_context::<Training>();
    let params = use_params_map();
    let run_id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let run = Memo::new(move |_| {
        let id = run_id.get();
        workbench
            .runs
            .with(|runs| runs.iter().find(|run| run.id == id).cloned())
    });
    // The stored history and evaluation; the live run's history comes from the trainer.
    // Re-read when the run's state changes (it finished while the page was open), not when
    // its labels or latest metrics do.
    let state = Memo::new(move |_| run.with(|run| run.as_ref().map(|r| r.state.clone())));
    let stored = LocalResource::new(move || {
        let id = run_id.get();
        state.track();
        // The final record's write has landed: the evaluation is there to read.
        workbench.saved_run.track();
        async move {
            let history = workbench.history(&id).await.map_err(|e| e.to_string())?;
            let evaluation = workbench.evaluation(&id).await.map_err(|e| e.to_string())?;
            Ok::<_, String>((history, evaluation))
        }
    });
    let history = Memo::new(move |_| {
        let id = run_id.get();
        let live = training.run.with(|live| {
            live.as_ref().filter(|live| live.run_id == id).map(|live| {
                let shown = workbench.shown_epochs(&id, live.history.len());
                live.history[..shown].to_vec()
            })
        });
        live.unwrap_or_else(|| {
            stored
                .get()
                .and_then(Result::ok)
                .map(|(history, _)| history)
                .unwrap_or_default()
        })
    });
    let evaluation = Memo::new(move |_| {
        stored
            .get()
            .and_then(Result::ok)
            .and_then(|(_, evaluation)| evaluation)
    });
    let load_error = move || stored.get().and_then(Result::err);

    // The page is rebuilt only when another run is shown; what changes while a run trains or
    // after a save updates in place, so fields being edited are not reset under the person.
    let shown_id = Memo::new(move |_| run.with(|run| run.as_ref().map(|r| r.id.clone())));

    view! {
        <section class="page run-detail">
            {move || match shown_id.get() {
                None => view! {
                    <p class="empty">
                        {move || if workbench.status.get() == StoreStatus::Opening { "Loading…" } else { "There is no run with this id." }}
                        " " <a href="/runs">"All runs"</a>
                    </p>
                }.into_any(),
                Some(_) => {
                    let Some(record) = run.get_untracked() else {
                        return ().into_any();
                    };
                    let class_names = record.dataset.class_names.clone();
                    view! {
                        <RunHeader initial=record.clone() run />
                        {move || load_error().map(|error| view! { <p class="error" role="alert">{error}</p> })}
                        <div class="detail-grid">
                            {move || run.get().map(|record| view! {
                                <ParamsTable run=record.clone() />
                                <MetricsTable run=record />
                            })}
                        </div>
                        <h2>"History"</h2>
                        <div class="metric-charts">
                            {METRIC_CHARTS.iter().map(|chart| {
                                let series = Signal::derive(move || history.with(|h| chart_series(chart, h, "")));
                                view! {
                                    <figure class="metric-chart">
                                        <figcaption>{chart.title}</figcaption>
                                        <LineChart series x_label="epoch" y_label=Signal::derive(move || chart.title.to_owned()) />
                                    </figure>
                                }
                            }).collect_view()}
                        </div>
                        {move || evaluation.get().map(|evaluation| view! {
                            <EvaluationView evaluation class_names=class_names.clone() />
                        })}
                        <Recipe run=record />
                        <RegisterPanel run />
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn RunHeader(initial: RunRecord, run: Memo<Option<RunRecord>>) -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let choice = expect_context::<DataChoice>();
    let form = expect_context::<TrainForm>();
    let name = RwSignal::new(initial.name.clone());
    let tags = RwSignal::new(initial.tags.iter().cloned().collect::<Vec<_>>().join(", "));
    let note = RwSignal::new(initial.note.clone());
    let experiment = RwSignal::new(initial.experiment.clone());
    let saved = RwSignal::new(false);
    let id = StoredValue::new(initial.id.clone());
    let on_save = move |_| {
        let labels = RunLabels::from_fields(
            &name.get_untracked(),
            &tags.get_untracked(),
            &note.get_untracked(),
        )
        .in_experiment(&experiment.get_untracked());
        leptos::task::spawn_local(async move {
            let saved_labels = match labels {
                Ok(labels) => workbench.update_labels(&id.get_value(), labels).await,
                Err(error) => Err(error),
            };
            match saved_labels {
                Ok(()) => saved.set(true),
                Err(error) => workbench.error.set(Some(error)),
            }
        });
    };
    let navigate = use_navigate();
    let on_rerun = move |_| {
        if let Some(run) = run.get_untracked() {
            choice.select_from_run(&run);
            form.fill_for_rerun(&run);
            navigate("/", Default::default());
        }
    };
    let title = move || run.with(|run| run.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let status = move || run.with(|run| run.as_ref().map_or("", |r| r.state.label()));
    let facts = move || {
        run.with(|run| {
            run.as_ref().map(|run| {
                format!(
                    "{} on {} · experiment {} · {} epochs · {} · started {}",
                    run.spec.model.label(),
                    run.dataset.name,
                    run.experiment,
                    run.epochs_done,
                    format_duration(run.duration_ms),
                    format_time(run.started_ms)
                )
            })
        })
    };
    let failure = move || {
        run.with(|run| match run.as_ref().map(|r| &r.state) {
            Some(RunState::Failed { reason }) => Some(reason.clone()),
            Some(RunState::Interrupted) => Some(
                match run.as_ref().and_then(|r| r.interrupted_because.as_deref()) {
                    Some(reason) => format!(
                        "This run was cut off ({reason}); its epochs so far are kept. Re-run it to \
                     train it again."
                    ),
                    None => "The tab was closed or reloaded while this run trained; its epochs so \
                         far are kept. Re-run it to train it again."
                        .to_owned(),
                },
            ),
            _ => None,
        })
    };
    view! {
        <p class="breadcrumb"><a href="/runs">"Runs"</a> " / " {title}</p>
        <div class="run-header">
            <h1>{title} " " <span class=move || format!("status-pill {}", status())>{status}</span></h1>
            <p class="run-facts">{facts}</p>
            {move || failure().map(|text| view! { <p class="run-failure">{text}</p> })}
            <div class="run-labels">
                <div class="field">
                    <label for="field-run-name">"Name"</label>
                    <input type="text" id="field-run-name" name="run-name" prop:value=move || name.get()
                        on:input=move |ev| { saved.set(false); name.set(event_target_value(&ev)) } />
                </div>
                <div class="field">
                    <label for="field-run-tags">"Tags"</label>
                    <input type="text" id="field-run-tags" name="run-tags" prop:value=move || tags.get()
                        on:input=move |ev| { saved.set(false); tags.set(event_target_value(&ev)) } />
                </div>
                <div class="field">
                    <label for="field-run-experiment">"Experiment"</label>
                    <input type="text" id="field-run-experiment" name="run-experiment" prop:value=move || experiment.get()
                        on:input=move |ev| { saved.set(false); experiment.set(event_target_value(&ev)) } />
                </div>
                <div class="field wide">
                    <label for="field-run-note">"Note"</label>
                    <textarea id="field-run-note" name="run-note" rows="2" prop:value=move || note.get()
                        on:input=move |ev| { saved.set(false); note.set(event_target_value(&ev)) }></textarea>
                </div>
                <div class="actions">
                    <button type="button" class="save-labels" on:click=on_save>"Save"</button>
                    <button type="button" class="primary rerun" on:click=on_rerun>"Re-run"</button>
                    <Show when=move || saved.get()><span class="saved" role="status">"Saved"</span></Show>
                </div>
            </div>
        </div>
    }
}

#[component]
fn ParamsTable(run: RunRecord) -> impl IntoView {
    let rows = run
        .params()
        .into_iter()
        .map(|(name, value)| view! { <tr><th scope="row">{name}</th><td>{format_param(&value)}</td></tr> })
        .collect_view();
    view! {
        <div class="params">
            <h2>"Params"</h2>
            <table class="kv params-table"><tbody>{rows}</tbody></table>
        </div>
    }
}

#[component]
fn MetricsTable(run: RunRecord) -> impl IntoView {
    let rows = METRIC_NAMES
        .iter()
        .filter_map(|name| {
            let value = run.metrics.get(*name)?;
            Some(view! { <tr><th scope="row">{*name}</th><td>{format_metric(*value)}</td></tr> })
        })
        .collect_view();
    view! {
        <div class="metrics">
            <h2>"Metrics"</h2>
            <table class="kv metrics-table"><tbody>{rows}</tbody></table>
        </div>
    }
}

#[component]
fn EvaluationView(evaluation: Evaluation, class_names: Vec<String>) -> impl IntoView {
    let Some(report) = evaluation.test.clone() else {
        return view! { <p class="empty">"This run kept no test split, so it has no test evaluation."</p> }
            .into_any();
    };
    let body = match &report {
        Report::Classification(classes) => {
            let per_class = classes
                .per_class
                .iter()
                .enumerate()
                .map(|(index, scores)| {
                    let name = class_names
                        .get(index)
                        .cloned()
                        .unwrap_or_else(|| index.to_string());
                    view! {
                        <tr>
                            <th scope="row">{name}</th>
                            <td>{format!("{:.3}", scores.precision)}</td>
                            <td>{format!("{:.3}", scores.recall)}</td>
                            <td>{format!("{:.3}", scores.f1)}</td>
                            <td>{scores.support}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="evaluation-grid">
                    <figure>
                        <figcaption>"Confusion matrix"</figcaption>
                        <ConfusionMatrix confusion=classes.confusion.clone() class_names=class_names.clone() />
                    </figure>
                    <figure>
                        <figcaption>"ROC curve"</figcaption>
                        <RocChart curves=classes.roc_curves.clone() class_names=class_names.clone() />
                    </figure>
                </div>
                <table class="per-class">
                    <thead><tr><th>"Class"</th><th>"Precision"</th><th>"Recall"</th><th>"F1"</th><th>"Support"</th></tr></thead>
                    <tbody>{per_class}</tbody>
                </table>
            }
            .into_any()
        }
        Report::Regression(values) => {
            let points: Vec<ScatterPoint> = values
                .points
                .iter()
                .map(|&(actual, predicted)| ScatterPoint {
                    x: f64::from(actual),
                    y: f64::from(predicted),
                    class: 0,
                })
                .collect();
            let residuals: Vec<ScatterPoint> = values
                .points
                .iter()
                .map(|&(actual, predicted)| ScatterPoint {
                    x: f64::from(predicted),
                    y: f64::from(actual - predicted),
                    class: 0,
                })
                .collect();
            view! {
                <div class="evaluation-grid">
                    <figure class="predicted-actual">
                        <figcaption>"Predicted against actual (on the line = perfect)"</figcaption>
                        <ScatterPlot points=Signal::derive(move || points.clone())
                            x_label="actual".to_string() y_label="predicted".to_string() diagonal=true />
                    </figure>
                    <figure class="residuals">
                        <figcaption>"Residuals (actual − predicted) against predicted"</figcaption>
                        <ScatterPlot points=Signal::derive(move || residuals.clone())
                            x_label="predicted".to_string() y_label="residual".to_string() />
                    </figure>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <h2>"Test-set evaluation"</h2>
        <p class="status finished">
            "Kept epoch " {evaluation.best_epoch} ". Test " {report.headline_name()} ": "
            <strong class="final-accuracy">{headline(&report)}</strong>
        </p>
        <p class="report-summary">{report_summary(&report)}</p>
        {body}
    }
    .into_any()
}

#[component]
fn Recipe(run: RunRecord) -> impl IntoView {
    let spec = serde_json::to_string_pretty(&run.spec).unwrap_or_default();
    let recipe = kindling_core::tracking::recipe::Recipe::of(&run);
    let fragment = recipe.to_fragment();
    let failed = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);
    let copied = RwSignal::new(None::<Result<(), String>>);
    let lessons = expect_context::<Lessons>();
    let download = move |_| {
        let file_name = format!("{}.recipe.json", recipe.run_name);
        match download_text(&file_name, &recipe.to_json_pretty(), "application/json") {
            Ok(()) => lessons.recipes_shared.update(|count| *count += 1),
            Err(error) => failed.set(Some(error)),
        }
    };
    let copy_link = move |_| {
        let Some(address) = platform::links::train_page_address(&fragment) else {
            return failed.set(Some("This page has no address to link to.".to_owned()));
        };
        link.set(Some(address.clone()));
        lessons.recipes_shared.update(|count| *count += 1);
        leptos::task::spawn_local(async move {
            copied.set(Some(platform::links::copy_text(&address).await));
        });
    };
    view! {
        <h2>"Recipe"</h2>
        <p class="recipe-facts">
            "Dataset id " <code class="dataset-id">{run.dataset.id.clone()}</code>
            " · seed " {run.spec.seed} " · Kindling " {run.app_version.clone()}
        </p>
        <p>
            <button type="button" id="download-recipe" on:click=download>"Download recipe"</button>
            " "
            <button type="button" id="copy-recipe-link" on:click=copy_link>"Copy link"</button>
            " "
            <span class="hint">"Reproduce it on the command line: " <code>"kindling train RECIPE"</code></span>
        </p>
        {move || link.get().map(|address| view! {
            <div class="field recipe-link">
                <label for="recipe-link">"Recipe link"</label>
                <input type="text" id="recipe-link" readonly prop:value=address />
                <p class="hint">
                    {move || match copied.get() {
                        Some(Ok(())) => "Copied. ",
                        Some(Err(_)) => "The browser would not copy it: select it and copy. ",
                        None => "",
                    }}
                    "Opening it fills the Train form with this run's settings and data; training then gives the same metrics. "
                    "The recipe is after the #, which browsers never send anywhere: the link leaves this machine only where you paste it."
                </p>
            </div>
        })}
        {move || failed.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
        <details>
            <summary>"Full training spec"</summary>
            <pre class="recipe">{spec}</pre>
        </details>
    }
}
