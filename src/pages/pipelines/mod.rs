//! The Pipelines page: the stored pipeline files, a run with one click, and each run's steps
//! as a CI system shows them (`run_view`). A file is created from the Train form, taken from
//! an example, uploaded or edited here; the same file runs on the command line.

mod run_view;

use kindling_core::pipeline::record::{PipelineRun, Trigger};
use leptos::prelude::*;

use crate::components::drop_zone::FilePicker;
use crate::components::lesson_text::Term;
use crate::components::why_note::WhyNote;
use crate::format::format_duration;
use crate::platform::clock::local_time_text;
use crate::platform::files::{PickedFile, download_text};
use crate::state::data::DataChoice;
use crate::state::pipelines::{MAX_PARALLEL, Pipelines};
use crate::state::train_form::TrainForm;
use crate::state::workbench::Workbench;
use run_view::RunView;

/// One example per bundled dataset, as the repository's `pipelines/` folder has them.
const EXAMPLES: [(&str, &str); 5] = [
    ("iris", include_str!("../../../pipelines/iris.toml")),
    ("wine", include_str!("../../../pipelines/wine.toml")),
    (
        "breast_cancer",
        include_str!("../../../pipelines/breast_cancer.toml"),
    ),
    ("digits", include_str!("../../../pipelines/digits.toml")),
    ("diabetes", include_str!("../../../pipelines/diabetes.toml")),
];

/// The largest pipeline file read from disk; the parser says the same of pasted text.
const MAX_FILE_BYTES: f64 = 256.0 * 1024.0;

#[component]
pub fn PipelinesPage() -> impl IntoView {
    let pipelines = expect_context::<Pipelines>();
    let workbench = expect_context::<Workbench>();
    let (choice, form) = (
        expect_context::<DataChoice>(),
        expect_context::<TrainForm>(),
    );
    let selected = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        let names: Vec<String> = pipelines
            .list
            .with(|list| list.iter().map(|p| p.name.clone()).collect());
        let current = selected.get_untracked();
        if current.as_ref().is_none_or(|name| !names.contains(name)) {
            selected.set(names.first().cloned());
        }
    });
    let saved = move |outcome: Result<String, String>, what: &str| match outcome {
        Ok(name) => {
            notice.set(Some(Ok(format!("{what} pipeline \"{name}\"."))));
            selected.set(Some(name));
        }
        Err(error) => notice.set(Some(Err(error))),
    };
    let from_form = move |_| {
        leptos::task::spawn_local(async move {
            saved(
                pipelines.from_train_form(choice, form, workbench).await,
                "Created",
            );
        });
    };
    let add_example = move |text: &'static str| {
        leptos::task::spawn_local(async move {
            saved(pipelines.save_text(text.to_owned()).await, "Added");
        });
    };
    let upload = move |file: PickedFile| {
        if file.size_bytes > MAX_FILE_BYTES {
            notice.set(Some(Err(format!(
                "{} was not added: a pipeline file is at most 256 KiB",
                file.name
            ))));
            return;
        }
        leptos::task::spawn_local(async move {
            let text = file.bytes().await.and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
            });
            let outcome = match text {
                Ok(text) => pipelines.save_text(text).await,
                Err(error) => Err(error),
            };
            saved(
                outcome.map_err(|error| format!("{} was not added: {error}", file.name)),
                "Added",
            );
        });
    };
    let set_parallel = move |event: leptos::ev::Event| {
        if let Ok(count) = event_target_value(&event).trim().parse::<usize>() {
            pipelines.parallel.set(count.clamp(1, MAX_PARALLEL));
        }
    };
    let list = move || {
        pipelines
            .list
            .get()
            .into_iter()
            .map(|stored| {
                let name = stored.name.clone();
                let last = pipelines.runs.with(|runs| {
                    runs.iter().rev().find(|run| run.pipeline == name).map(PipelineRun::summary)
                });
                let is_selected = {
                    let name = name.clone();
                    move || selected.get().as_deref() == Some(name.as_str())
                };
                let pick = {
                    let name = name.clone();
                    move |_| selected.set(Some(name.clone()))
                };
                view! {
                    <li class:selected=is_selected>
                        <button type="button" class="link pipeline-name" on:click=pick>{name}</button>
                        <span class="muted">{last.unwrap_or_else(|| "never run".into())}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="pipelines-page">
            <h1>"Pipelines"</h1>
            <WhyNote>"A "<Term key="pipeline">"pipeline"</Term>" runs every step from data to a promoted model the same way each time: data validated against its schema, a "<Term key="sweep">"sweep"</Term>", gates, the registry. Unchanged steps are reused, and a bad dataset or a failed gate stops it before anything is promoted."</WhyNote>
            <p class="lede">
                "A pipeline takes data through validation, training (one recipe or a sweep), "
                "evaluation, gates, the registry and an alias in one click, and keeps every run. "
                "Unchanged steps are reused, not redone. The same file runs on the command line: "
                <code>"kindling pipeline run FILE"</code>"."
            </p>
            <div class="toolbar">
                <button type="button" on:click=from_form>"New from the Train form"</button>
                <span class="examples">
                    "Examples: "
                    {EXAMPLES.iter().map(|&(name, text)| view! {
                        <button type="button" class="link" on:click=move |_| add_example(text)>{name}</button>
                    }).collect_view()}
                </span>
                <FilePicker on_file=upload accept=".toml,text/plain" name="pipeline-file" />
                <label class="parallel">
                    "Trials at once "
                    <input type="number" min="1" max=MAX_PARALLEL.to_string() name="parallel"
                        prop:value=move || pipelines.parallel.get().to_string() on:change=set_parallel />
                </label>
            </div>
            {move || notice.get().map(|notice| match notice {
                Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            })}
            {move || pipelines.error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <div class="pipelines-layout">
                <ul class="pipeline-list">
                    {list}
                    {move || (pipelines.loaded.get() && pipelines.list.with(Vec::is_empty)).then(|| view! {
                        <li class="muted">"No pipelines yet: start from the Train form or an example."</li>
                    })}
                </ul>
                {move || selected.get().map(|name| view! { <PipelineView name notice /> })}
            </div>
        </section>
    }
}

/// One pipeline: its actions, its file, its runs and the chosen run's steps.
#[component]
fn PipelineView(name: String, notice: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let pipelines = expect_context::<Pipelines>();
    let stored = {
        let name = name.clone();
        Memo::new(move |_| pipelines.pipeline(&name))
    };
    let draft = RwSignal::new(stored.get_untracked().map(|p| p.text).unwrap_or_default());
    let chosen_run = RwSignal::new(None::<String>);
    let runs = {
        let name = name.clone();
        Memo::new(move |_| {
            pipelines.runs.with(|runs| {
                runs.iter()
                    .rev()
                    .filter(|run| run.pipeline == name)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    };
    let shown_run = move || {
        let runs = runs.get();
        match chosen_run.get() {
            Some(id) => runs.into_iter().find(|run| run.id == id),
            None => runs.into_iter().next(),
        }
    };
    let running_here = move || {
        let running = pipelines.running.get();
        running.is_some_and(|id| runs.with(|runs| runs.iter().any(|run| run.id == id)))
    };
    let run = {
        let name = name.clone();
        move |_| match pipelines.start(&name, Trigger::Manual) {
            Ok(id) => chosen_run.set(Some(id)),
            Err(error) => notice.set(Some(Err(error))),
        }
    };
    let save = move |_| {
        leptos::task::spawn_local(async move {
            notice.set(Some(
                match pipelines.save_text(draft.get_untracked()).await {
                    Ok(name) => Ok(format!("Saved pipeline \"{name}\".")),
                    Err(error) => Err(format!("Not saved: {error}")),
                },
            ));
        });
    };
    let download = {
        let name = name.clone();
        move |_| {
            if let Some(stored) = stored.get_untracked()
                && let Err(error) =
                    download_text(&format!("{name}.toml"), &stored.text, "application/toml")
            {
                notice.set(Some(Err(error)));
            }
        }
    };
    let delete = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            leptos::task::spawn_local(async move {
                notice.set(Some(match pipelines.delete(&name).await {
                    Ok(()) => Ok(format!(
                        "Deleted pipeline \"{name}\"; its runs and model versions stay."
                    )),
                    Err(error) => Err(error),
                }));
            });
        }
    };
    let run_list = move || {
        runs.get()
            .into_iter()
            .map(|run| {
                let id = run.id.clone();
                let when = local_time_text(run.started_ms);
                let took = run.ended_ms.map(|end| format_duration(end - run.started_ms)).unwrap_or_default();
                let outcome_class = match &run.outcome {
                    None => "running",
                    Some(kindling_core::pipeline::record::Outcome::Passed) => "passed",
                    Some(kindling_core::pipeline::record::Outcome::Failed { .. }) => "failed",
                    Some(_) => "stopped",
                };
                view! {
                    <li class=format!("pipeline-run {outcome_class}")>
                        <button type="button" class="link" on:click=move |_| chosen_run.set(Some(id.clone()))>
                            {when}
                        </button>
                        " · " {run.trigger.describe()} " · " {run.summary()} " " <span class="muted">{took}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="pipeline-view">
            <h2>{name.clone()}</h2>
            <div class="actions">
                <button type="button" class="primary" on:click=run disabled=move || pipelines.running.get().is_some()>"Run"</button>
                <button type="button" on:click=move |_| pipelines.stop() disabled=move || !running_here()>"Stop"</button>
                <button type="button" on:click=download>"Download file"</button>
                <button type="button" class="danger" on:click=delete disabled=running_here>"Delete"</button>
            </div>
            <details class="pipeline-file">
                <summary>"The file"</summary>
                <textarea name="pipeline-text" rows="18" spellcheck="false" aria-label="Pipeline file"
                    prop:value=move || draft.get() on:input=move |event| draft.set(event_target_value(&event))></textarea>
                <button type="button" on:click=save>"Save"</button>
            </details>
            <h3>"Runs"</h3>
            <ol class="pipeline-runs">{run_list}</ol>
            {move || shown_run().map(|run| view! { <RunView run /> })}
        </div>
    }
}
