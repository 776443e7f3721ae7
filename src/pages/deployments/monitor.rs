//! Step three, the monitor: the latest alert where a person is looking, tiles for the numbers
//! that matter now, live charts over the last minute, per-feature drift against the training
//! data, the rules and the alert log, the deployment's history, and the exports.

use kindling_core::monitor::{FeatureDrift, Snapshot};
use leptos::prelude::*;

use crate::components::line_chart::{LineChart, Series};
use crate::platform::clock::{local_time_text, now_unix_ms};
use crate::platform::files::download_text;
use crate::state::deployments::{Deployments, Point};

fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.digits$}"))
}

fn p_value(value: f64) -> String {
    if value < 1e-3 {
        format!("{value:.1e}")
    } else {
        format!("{value:.3}")
    }
}

#[component]
pub fn Monitor() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let snapshot = deployments.snapshot;
    let classifier = move || {
        deployments
            .current
            .with(|d| d.as_ref().is_some_and(|d| d.monitor.shape.classifier()))
    };
    let latest_alert = move || {
        deployments
            .current
            .with(|d| d.as_ref().and_then(|d| d.monitor.alerts.last().cloned()))
    };
    let tile = |label: &'static str, id: &'static str, value: Signal<String>| {
        view! { <div class="tile"><span class="tile-label">{label}</span><span class="tile-value" id=id>{value}</span></div> }
    };
    let from = move |read: fn(&Snapshot) -> String| {
        Signal::derive(move || snapshot.with(|s| s.as_ref().map_or("–".to_owned(), read)))
    };
    let chart = move |label: &'static str, class: &'static str, read: fn(&Point) -> Option<f64>| {
        Signal::derive(move || {
            let points = deployments.series.with(|series| {
                let start = series.first().map_or(0.0, |p| p.at_ms);
                series
                    .iter()
                    .filter_map(|p| read(p).map(|v| ((p.at_ms - start) / 1000.0, v)))
                    .collect()
            });
            vec![Series {
                label: label.into(),
                class,
                points,
            }]
        })
    };
    view! {
        <div class="monitor">
            <h2>"3 · Monitor"</h2>
            {move || latest_alert().map(|alert| view! {
                <p class="alert-banner" id="alert-banner" role="alert">
                    <strong>"Alert: "</strong>{alert.message()}
                    <span class="muted">{format!(" · {} · after {} requests", local_time_text(alert.at_ms), alert.request_number)}</span>
                </p>
            })}
            <div class="tiles">
                {tile("Requests answered", "tile-answered", from(|s| s.answered.to_string()))}
                {tile("Rate", "tile-rate", from(|s| format!("{:.0}/s", s.rate_per_s)))}
                {tile("Latency p50 / p99", "tile-latency", from(|s| format!("{} / {} ms", number(s.latency_p50_ms, 2), number(s.latency_p99_ms, 2))))}
                {move || if classifier() {
                    tile("Accuracy (arrived labels)", "tile-score", from(|s| format!("{} on {}", number(s.accuracy, 3), s.labelled))).into_any()
                } else {
                    tile("RMSE (arrived labels)", "tile-score", from(|s| format!("{} on {}", number(s.rmse, 3), s.labelled))).into_any()
                }}
                {tile("Challenger", "tile-challenger", from(|s| match (s.challenger_score, s.agreement) {
                    (None, None) => "none".to_owned(),
                    (score, agreement) => format!("{} · agrees {}", number(score, 3), agreement.map_or("–".into(), |a| format!("{:.0}%", a * 100.0))),
                }))}
            </div>
            <div class="monitor-charts">
                <figure><figcaption>"Requests per second"</figcaption>
                    <LineChart series=chart("rate", "series-a", |p| Some(p.rate_per_s)) x_label="seconds" y_label=Signal::derive(|| "requests/s".to_owned()) /></figure>
                <figure><figcaption>"Largest PSI of any feature"</figcaption>
                    <LineChart series=chart("max PSI", "series-b", |p| p.max_psi) x_label="seconds" y_label=Signal::derive(|| "PSI".to_owned()) /></figure>
                <figure><figcaption>{move || if classifier() { "Accuracy on arrived labels" } else { "RMSE on arrived labels" }}</figcaption>
                    <LineChart series=chart("score", "series-c", |p| p.score) x_label="seconds" y_label=Signal::derive(|| "score".to_owned()) /></figure>
                <figure><figcaption>"Latency p99 (ms)"</figcaption>
                    <LineChart series=chart("p99", "series-d", |p| p.latency_p99_ms) x_label="seconds" y_label=Signal::derive(|| "ms".to_owned()) /></figure>
            </div>
            <DriftTable />
            <Rules />
            <AlertLog />
            <History />
            <Exports />
        </div>
    }
}

#[component]
fn DriftTable() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let row = |feature: FeatureDrift| {
        let reading = feature.psi_reading();
        let class = match reading {
            "significant shift" => "drift-high",
            "moderate shift" => "drift-medium",
            _ => "",
        };
        view! {
            <tr class=class>
                <td>{feature.name.clone()}</td>
                <td class="number">{number(feature.psi, 3)}</td>
                <td>{reading}</td>
                <td class="number">{feature.ks.map_or("–".into(), |ks| format!("{:.3}", ks.statistic))}</td>
                <td class="number">{feature.ks.map_or("–".into(), |ks| p_value(ks.p_value))}</td>
                <td class="number">{format!("{:.1}% → {:.1}%", feature.reference_missing_fraction * 100.0, feature.current_missing_fraction * 100.0)}</td>
                <td class="number">{feature.unseen}</td>
            </tr>
        }
    };
    view! {
        {move || deployments.snapshot.with(|s| s.as_ref().and_then(|s| s.drift.clone())).map(|report| {
            let predictions = deployments.snapshot.with(|s| s.as_ref().map(|s| s.predictions.clone()).unwrap_or_default());
            let total: usize = predictions.iter().map(|(_, count)| count).sum();
            view! {
                <h3>{format!("Drift over the last {} requests, against {} training rows", report.current_rows, report.reference_rows)}</h3>
                <table class="drift-table" id="drift-table">
                    <thead><tr><th>"Feature"</th><th>"PSI"</th><th>""</th><th>"KS"</th><th>"p-value"</th><th>"Gaps (train → now)"</th><th>"Unseen"</th></tr></thead>
                    <tbody>
                        {report.features.iter().cloned().map(row).collect_view()}
                        {report.target.clone().map(|mut target| { target.name = format!("{} (predicted)", target.name); row(target) })}
                    </tbody>
                </table>
                <ul class="prediction-bars">
                    {predictions.into_iter().map(|(class, count)| {
                        let share = if total == 0 { 0.0 } else { count as f64 * 100.0 / total as f64 };
                        view! { <li><span>{class}</span><span class="bar" style=format!("width: {share:.0}%")></span><span class="muted">{format!("{share:.0}%")}</span></li> }
                    }).collect_view()}
                </ul>
                <ul class="anomalies">
                    {report.anomalies.iter().map(|anomaly| view! { <li class:blocking=anomaly.blocking>{anomaly.to_string()}</li> }).collect_view()}
                </ul>
            }
        })}
    }
}

#[component]
fn Rules() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        let rules = deployments.current.with(|d| {
            d.as_ref().map(|d| {
                d.monitor
                    .rules
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        });
        if let Some(rules) = rules
            && text.get_untracked().is_empty()
        {
            text.set(rules);
        }
    });
    let notice = RwSignal::new(None::<Result<String, String>>);
    let save = move |_| {
        notice.set(Some(
            deployments
                .set_rules(&text.get_untracked())
                .map(|()| "Rules saved; each is judged afresh.".to_owned()),
        ));
    };
    view! {
        <div class="alert-rules">
            <h3>"Alert rules"</h3>
            <p class="muted">"One per line: METRIC > or < NUMBER over COUNT requests (labels for accuracy and rmse). Metrics: psi, ks_p_value, missing, prediction_psi, accuracy, rmse, latency_p99_ms."</p>
            <textarea id="alert-rules" rows="3" prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))></textarea>
            <button type="button" id="save-rules" on:click=save>"Save rules"</button>
            {move || notice.get().map(|notice| match notice {
                Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            })}
        </div>
    }
}

/// Every alert the deployment raised, newest first, across the versions it has served.
#[component]
fn AlertLog() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let alerts = move || {
        deployments
            .current
            .with(|d| d.as_ref().map(|d| d.monitor.alerts.clone()))
            .unwrap_or_default()
    };
    view! {
        <h3>"Alert log"</h3>
        <Show when=move || !alerts().is_empty() fallback=|| view! { <p class="muted">"No alert has fired."</p> }>
            <table class="deployment-history" id="alert-log">
                <thead><tr><th>"When"</th><th>"Rule"</th><th>"What it saw"</th><th>"After"</th></tr></thead>
                <tbody>
                    {move || alerts().into_iter().rev().map(|alert| view! {
                        <tr>
                            <td>{local_time_text(alert.at_ms)}</td>
                            <td><code>{alert.rule.to_string()}</code></td>
                            <td>{alert.message()}</td>
                            <td>{format!("{} requests", alert.request_number)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn History() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    view! {
        <h3>"History"</h3>
        <table class="deployment-history" id="deployment-history">
            <thead><tr><th>"When"</th><th>"What"</th><th>"Why"</th></tr></thead>
            <tbody>
                {move || deployments.current.with(|d| d.as_ref().map(|d| d.history.iter().rev().map(|event| view! {
                    <tr><td>{local_time_text(event.at_ms)}</td><td>{event.what.label()}</td><td>{event.why.clone()}</td></tr>
                }).collect_view()))}
            </tbody>
        </table>
    }
}

#[component]
fn Exports() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let failed = move |result: Result<(), String>| {
        if let Err(error) = result {
            deployments.error.set(Some(error));
        }
    };
    let report = move |_| {
        let document = deployments.current.with_untracked(|d| {
            serde_json::json!({
                "format": "kindling-monitor-report/1",
                "deployment": d,
                "latest": deployments.snapshot.get_untracked(),
            })
        });
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        failed(download_text(
            "monitor-report.json",
            &text,
            "application/json",
        ));
    };
    let window = move |_| {
        let csv = deployments
            .current
            .with_untracked(|d| d.as_ref().map(|d| d.monitor.window_csv(now_unix_ms())))
            .unwrap_or_default();
        failed(download_text("production-window.csv", &csv, "text/csv"));
    };
    view! {
        <div class="actions exports">
            <button type="button" id="download-monitor-report" on:click=report>"Download report (JSON)"</button>
            <button type="button" id="download-window" on:click=window>"Download window (CSV)"</button>
        </div>
    }
}
