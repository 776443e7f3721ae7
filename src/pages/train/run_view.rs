//! The latest run as the Train page shows it: status, progress, the loss or accuracy chart and,
//! for 2-D classes, the decision boundary, updated in place as the trainer reports.

use kindling_core::data::Dataset;
use kindling_core::metrics::EpochMetrics;
use kindling_core::session::{RunProgress, RunStatus};
use kindling_core::tracking::RunOutcome;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use crate::components::line_chart::{LineChart, Series};
use crate::components::progress_bar::ProgressBar;
use crate::components::scatter_plot::{ScatterPlot, ScatterPoint};
use crate::components::tabs::Tabs;
use crate::format::{headline, report_summary};
use crate::lazy::not_loaded;
use crate::platform::tasks::next_task;
use crate::state::workbench::Workbench;

#[derive(Clone, Copy, PartialEq)]
pub enum ChartMetric {
    Loss,
    Accuracy,
}

/// The data's points for the boundary plot (the plot thins them).
fn plotted_points(data: &Dataset) -> Vec<ScatterPoint> {
    let labels = match &data.target {
        kindling_core::data::Target::Classes { labels, .. } => labels,
        kindling_core::data::Target::Values { .. } => return Vec::new(),
    };
    (0..data.row_count())
        .map(|row| {
            let point = data.row(row);
            ScatterPoint {
                x: f64::from(point[0]),
                y: f64::from(point[1]),
                class: labels[row] as usize,
            }
        })
        .collect()
}

/// The run view is code the lazily loaded chunk carries (charts, scatter, decision regions): the
/// page needs it only once a run has started, and it is built a task after the page or the
/// Train click, so no single task holds the form, the charts and their layout.
#[component]
pub fn LazyRunView(
    run: RwSignal<Option<RunProgress>>,
    chart_metric: RwSignal<ChartMetric>,
    plotted: RwSignal<Option<Dataset>>,
) -> impl IntoView {
    let build = RwSignal::new(None::<Option<BuildRunView>>);
    leptos::task::spawn_local(async move {
        next_task().await;
        // A page left meanwhile has disposed the signal: nothing is built then.
        _ = build.try_set(Some(run_view_builder().await.ok()));
    });
    move || {
        build.get().map(|loaded| match loaded {
            Some(build) => build(run, chart_metric, plotted),
            None => view! { <p class="error" role="alert">{not_loaded("The run's charts")}</p> }
                .into_any(),
        })
    }
}

type BuildRunView =
    fn(RwSignal<Option<RunProgress>>, RwSignal<ChartMetric>, RwSignal<Option<Dataset>>) -> AnyView;

#[wasm_split(kindling_pages, wasm_split_path = ::leptos::wasm_split, fallible)]
fn run_view_builder() -> Result<BuildRunView, SplitLoaderError> {
    Ok(|run, chart_metric, plotted| view! { <RunView run chart_metric plotted /> }.into_any())
}

/// The latest run, updated in place as messages arrive: only the parts that changed re-render,
/// so the chart tabs and buttons stay put (and clickable) while a model trains.
#[component]
fn RunView(
    run: RwSignal<Option<RunProgress>>,
    chart_metric: RwSignal<ChartMetric>,
    plotted: RwSignal<Option<Dataset>>,
) -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    // Only epochs already stored are shown, so a reload loses nothing that was on screen.
    let shown = Memo::new(move |_| {
        run.with(|run| {
            run.as_ref()
                .map_or(0, |r| workbench.shown_epochs(&r.run_id, r.history.len()))
        })
    });
    let fraction =
        Signal::derive(move || run.with(|run| run.as_ref().map_or(0.0, |r| r.fraction_done)));
    let label = Signal::derive(move || {
        run.with(|run| {
            run.as_ref()
                .map(|r| progress_label(r, shown.get()))
                .unwrap_or_default()
        })
    });
    let status = Memo::new(move |_| run.with(|run| run.as_ref().map(|r| r.status.clone())));
    // A memo, not a derived signal: the chart reads the series three times per update.
    let series = Memo::new(move |_| {
        type Value = fn(&EpochMetrics) -> Option<f64>;
        let lines: [(&str, &'static str, Value); 2] = match chart_metric.get() {
            ChartMetric::Loss => [
                ("training loss", "series-loss", |m| Some(m.train_loss)),
                ("validation loss", "series-val-loss", |m| m.val_loss),
            ],
            ChartMetric::Accuracy => [
                ("training accuracy", "series-accuracy", |m| m.train_accuracy),
                ("validation accuracy or R²", "series-val-accuracy", |m| {
                    m.val_score()
                }),
            ],
        };
        run.with(|run| {
            let history = run.as_ref().map_or(&[][..], |r| &r.history[..shown.get()]);
            lines
                .into_iter()
                .map(|(label, class, value)| Series {
                    label: label.into(),
                    class,
                    points: history
                        .iter()
                        .filter_map(|m| Some((m.epoch as f64, value(m)?)))
                        .collect(),
                })
                .filter(|series| !series.points.is_empty())
                .collect()
        })
    });
    let y_label = move || match chart_metric.get() {
        ChartMetric::Loss => "loss".to_string(),
        ChartMetric::Accuracy => "accuracy".to_string(),
    };
    let points = Memo::new(move |_| plotted.with(|data| data.as_ref().map(plotted_points)));
    let boundary = Signal::derive(move || run.with(|run| run.as_ref()?.boundary.clone()));
    let boundary_view = move || {
        let has_points = points.with(|p| p.as_ref().is_some_and(|p| !p.is_empty()));
        has_points.then(|| {
            let scatter = Signal::derive(move || points.get().unwrap_or_default());
            view! {
                <div class="boundary">
                    <h2>"Decision boundary"</h2>
                    <ScatterPlot points=scatter x_label="x".to_string() y_label="y".to_string()
                        background=boundary />
                </div>
            }
        })
    };
    view! {
        <div class="run-status">{move || status.get().map(|status| status_view(&status))}</div>
        <ProgressBar fraction label />
        <Tabs label="Chart" id="run-chart" selected=chart_metric
            tabs=vec![(ChartMetric::Loss, "Loss"), (ChartMetric::Accuracy, "Accuracy")]>
            <LineChart series x_label="epoch" y_label=Signal::derive(y_label) />
        </Tabs>
        {boundary_view}
    }
}

fn progress_label(progress: &RunProgress, shown_epochs: usize) -> String {
    let epochs_done = progress.history[..shown_epochs]
        .last()
        .map_or(0, |m| m.epoch);
    let mut label = format!("Epoch {epochs_done} of {}", progress.total_epochs);
    if let (true, Some(eta_ms)) = (progress.status.is_active(), progress.eta_ms()) {
        label.push_str(&format!(" · about {:.0} s left", (eta_ms / 1000.0).ceil()));
    }
    label
}

fn status_view(status: &RunStatus) -> AnyView {
    match status {
        RunStatus::Starting => {
            view! { <p class="status starting">"Starting the trainer…"</p> }.into_any()
        }
        RunStatus::Running => view! { <p class="status running">"Training…"</p> }.into_any(),
        RunStatus::Paused => view! { <p class="status paused">"Paused"</p> }.into_any(),
        RunStatus::Finished {
            outcome,
            evaluation,
        } => {
            let verb = match outcome {
                RunOutcome::Completed => "Finished".to_owned(),
                RunOutcome::Stopped => "Stopped early".to_owned(),
                RunOutcome::EarlyStopped => format!(
                    "Finished by early stopping, keeping epoch {}",
                    evaluation.best_epoch
                ),
            };
            let Some(report) = evaluation.test.as_ref().or(evaluation.validation.as_ref()) else {
                return view! { <p class="status finished">{verb} "."</p> }.into_any();
            };
            let split = if evaluation.test.is_some() {
                "Test"
            } else {
                "Validation"
            };
            view! {
                <p class="status finished">
                    {verb} ". " {split} " " {report.headline_name()} ": "
                    <strong class="final-accuracy">{headline(report)}</strong>
                </p>
                <p class="report-summary">{report_summary(report)}</p>
            }
            .into_any()
        }
        RunStatus::Failed { reason } => {
            view! { <p class="status failed" role="alert">"Training failed: " {reason.clone()}</p> }
                .into_any()
        }
    }
}
