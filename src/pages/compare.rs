//! Two or more runs side by side: each metric's curves overlaid, a params/metrics table that can
//! hide what they share, and parallel coordinates of params against a chosen metric.

use std::collections::{BTreeMap, BTreeSet};

use kindling_core::metrics::EpochMetrics;
use kindling_core::tracking::query::Value;
use kindling_core::tracking::{METRIC_NAMES, RunRecord};
use leptos::prelude::*;

use crate::components::lesson_text::Term;
use crate::components::select::SelectOption;
use crate::components::why_note::WhyNote;
use leptos_router::hooks::use_query_map;

use crate::components::line_chart::{LineChart, Series};
use crate::components::metric_charts::METRIC_CHARTS;
use crate::components::parallel_coordinates::{
    Axis, AxisKind, AxisValue, ParallelCoordinates, PcLine,
};
use crate::format::{format_metric, format_param};
use crate::state::workbench::{StoreStatus, Workbench};

/// One colour class per compared run (`style/main.css`); more runs reuse them.
const RUN_CLASSES: [&str; 8] = [
    "series-run-0",
    "series-run-1",
    "series-run-2",
    "series-run-3",
    "series-run-4",
    "series-run-5",
    "series-run-6",
    "series-run-7",
];

#[component]
pub fn ComparePage() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let query = use_query_map();
    let ids = Memo::new(move |_| {
        query.with(|q| {
            q.get("ids")
                .unwrap_or_default()
                .split(',')
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    });
    let runs = Memo::new(move |_| {
        let ids = ids.get();
        workbench.runs.with(|runs| {
            ids.iter()
                .filter_map(|id| runs.iter().find(|run| &run.id == id).cloned())
                .collect::<Vec<_>>()
        })
    });
    let histories = LocalResource::new(move || {
        let ids = ids.get();
        async move {
            let mut histories = BTreeMap::new();
            for id in ids {
                let history = workbench.history(&id).await.map_err(|e| e.to_string())?;
                histories.insert(id, history);
            }
            Ok::<_, String>(histories)
        }
    });
    let only_differences = RwSignal::new(true);
    let chosen_metric = RwSignal::new(String::new());
    // The metric the parallel coordinates end on: the person's choice if every run has it,
    // else the first metric they all have.
    let metric = Memo::new(move |_| {
        let options = runs.with(|runs| shared_metrics(runs));
        let chosen = chosen_metric.get();
        if options.contains(&chosen) {
            chosen
        } else {
            options.into_iter().next().unwrap_or_default()
        }
    });
    // Rebuilt when the compared runs or their states change, not on every epoch of a live one.
    let shown = Memo::new(move |_| {
        runs.with(|runs| {
            runs.iter()
                .map(|run| (run.id.clone(), run.state.label()))
                .collect::<Vec<_>>()
        })
    });

    view! {
        <section class="page compare">
            <p class="breadcrumb"><a href="/runs">"Runs"</a> " / Compare"</p>
            <h1>"Compare runs"</h1>
            <WhyNote>"Curves side by side show what a setting changed: where "<Term key="overfitting">"overfitting"</Term>" starts, which learning rate converges. Settings that differ are marked, so the cause is in view."</WhyNote>
            {move || {
                shown.track();
                let runs = runs.get_untracked();
                if runs.len() < 2 {
                    return view! {
                        <p class="empty">
                            {move || if workbench.status.get() == StoreStatus::Opening { "Loading…" } else { "Pick two or more runs on the Runs page to compare them." }}
                            " " <a href="/runs">"All runs"</a>
                        </p>
                    }.into_any();
                }
                let legend = runs.iter().enumerate().map(|(i, run)| view! {
                    <li class=format!("legend-run {}", RUN_CLASSES[i % RUN_CLASSES.len()])>
                        <a href=format!("/runs/{}", run.id)>{run.name.clone()}</a>
                    </li>
                }).collect_view();
                let metric_options = shared_metrics(&runs);
                let charts_runs = runs.clone();
                let table_runs = runs.clone();
                let pc_runs = runs.clone();
                view! {
                    <ul class="compare-legend">{legend}</ul>
                    <h2>"Curves"</h2>
                    <div class="metric-charts">
                        {move || {
                            let histories = histories.get().and_then(Result::ok).unwrap_or_default();
                            overlaid_charts(&charts_runs, &histories)
                        }}
                    </div>
                    {move || histories.get().and_then(Result::err).map(|error| view! { <p class="error" role="alert">{error}</p> })}
                    <h2>"Params and metrics"</h2>
                    <label class="checkbox">
                        <input type="checkbox" name="only-differences" prop:checked=move || only_differences.get()
                            on:change=move |ev| only_differences.set(event_target_checked(&ev)) />
                        " Only differences"
                    </label>
                    {move || compare_table(&table_runs, only_differences.get())}
                    <h2>"Parallel coordinates"</h2>
                    <div class="field">
                        <label for="field-pc-metric">"Colour and last axis by"</label>
                        // Shows the metric drawn, which is the first shared one until a person chooses.
                        <select id="field-pc-metric" name="pc-metric" on:change=move |ev| chosen_metric.set(event_target_value(&ev))>
                            {metric_options.clone().into_iter().map(|name| { let label = name.clone(); view! { <SelectOption chosen=metric value=name>{label}</SelectOption> } }).collect_view()}
                        </select>
                    </div>
                    {move || parallel_coordinates(&pc_runs, &metric.get())}
                }.into_any()
            }}
        </section>
    }
}

/// Metric names every compared run has, in the usual order.
fn shared_metrics(runs: &[RunRecord]) -> Vec<String> {
    METRIC_NAMES
        .iter()
        .filter(|name| runs.iter().all(|run| run.metrics.contains_key(**name)))
        .map(|name| (*name).to_owned())
        .collect()
}

fn overlaid_charts(runs: &[RunRecord], histories: &BTreeMap<String, Vec<EpochMetrics>>) -> AnyView {
    METRIC_CHARTS
        .iter()
        .flat_map(|chart| chart.lines.iter())
        .filter_map(|(name, value)| {
            let series: Vec<Series> = runs
                .iter()
                .enumerate()
                .filter_map(|(index, run)| {
                    let points: Vec<(f64, f64)> = histories
                        .get(&run.id)?
                        .iter()
                        .filter_map(|m| Some((m.epoch as f64, value(m)?)))
                        .collect();
                    (!points.is_empty()).then(|| Series {
                        label: run.name.clone(),
                        class: RUN_CLASSES[index % RUN_CLASSES.len()],
                        points,
                    })
                })
                .collect();
            (!series.is_empty()).then(|| {
                let name = (*name).to_owned();
                let caption = name.clone();
                let metric_attribute = name.clone();
                view! {
                    <figure class="metric-chart" data-metric=metric_attribute>
                        <figcaption>{caption}</figcaption>
                        <LineChart series=Signal::derive(move || series.clone()) x_label="epoch"
                            y_label=Signal::derive(move || name.clone()) />
                    </figure>
                }
            })
        })
        .collect_view()
        .into_any()
}

fn compare_table(runs: &[RunRecord], only_differences: bool) -> AnyView {
    let params: Vec<BTreeMap<&'static str, Value>> = runs.iter().map(RunRecord::params).collect();
    let param_names: BTreeSet<&'static str> =
        params.iter().flat_map(|p| p.keys().copied()).collect();
    let differs = |cells: &[String]| cells.iter().any(|cell| cell != &cells[0]);
    let mut rows: Vec<(String, Vec<String>, bool)> = Vec::new();
    let experiments: Vec<String> = runs.iter().map(|run| run.experiment.clone()).collect();
    let different = differs(&experiments);
    rows.push(("experiment".to_owned(), experiments, different));
    for name in param_names {
        let cells: Vec<String> = params
            .iter()
            .map(|p| p.get(name).map(format_param).unwrap_or_else(|| "—".into()))
            .collect();
        let different = differs(&cells);
        rows.push((format!("params.{name}"), cells, different));
    }
    for name in METRIC_NAMES {
        if runs.iter().all(|run| !run.metrics.contains_key(name)) {
            continue;
        }
        let cells: Vec<String> = runs
            .iter()
            .map(|run| {
                run.metrics
                    .get(name)
                    .map(|v| format_metric(*v))
                    .unwrap_or_else(|| "—".into())
            })
            .collect();
        let different = differs(&cells);
        rows.push((format!("metrics.{name}"), cells, different));
    }
    let body = rows
        .into_iter()
        .filter(|(_, _, different)| *different || !only_differences)
        .map(|(name, cells, different)| {
            view! {
                <tr class:differs=different>
                    <th scope="row">{name}</th>
                    {cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="compare-table">
                <thead>
                    <tr>
                        <th></th>
                        {runs.iter().map(|run| view! { <th scope="col">{run.name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn parallel_coordinates(runs: &[RunRecord], metric: &str) -> AnyView {
    let params: Vec<BTreeMap<&'static str, Value>> = runs.iter().map(RunRecord::params).collect();
    let names: BTreeSet<&'static str> = params.iter().flat_map(|p| p.keys().copied()).collect();
    // Only params that vary say anything; a run without one counts as different.
    let varying: Vec<&'static str> = names
        .into_iter()
        .filter(|name| {
            let first = params[0].get(name);
            params.iter().any(|p| p.get(name) != first)
        })
        .collect();
    let mut axes: Vec<Axis> = varying
        .iter()
        .map(|name| {
            let numeric = params
                .iter()
                .all(|p| matches!(p.get(name), Some(Value::Number(_)) | None));
            Axis {
                name: (*name).to_owned(),
                kind: if numeric {
                    AxisKind::Numeric
                } else {
                    AxisKind::Categorical(Vec::new())
                },
            }
        })
        .collect();
    axes.push(Axis {
        name: metric.to_owned(),
        kind: AxisKind::Numeric,
    });
    let scores: Vec<Option<f64>> = runs
        .iter()
        .map(|r| r.metrics.get(metric).copied())
        .collect();
    let (low, high) = scores
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &v| {
            (low.min(v), high.max(v))
        });
    let lines = runs
        .iter()
        .zip(&params)
        .zip(&scores)
        .map(|((run, params), score)| {
            let mut values: Vec<Option<AxisValue>> = varying
                .iter()
                .map(|name| {
                    params.get(name).map(|value| match value {
                        Value::Number(number) => AxisValue::Number(*number),
                        other => AxisValue::Text(format_param(other)),
                    })
                })
                .collect();
            values.push(score.map(AxisValue::Number));
            let share = match score {
                Some(v) if high > low => (v - low) / (high - low),
                Some(_) => 1.0,
                None => 0.0,
            };
            PcLine {
                label: run.name.clone(),
                values,
                // The legend reads low → high, so the colour follows the value itself.
                colour_value: share,
            }
        })
        .collect();
    view! { <ParallelCoordinates axes lines /> }.into_any()
}
