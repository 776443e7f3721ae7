//! The Runs page: every tracked run in one sortable, filterable table, like MLflow's experiment
//! view. Filtering and sorting work on indices into the run list and only one page of rows is
//! rendered, so it stays quick with 10,000 runs.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use kindling_core::tracking::query::{Query, Value};
use kindling_core::tracking::workspace::Workspace;
use kindling_core::tracking::{RunBundle, RunRecord};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::platform::files;
use crate::state::workbench::{StoreStatus, Workbench};

const PAGE_SIZE: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Name,
    Status,
    Dataset,
    Model,
    LearningRate,
    Epochs,
    Score,
    ValLoss,
    Duration,
    Started,
}

impl Column {
    const ALL: [Column; 10] = [
        Column::Name,
        Column::Status,
        Column::Dataset,
        Column::Model,
        Column::LearningRate,
        Column::Epochs,
        Column::Score,
        Column::ValLoss,
        Column::Duration,
        Column::Started,
    ];

    fn title(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Status => "Status",
            Column::Dataset => "Dataset",
            Column::Model => "Model",
            Column::LearningRate => "lr",
            Column::Epochs => "Epochs",
            Column::Score => "Test score",
            Column::ValLoss => "Val loss",
            Column::Duration => "Duration",
            Column::Started => "Started",
        }
    }

    fn compare(self, a: &RunRecord, b: &RunRecord) -> Ordering {
        let number = |value: Option<f64>, other: Option<f64>| match (value, other) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            // Runs without the number sort after those with it, whichever the direction.
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        match self {
            Column::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            Column::Status => a.state.label().cmp(b.state.label()),
            Column::Dataset => a.dataset.name.cmp(&b.dataset.name),
            Column::Model => a.spec.model.label().cmp(&b.spec.model.label()),
            Column::LearningRate => a.spec.learning_rate.total_cmp(&b.spec.learning_rate),
            Column::Epochs => a.epochs_done.cmp(&b.epochs_done),
            Column::Score => number(a.headline(), b.headline()),
            Column::ValLoss => number(
                a.metrics.get("val_loss").copied(),
                b.metrics.get("val_loss").copied(),
            ),
            Column::Duration => a.duration_ms.total_cmp(&b.duration_ms),
            Column::Started => a.started_ms.total_cmp(&b.started_ms),
        }
    }
}

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

/// Local date and time, to the minute.
pub fn format_time(unix_ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ms));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

pub fn format_metric(value: f64) -> String {
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

/// What was deleted last, so it can be put back.
#[derive(Clone)]
struct Deleted {
    bundles: Vec<RunBundle>,
}

#[component]
pub fn RunsPage() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new((Column::Started, true));
    let page = RwSignal::new(0usize);
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let deleted = RwSignal::new(None::<Deleted>);
    let message = RwSignal::new(None::<String>);
    let action_error = RwSignal::new(None::<String>);

    let query = Memo::new(move |_| Query::parse(&filter.get()).map_err(|e| e.to_string()));
    let rows = Memo::new(move |_| {
        let Ok(query) = query.get() else {
            return Vec::new();
        };
        let (column, descending) = sort.get();
        workbench.runs.with(|runs| {
            let mut indices: Vec<usize> = (0..runs.len())
                .filter(|&i| query.matches(&runs[i]))
                .collect();
            indices.sort_by(|&a, &b| {
                let order = column.compare(&runs[a], &runs[b]);
                if descending { order.reverse() } else { order }
            });
            indices
        })
    });
    // A new filter or sort starts from the first page.
    Effect::new(move |_| {
        filter.track();
        sort.track();
        page.set(0);
    });
    let page_count = move || rows.with(|rows| rows.len().div_ceil(PAGE_SIZE).max(1));
    let visible = Memo::new(move |_| {
        let start = page.get() * PAGE_SIZE;
        rows.with(|rows| {
            rows.iter()
                .skip(start)
                .take(PAGE_SIZE)
                .copied()
                .collect::<Vec<_>>()
        })
    });

    let toggle = move |id: String| {
        selected.update(|selected| {
            if !selected.remove(&id) {
                selected.insert(id);
            }
        })
    };
    let all_visible_selected = move || {
        let visible_ids = visible_ids(workbench, &visible.get());
        !visible_ids.is_empty() && selected.with(|s| visible_ids.iter().all(|id| s.contains(id)))
    };
    let toggle_all = move |_| {
        let ids = visible_ids(workbench, &visible.get_untracked());
        let select = !all_visible_selected();
        selected.update(|selected| {
            for id in ids {
                if select {
                    selected.insert(id);
                } else {
                    selected.remove(&id);
                }
            }
        });
    };
    let on_delete = move |_| {
        let ids: Vec<String> = selected.get_untracked().into_iter().collect();
        leptos::task::spawn_local(async move {
            match workbench.delete_runs(ids).await {
                Ok(bundles) => {
                    selected.set(BTreeSet::new());
                    let count = bundles.len();
                    deleted.set(Some(Deleted { bundles }));
                    message.set(Some(format!(
                        "Deleted {count} run{}.",
                        if count == 1 { "" } else { "s" }
                    )));
                }
                Err(error) => action_error.set(Some(error.to_string())),
            }
        });
    };
    let on_undo = move |_| {
        let Some(Deleted { bundles }) = deleted.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let count = bundles.len();
            match workbench.restore_runs(bundles).await {
                Ok(()) => {
                    deleted.set(None);
                    message.set(Some(format!(
                        "Restored {count} run{}.",
                        if count == 1 { "" } else { "s" }
                    )));
                }
                Err(error) => action_error.set(Some(error.to_string())),
            }
        });
    };
    let navigate = use_navigate();
    let on_compare = move |_| {
        let ids: Vec<String> = selected.get_untracked().into_iter().collect();
        navigate(
            &format!("/compare?ids={}", ids.join(",")),
            Default::default(),
        );
    };
    let on_export = move |_| {
        leptos::task::spawn_local(async move {
            let result = match workbench.export_workspace().await {
                Ok(workspace) => files::download_text(
                    "workspace.kindling.json",
                    &workspace.to_json(),
                    "application/json",
                )
                .map(|()| {
                    format!(
                        "Exported {} runs and {} datasets to workspace.kindling.json.",
                        workspace.runs.len(),
                        workspace.datasets.len()
                    )
                }),
                Err(error) => Err(error.to_string()),
            };
            match result {
                Ok(text) => message.set(Some(text)),
                Err(error) => action_error.set(Some(error)),
            }
        });
    };
    let on_import = move |event: web_sys::Event| {
        let Some(file) = files::from_input_event(&event) else {
            return;
        };
        action_error.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let bytes = file.bytes().await?;
                let workspace = Workspace::from_json(&bytes)
                    .map_err(|error| format!("{}: {error}", file.name))?;
                workbench
                    .import_workspace(workspace)
                    .await
                    .map_err(|error| error.to_string())
            }
            .await;
            match result {
                Ok(plan) => message.set(Some(plan.summary())),
                Err(error) => action_error.set(Some(error)),
            }
        });
    };

    let header = move |column: Column| {
        let aria_sort = move || match sort.get() {
            (sorted, true) if sorted == column => "descending",
            (sorted, false) if sorted == column => "ascending",
            _ => "none",
        };
        view! {
            <th aria-sort=aria_sort>
                <button type="button" class="sort" data-column=column.title()
                    on:click=move |_| sort.update(|(sorted, descending)| {
                        if *sorted == column {
                            *descending = !*descending;
                        } else {
                            *sorted = column;
                            *descending = matches!(column, Column::Score | Column::Started);
                        }
                    })>
                    {column.title()}
                    {move || match aria_sort() { "descending" => " ▼", "ascending" => " ▲", _ => "" }}
                </button>
            </th>
        }
    };

    let row_view = move |index: usize| {
        let run = workbench.runs.with(|runs| runs.get(index).cloned())?;
        let id = run.id.clone();
        let checked_id = id.clone();
        let toggled_id = id.clone();
        let params = run.params();
        let score = run
            .headline()
            .map(format_metric)
            .unwrap_or_else(|| "—".into());
        let val_loss = run
            .metrics
            .get("val_loss")
            .map(|v| format_metric(*v))
            .unwrap_or_else(|| "—".into());
        let status = run.state.label();
        Some(view! {
            <tr class="run-row" data-run-id=id.clone()>
                <td><input type="checkbox" aria-label=format!("Select {}", run.name)
                    prop:checked=move || selected.with(|s| s.contains(&checked_id))
                    on:change=move |_| toggle(toggled_id.clone()) /></td>
                <td class="run-name"><a href=format!("/runs/{id}")>{run.name.clone()}</a>
                    {run.tags.iter().map(|tag| view! { <span class="tag">{tag.clone()}</span> }).collect_view()}
                </td>
                <td><span class=format!("status-pill {status}")>{status}</span></td>
                <td>{run.dataset.name.clone()}</td>
                <td>{run.spec.model.label()}</td>
                <td class="number">{params.get("lr").map(format_param)}</td>
                <td class="number">{run.epochs_done}</td>
                <td class="number score">{score}</td>
                <td class="number">{val_loss}</td>
                <td class="number">{format_duration(run.duration_ms)}</td>
                <td>{format_time(run.started_ms)}</td>
            </tr>
        })
    };

    view! {
        <section class="page runs">
            <h1>"Runs"</h1>
            <div class="runs-toolbar">
                <input type="search" class="run-filter" name="filter" aria-label="Filter runs"
                    placeholder="Filter: metrics.test_acc > 0.9 and params.lr = 0.01 and tags.baseline"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev)) />
                <button type="button" disabled=move || { selected.with(|s| s.len() < 2) }
                    on:click=on_compare>"Compare"</button>
                <button type="button" class="danger" disabled=move || selected.with(BTreeSet::is_empty)
                    on:click=on_delete>
                    {move || format!("Delete ({})", selected.with(BTreeSet::len))}
                </button>
                <button type="button" on:click=on_export
                    disabled=move || workbench.status.get() != StoreStatus::Ready>"Export workspace"</button>
                <label class="button">
                    "Import workspace"
                    <input type="file" class="visually-hidden" name="import-workspace" accept=".json,application/json"
                        on:change=on_import />
                </label>
            </div>
            {move || query.get().err().map(|error| view! { <p class="error filter-error" role="alert">{error}</p> })}
            {move || message.get().map(|text| view! {
                <p class="notice" role="status">
                    {text} " "
                    <Show when=move || deleted.with(Option::is_some)>
                        <button type="button" class="link undo" on:click=on_undo>"Undo"</button>
                    </Show>
                </p>
            })}
            {move || action_error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <p class="run-count">
                {move || {
                    let total = workbench.runs.with(Vec::len);
                    let shown = rows.with(Vec::len);
                    if workbench.status.get() == StoreStatus::Opening {
                        "Loading saved runs…".to_owned()
                    } else if shown == total {
                        format!("{total} run{}", if total == 1 { "" } else { "s" })
                    } else {
                        format!("{shown} of {total} runs match")
                    }
                }}
            </p>
            <div class="table-wrap">
                <table class="runs-table">
                    <thead>
                        <tr>
                            <th><input type="checkbox" aria-label="Select all runs on this page"
                                prop:checked=all_visible_selected on:change=toggle_all /></th>
                            {Column::ALL.map(header)}
                        </tr>
                    </thead>
                    <tbody>
                        {move || visible.get().into_iter().filter_map(row_view).collect_view()}
                    </tbody>
                </table>
            </div>
            <nav class="pager" aria-label="Pages">
                <button type="button" disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                <span class="page-label">{move || format!("Page {} of {}", page.get() + 1, page_count())}</span>
                <button type="button" disabled=move || { page.get() + 1 >= page_count() }
                    on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
            </nav>
        </section>
    }
}

fn visible_ids(workbench: Workbench, indices: &[usize]) -> Vec<String> {
    workbench.runs.with_untracked(|runs| {
        indices
            .iter()
            .filter_map(|&i| runs.get(i).map(|run| run.id.clone()))
            .collect()
    })
}
