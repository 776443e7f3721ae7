//! The Runs page: every tracked run in one sortable, filterable table, like MLflow's experiment
//! view. Filtering and sorting work on indices into the run list and only one page of rows is
//! rendered, so it stays quick with 10,000 runs. The filter, the sort and the page live in the
//! address (`view`), so a link shows the same view.

mod columns;
mod hand_in;
mod view;

use std::collections::BTreeSet;

use kindling_core::choice::Choice;
use kindling_core::scoring::batch::csv_field;
use kindling_core::tracking::query::Query;
use kindling_core::tracking::{RunBundle, RunRecord, experiments};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::lesson_text::Term;
use crate::components::why_note::WhyNote;
use crate::components::workspace_file::read_workspace;
use crate::format::plural;
use crate::platform::files;
use crate::state::models::Models;
use crate::state::registry::Registry;
use crate::state::workbench::{StoreStatus, Workbench};

use columns::Column;
use hand_in::HandInForm;
use view::RunsView;

const PAGE_SIZE: usize = 50;

/// The one line under the toolbar: what the last action did. A new action replaces it, so an
/// old error or an Undo for an earlier delete never sits beside a later result.
#[derive(Clone)]
enum Notice {
    Done(String),
    /// What was deleted, so it can be put back.
    Deleted {
        text: String,
        bundles: Vec<RunBundle>,
    },
    Failed(String),
}

#[component]
pub fn RunsPage() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let registry = expect_context::<Registry>();
    let models = expect_context::<Models>();
    // The page's own signals drive the table; the address follows them (replaced, not pushed:
    // each keystroke of the filter is not a step back), and they follow the address when it
    // changes under a mounted page (the navigation's Runs link, a pasted link).
    let address = use_query_map();
    let from_address = move || RunsView::from_query(|key| address.with(|query| query.get(key)));
    let opened = untrack(from_address);
    let experiment = RwSignal::new(opened.experiment);
    let filter = RwSignal::new(opened.filter);
    let sort = RwSignal::new((opened.sort, opened.descending));
    let page = RwSignal::new(opened.page);
    let shown_view = move || {
        let (sort, descending) = sort.get();
        RunsView {
            experiment: experiment.get(),
            filter: filter.get(),
            sort,
            descending,
            page: page.get(),
        }
    };
    Effect::new(move |_| {
        let wanted = from_address();
        if untrack(shown_view) != wanted {
            experiment.set(wanted.experiment);
            filter.set(wanted.filter);
            sort.set((wanted.sort, wanted.descending));
            page.set(wanted.page);
        }
    });
    let navigate_view = use_navigate();
    Effect::new(move |_| {
        let query = shown_view().to_query();
        if untrack(from_address).to_query() != query {
            let options = NavigateOptions {
                replace: true,
                scroll: false,
                ..NavigateOptions::default()
            };
            navigate_view(&format!("/runs{query}"), options);
        }
    });
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let notice = RwSignal::new(None::<Notice>);

    // With the parse error, if any, the last query that parsed: while a new one is half-typed,
    // the table keeps showing what the last one matched instead of going empty.
    let query = Memo::new(move |previous: Option<&(Query, Option<String>)>| {
        match Query::parse(&filter.get()) {
            Ok(query) => (query, None),
            Err(error) => (
                previous.map_or_else(
                    || Query::parse("").expect("the empty query parses"),
                    |(query, _)| query.clone(),
                ),
                Some(error.to_string()),
            ),
        }
    });
    let rows = Memo::new(move |_| {
        let (column, descending) = sort.get();
        let experiment = experiment.get();
        query.with(|(query, _)| {
            workbench.runs.with(|runs| {
                let mut indices: Vec<usize> = (0..runs.len())
                    .filter(|&i| {
                        experiment
                            .as_ref()
                            .is_none_or(|name| runs[i].experiment == *name)
                            && query.matches(&runs[i])
                    })
                    .collect();
                indices.sort_by(|&a, &b| column.compare(&runs[a], &runs[b], descending));
                indices
            })
        })
    });
    let page_count = move || rows.with(|rows| rows.len().div_ceil(PAGE_SIZE).max(1));
    // Clamped, so deleting the last page's runs shows the new last page, not an empty one.
    let current_page = move || page.get().min(page_count() - 1);
    let visible = Memo::new(move |_| {
        let start = current_page() * PAGE_SIZE;
        rows.with(|rows| {
            workbench.runs.with(|runs| {
                rows.iter()
                    .skip(start)
                    .take(PAGE_SIZE)
                    .map(|&i| runs[i].clone())
                    .collect::<Vec<_>>()
            })
        })
    });

    let toggle = move |id: String| {
        selected.update(|selected| {
            if !selected.remove(&id) {
                selected.insert(id);
            }
        })
    };
    let visible_ids =
        move || visible.with(|runs| runs.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
    let all_visible_selected = move || {
        let ids = visible_ids();
        !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let toggle_all = move |_| {
        let select = !all_visible_selected();
        selected.update(|selected| {
            for id in visible_ids() {
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
        let training = ids.iter().any(|id| workbench.is_live(id));
        notice.set(None);
        leptos::task::spawn_local(async move {
            match workbench.delete_runs(ids).await {
                Ok(bundles) => {
                    selected.set(BTreeSet::new());
                    let count = bundles.len();
                    let mut text = format!("Deleted {count} run{}.", plural(count));
                    if training {
                        text.push_str(" The run in training was kept; stop it first.");
                    }
                    notice.set(Some(Notice::Deleted { text, bundles }));
                }
                Err(error) => notice.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };
    let on_undo = move |_| {
        let Some(Notice::Deleted { bundles, .. }) = notice.get_untracked() else {
            return;
        };
        notice.set(None);
        leptos::task::spawn_local(async move {
            let count = bundles.len();
            notice.set(Some(match workbench.restore_runs(bundles).await {
                Ok(()) => Notice::Done(format!("Restored {count} run{}.", plural(count))),
                Err(error) => Notice::Failed(error.to_string()),
            }));
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
        notice.set(None);
        leptos::task::spawn_local(async move {
            let result = match workbench.export_workspace().await {
                Ok(workspace) => files::download_text(
                    "workspace.kindling.json",
                    &workspace.to_json(),
                    "application/json",
                )
                .map(|()| {
                    format!(
                        "Exported {} run{}, {} dataset{} and {} model version{} to workspace.kindling.json.",
                        workspace.runs.len(),
                        plural(workspace.runs.len()),
                        workspace.datasets.len(),
                        plural(workspace.datasets.len()),
                        workspace.versions.len(),
                        plural(workspace.versions.len()),
                    )
                }),
                Err(error) => Err(error.to_string()),
            };
            notice.set(Some(match result {
                Ok(text) => Notice::Done(text),
                Err(error) => Notice::Failed(error),
            }));
        });
    };
    // The filtered, sorted table (every page of it), as shown, with spreadsheet formulas
    // defused in any cell a person typed.
    let on_export_table = move |_| {
        let text = rows.with_untracked(|indices| {
            workbench.runs.with_untracked(|runs| {
                let mut text = Column::all()
                    .map(|column| csv_field(column.title()))
                    .collect::<Vec<_>>()
                    .join(",");
                text.push('\n');
                for &index in indices {
                    let cells: Vec<String> = Column::all()
                        .map(|column| csv_field(&column.text(&runs[index])))
                        .collect();
                    text.push_str(&cells.join(","));
                    text.push('\n');
                }
                (text, indices.len())
            })
        });
        let (text, count) = text;
        notice.set(Some(
            match files::download_text("runs.csv", &text, "text/csv") {
                Ok(()) => Notice::Done(format!(
                    "Exported {count} run{} to runs.csv.",
                    plural(count)
                )),
                Err(error) => Notice::Failed(error),
            },
        ));
    };
    let on_import = move |event: leptos::ev::Event| {
        let Some(file) = files::from_input_event(&event) else {
            return;
        };
        notice.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let workspace = read_workspace(&file, models).await?;
                let plan = workbench
                    .import_workspace(workspace)
                    .await
                    .map_err(|error| error.to_string())?;
                registry.reload_after_import().await;
                Ok::<_, String>(plan)
            }
            .await;
            notice.set(Some(match result {
                Ok(plan) => Notice::Done(plan.summary()),
                Err(error) => Notice::Failed(error),
            }));
        });
    };

    let on_hand_in = move |result: Result<String, String>| {
        notice.set(Some(match result {
            Ok(text) => Notice::Done(text),
            Err(error) => Notice::Failed(error),
        }));
    };

    let header = move |column: Column| {
        let aria_sort = move || match sort.get() {
            (sorted, true) if sorted == column => "descending",
            (sorted, false) if sorted == column => "ascending",
            _ => "none",
        };
        view! {
            <th aria-sort=aria_sort>
                <button type="button" class="sort" data-column=column.key()
                    on:click=move |_| {
                        page.set(0);
                        sort.update(|(sorted, descending)| {
                            if *sorted == column {
                                *descending = !*descending;
                            } else {
                                *sorted = column;
                                *descending = column.descending_first();
                            }
                        })
                    }>
                    {column.title()}
                    {move || match aria_sort() { "descending" => " ▼", "ascending" => " ▲", _ => "" }}
                </button>
            </th>
        }
    };

    let row_view = move |run: RunRecord| {
        let id = run.id.clone();
        let checked_id = id.clone();
        let toggled_id = id.clone();
        let status = run.state.label();
        view! {
            <tr class="run-row" data-run-id=id.clone()>
                <td><input type="checkbox" aria-label=format!("Select {}", run.name)
                    prop:checked=move || selected.with(|s| s.contains(&checked_id))
                    on:change=move |_| toggle(toggled_id.clone()) /></td>
                <td class="run-name"><a href=format!("/runs/{id}")>{run.name.clone()}</a>
                    {run.tags.iter().map(|tag| view! { <span class="tag">{tag.clone()}</span> }).collect_view()}
                </td>
                <td><span class=format!("status-pill {status}")>{status}</span></td>
                <td>{Column::Dataset.text(&run)}</td>
                <td>{Column::Model.text(&run)}</td>
                <td class="number">{Column::LearningRate.text(&run)}</td>
                <td class="number">{Column::Epochs.text(&run)}</td>
                <td class="number score">{Column::Score.text(&run)}</td>
                <td class="number">{Column::ValLoss.text(&run)}</td>
                <td class="number">{Column::Duration.text(&run)}</td>
                <td>{Column::Started.text(&run)}</td>
            </tr>
        }
    };

    view! {
        <section class="page runs">
            <h1>"Runs"</h1>
            <WhyNote>"Choosing a model is comparing runs on the same data by the same metric. Filter and sort them like MLflow's run search, tick two or more and Compare; the "<Term key="validation-split">"validation split"</Term>" is what keeps the comparison honest."</WhyNote>
            <div class="runs-toolbar">
                <ExperimentChoice experiment on_change=move || page.set(0) />
                <input type="search" class="run-filter" name="filter" aria-label="Filter runs"
                    placeholder="Filter, e.g. metrics.test_accuracy > 0.9 and tags.baseline"
                    prop:value=move || filter.get()
                    on:input=move |ev| {
                        page.set(0);
                        filter.set(event_target_value(&ev));
                    } />
                <button type="button" disabled=move || { selected.with(|s| s.len() < 2) }
                    on:click=on_compare>"Compare"</button>
                <button type="button" class="danger" disabled=move || selected.with(BTreeSet::is_empty)
                    on:click=on_delete>
                    {move || format!("Delete ({})", selected.with(BTreeSet::len))}
                </button>
                <button type="button" on:click=on_export
                    disabled=move || workbench.status.get() != StoreStatus::Ready>"Export workspace"</button>
                <button type="button" class="export-table" on:click=on_export_table>"Export table (CSV)"</button>
                <label class="button">
                    "Import workspace"
                    <input type="file" class="visually-hidden" name="import-workspace" accept=".json,application/json"
                        on:change=on_import />
                </label>
                <a class="button" href="/hand-ins">"Open hand-ins"</a>
            </div>
            {move || experiment.get().map(|name| view! { <HandInForm experiment=name on_result=on_hand_in /> })}
            {move || query.with(|(_, error)| error.clone()).map(|error| view! { <p class="error filter-error" role="alert">{error}</p> })}
            {move || query.with(|(query, _)| query.hints.clone()).into_iter().map(|hint| view! { <p class="hint filter-hint">{hint}</p> }).collect_view()}
            <div class="run-notice" role="status">
                {move || notice.get().map(|notice| match notice {
                    Notice::Done(text) => view! { <p class="notice">{text}</p> }.into_any(),
                    Notice::Deleted { text, .. } => view! {
                        <p class="notice">
                            {text} " "
                            <button type="button" class="link undo" on:click=on_undo>"Undo"</button>
                        </p>
                    }.into_any(),
                    Notice::Failed(error) => view! { <p class="error">{error}</p> }.into_any(),
                })}
            </div>
            <p class="run-count">
                {move || {
                    let total = workbench.runs.with(Vec::len);
                    let shown = rows.with(Vec::len);
                    if workbench.status.get() == StoreStatus::Opening {
                        "Loading saved runs…".to_owned()
                    } else if let Some(name) = experiment.get() {
                        format!("{shown} run{} in experiment {name}", plural(shown))
                    } else if shown == total {
                        format!("{total} run{}", plural(total))
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
                            {Column::all().map(header).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        // Keyed by what a row shows, so while a run trains only its row is redrawn
                        // and focus or a click elsewhere in the table is not lost.
                        <For each=move || visible.get() key=row_key children=row_view />
                    </tbody>
                </table>
            </div>
            <nav class="pager" aria-label="Pages">
                <button type="button" disabled=move || current_page() == 0
                    on:click=move |_| page.set(current_page().saturating_sub(1))>"Previous"</button>
                <span class="page-label">{move || format!("Page {} of {}", current_page() + 1, page_count())}</span>
                <button type="button" disabled=move || { current_page() + 1 >= page_count() }
                    on:click=move |_| page.set(current_page() + 1)>"Next"</button>
            </nav>
        </section>
    }
}

/// Which experiment's runs the table shows: every one, or one with its count, like MLflow's
/// list of experiments. An experiment named in the address but holding no run stays listed,
/// so a link to it shows an empty table rather than every run.
#[component]
fn ExperimentChoice(
    experiment: RwSignal<Option<String>>,
    #[prop(into)] on_change: Callback<()>,
) -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    const ALL: &str = "";
    // A memo: the run list changes every second while a run trains, and redrawing the options
    // then would close the list under a person choosing from it.
    let known = Memo::new(move |_| workbench.runs.with(|runs| (experiments(runs), runs.len())));
    let options = move || {
        let (mut listed, total) = known.get();
        if let Some(name) = experiment.get()
            && !listed.iter().any(|(known, _)| *known == name)
        {
            listed.push((name, 0));
        }
        let chosen = experiment.get().unwrap_or_default();
        std::iter::once((ALL.to_owned(), format!("All experiments ({total})")))
            .chain(
                listed
                    .into_iter()
                    .map(|(name, count)| (name.clone(), format!("{name} ({count})"))),
            )
            .map(|(value, label)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <div class="experiment-choice">
            <label for="runs-experiment">"Experiment"</label>
            <select id="runs-experiment" name="experiment" on:change=move |event| {
                let name = event_target_value(&event);
                experiment.set((name != ALL).then_some(name));
                on_change.run(());
            }>
                {options}
            </select>
        </div>
    }
}

/// Everything a row shows that can change; the same key means the row is left as it is.
fn row_key(
    run: &RunRecord,
) -> (
    String,
    String,
    usize,
    &'static str,
    Vec<String>,
    Option<u64>,
) {
    (
        run.id.clone(),
        run.name.clone(),
        run.epochs_done,
        run.state.label(),
        run.tags.iter().cloned().collect(),
        run.headline().map(f64::to_bits),
    )
}
