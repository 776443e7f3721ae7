//! One pipeline run as a CI system shows one: each step with its state, duration, log and
//! what it made (the data version and what changed, the anomaly report, the trials with the
//! best one marked and their parallel coordinates, the gate report, the version and alias).

use kindling_core::ids::short_id;
use kindling_core::pipeline::record::{Artefact, PipelineRun, StepRecord, Training};
use kindling_core::tracking::RunRecord;
use kindling_core::validation::{Anomaly, DataProfile};
use leptos::prelude::*;

use crate::components::gate_report::GateReportView;
use crate::components::parallel_coordinates::{
    Axis, AxisKind, AxisValue, ParallelCoordinates, PcLine,
};
use crate::format::{format_duration, format_metric};
use crate::state::workbench::Workbench;

#[component]
pub fn RunView(run: PipelineRun) -> impl IntoView {
    let outcome = run.summary();
    let steps = run
        .steps
        .into_iter()
        .map(|step| view! { <StepView step /> })
        .collect_view();
    view! {
        <section class="pipeline-run-view" aria-label="Pipeline run">
            <p class="run-outcome">
                <strong>{outcome}</strong>
                <span class="muted">{format!(" · run {} · {}", short_id(&run.id), run.trigger.describe())}</span>
            </p>
            <ol class="steps">{steps}</ol>
        </section>
    }
}

#[component]
fn StepView(step: StepRecord) -> impl IntoView {
    let state = step.state.label();
    let duration = (step.duration_ms > 0.0).then(|| format_duration(step.duration_ms));
    let log = step
        .log
        .into_iter()
        .map(|line| view! { <li>{line}</li> })
        .collect_view();
    let artefact = step.artefact.map(artefact_view);
    view! {
        <li class=format!("step {state}") data-step=step.step.title()>
            <div class="step-head">
                <span class=format!("step-state {state}")>{state}</span>
                <strong>{step.step.title()}</strong>
                <span class="muted">{duration}</span>
            </div>
            <ul class="step-log">{log}</ul>
            {artefact}
        </li>
    }
}

fn artefact_view(artefact: Artefact) -> AnyView {
    match artefact {
        Artefact::Data { profile, changes } => data_view(&profile, changes).into_any(),
        Artefact::Validation { anomalies, .. } => anomalies_view(anomalies).into_any(),
        Artefact::Split { .. } => ().into_any(),
        Artefact::Training(training) => view! { <TrialsView training /> }.into_any(),
        Artefact::Evaluation { run_id, .. } => {
            let href = format!("/runs/{run_id}");
            view! { <a href=href>"Open the chosen run"</a> }.into_any()
        }
        Artefact::Gate(report) => view! { <GateReportView report /> }.into_any(),
        Artefact::Version { model, version } => {
            let href = format!("/models/{model}/{version}");
            view! { <a href=href>{format!("{model} v{version}")}</a> }.into_any()
        }
        Artefact::Alias {
            model,
            alias,
            version,
        } => {
            let href = format!("/models/{model}");
            view! { <a href=href>{format!("@{alias} → {model} v{version}")}</a> }.into_any()
        }
    }
}

fn data_view(profile: &DataProfile, changes: Vec<String>) -> impl IntoView + use<> {
    let facts = format!(
        "data version {} · {} rows · {} columns",
        short_id(&profile.dataset_id),
        profile.rows,
        profile.columns.len()
    );
    let changes = (!changes.is_empty()).then(|| {
        let items = changes.into_iter().map(|change| view! { <li>{change}</li> }).collect_view();
        view! { <details><summary>"What changed since the last version"</summary><ul>{items}</ul></details> }
    });
    view! { <p class="data-version">{facts}</p> {changes} }
}

fn anomalies_view(anomalies: Vec<Anomaly>) -> impl IntoView + use<> {
    (!anomalies.is_empty()).then(|| {
        let rows = anomalies
            .into_iter()
            .map(|anomaly| {
                let severity = if anomaly.blocking { "blocking" } else { "warning" };
                view! {
                    <tr class=severity>
                        <td>{severity}</td>
                        <td>{format!("{:?}", anomaly.kind).to_lowercase()}</td>
                        <td>{anomaly.column.clone().unwrap_or_else(|| "(all)".into())}</td>
                        <td class="num">{anomaly.count}</td>
                        <td>{anomaly.detail.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="anomalies">
                <thead><tr><th>""</th><th>"Anomaly"</th><th>"Column"</th><th>"Count"</th><th>"Detail"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    })
}

/// A trial's settings from its label: `learning_rate=0.01 hidden_layers=[32, 16]`.
fn settings(label: &str) -> Vec<(String, String)> {
    let mut settings: Vec<(String, String)> = Vec::new();
    for token in label.split(' ') {
        match token.split_once('=') {
            Some((name, value)) => settings.push((name.to_owned(), value.to_owned())),
            None => {
                if let Some((_, value)) = settings.last_mut() {
                    value.push(' ');
                    value.push_str(token);
                }
            }
        }
    }
    settings
}

/// The trials, live: a trial's state and score come from its tracked run while it trains.
#[component]
fn TrialsView(training: Training) -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let pick = training.pick.clone();
    let best = training.best;
    let trials = training.trials.clone();
    let rows = {
        let pick = pick.clone();
        move || {
            let listed: Vec<RunRecord> = workbench.runs.get();
            trials
                .iter()
                .enumerate()
                .map(|(index, trial)| {
                    let run = trial
                        .run_id
                        .as_ref()
                        .and_then(|id| listed.iter().find(|run| &run.id == id));
                    let state = run.map_or(trial.state.clone(), |run| run.state.label().to_owned());
                    let score = trial
                        .score
                        .or_else(|| run.and_then(|run| run.metrics.get(&pick).copied()));
                    let epochs = run.map_or(String::new(), |run| {
                        format!("{}/{}", run.epochs_done, trial.epochs)
                    });
                    let is_best = best == Some(index);
                    let link = trial
                        .run_id
                        .clone()
                        .map(|id| view! { <a href=format!("/runs/{id}")>"run"</a> });
                    let state_attribute = state.clone();
                    view! {
                        <tr class:best=is_best data-state=state_attribute>
                            <td class="num">{trial.number}{is_best.then_some(" ★")}</td>
                            <td>{trial.label.clone()}</td>
                            <td class="num">{trial.rung + 1}</td>
                            <td class="num">{epochs}</td>
                            <td>{state}</td>
                            <td class="num">{score.map(format_metric).unwrap_or_default()}</td>
                            <td>{link}</td>
                        </tr>
                    }
                })
                .collect_view()
        }
    };
    let chart = (training.trials.len() > 1).then(|| coordinates(&training));
    let halving = training.strategy == "halving";
    view! {
        <table class="trials">
            <thead><tr>
                <th>"Trial"</th><th>"Settings"</th><th>{if halving { "Rung" } else { "Round" }}</th>
                <th>"Epochs"</th><th>"State"</th><th>{pick}</th><th>""</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {chart}
    }
}

/// One axis per varied setting and the pick metric last; the best trial drawn on top.
fn coordinates(training: &Training) -> impl IntoView + use<> {
    let labelled: Vec<Vec<(String, String)>> = training
        .trials
        .iter()
        .map(|trial| settings(&trial.label))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for (name, _) in labelled.iter().flatten() {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let value = |text: &str| {
        text.parse::<f64>()
            .map_or_else(|_| AxisValue::Text(text.to_owned()), AxisValue::Number)
    };
    let numeric = |name: &str| {
        labelled
            .iter()
            .flatten()
            .filter(|(n, _)| n == name)
            .all(|(_, v)| v.parse::<f64>().is_ok())
    };
    let mut axes: Vec<Axis> = names
        .iter()
        .map(|name| Axis {
            name: name.clone(),
            kind: if numeric(name) {
                AxisKind::Numeric
            } else {
                AxisKind::Categorical(Vec::new())
            },
        })
        .collect();
    axes.push(Axis {
        name: training.pick.clone(),
        kind: AxisKind::Numeric,
    });
    let scores: Vec<f64> = training
        .trials
        .iter()
        .filter_map(|trial| trial.score)
        .collect();
    let (low, high) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
            (lo.min(*s), hi.max(*s))
        });
    let higher = kindling_core::registry::gates::higher_is_better(&training.pick);
    let lines = training
        .trials
        .iter()
        .zip(&labelled)
        .map(|(trial, settings)| {
            let mut values: Vec<Option<AxisValue>> = names
                .iter()
                .map(|name| {
                    settings
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| value(v))
                })
                .collect();
            values.push(trial.score.map(AxisValue::Number));
            let spread = (high - low).max(f64::EPSILON);
            let colour_value = trial.score.map_or(0.0, |score| {
                let up = (score - low) / spread;
                if higher { up } else { 1.0 - up }
            });
            PcLine {
                label: format!("trial {}", trial.number),
                values,
                colour_value,
            }
        })
        .collect();
    view! { <ParallelCoordinates axes lines /> }
}
