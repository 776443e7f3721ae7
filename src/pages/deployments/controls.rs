//! What serves and how to change it (roll back, take down, a challenger beside it, approve a
//! retrained one), and step two: the traffic and the drift a teacher turns up live.

use kindling_core::data::FeatureKind;
use kindling_core::monitor::DriftControls;
use kindling_core::monitor::deployment::{Challenger, EventKind, RetrainPolicy};
use kindling_core::protocol::endpoint::{ChallengerMode, TrafficSettings};
use leptos::prelude::*;

use crate::state::deployments::Deployments;
use crate::state::registry::Registry;

/// Runs an action and shows its error, if any, where the page shows errors.
fn act<F>(deployments: Deployments, action: impl FnOnce() -> F + 'static)
where
    F: std::future::Future<Output = Result<(), String>> + 'static,
{
    leptos::task::spawn_local(async move {
        if let Err(error) = action().await {
            deployments.error.set(Some(error));
        }
    });
}

#[component]
pub fn DeploymentHeader() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let registry = expect_context::<Registry>();
    let current = move || deployments.current.get();
    let title = move || {
        current().map(|d| {
            format!(
                "{} v{} serves as {}@{}",
                d.model, d.version, d.model, d.alias
            )
        })
    };
    let previous = move || current().and_then(|d| d.previous_version());
    // The version a retraining left waiting, until a promotion or rollback settles it.
    let awaiting = move || {
        current().and_then(|d| {
            d.history
                .iter()
                .rev()
                .find_map(|event| match event.what {
                    EventKind::AwaitingApproval { version } => Some(Some(version)),
                    EventKind::Promoted { .. } | EventKind::RolledBack { .. } => Some(None),
                    _ => None,
                })
                .flatten()
        })
    };
    let versions = move || {
        current()
            .map(|d| {
                registry.versions.with(|versions| {
                    versions
                        .iter()
                        .filter(|v| v.model == d.model && v.version != d.version)
                        .map(|v| v.version)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    let challenger_version = RwSignal::new(String::new());
    let challenger_mode = RwSignal::new("shadow".to_owned());
    let set_challenger = move |_| {
        let version = challenger_version.get_untracked().parse::<u32>().ok();
        let mode = match challenger_mode.get_untracked().as_str() {
            "canary" => ChallengerMode::Canary { share: 0.2 },
            _ => ChallengerMode::Shadow,
        };
        let challenger = version.map(|version| Challenger { version, mode });
        act(deployments, move || async move {
            deployments.set_challenger(challenger).await
        });
    };
    let retrain_now = move |_| {
        act(deployments, move || async move {
            deployments.retrain(None).await
        });
    };
    view! {
        <div class="deployment-header">
            <h2 id="deployment-title">{title}</h2>
            <span class="badge" id="endpoint-status" class:ok=move || deployments.serving.get()>
                {move || if deployments.serving.get() { "serving" } else { "starting…" }}
            </span>
            <div class="actions">
                <button type="button" id="rollback" disabled=move || previous().is_none()
                    on:click=move |_| act(deployments, move || async move { deployments.roll_back().await })>
                    {move || previous().map_or("Roll back".to_owned(), |v| format!("Roll back to v{v}"))}
                </button>
                <button type="button" id="retrain" disabled=move || deployments.retraining.get().is_some()
                    on:click=retrain_now>
                    {move || if deployments.retraining.get().is_some() { "Retraining…" } else { "Retrain now" }}
                </button>
                <button type="button" class="danger" id="take-down"
                    on:click=move |_| act(deployments, move || async move { deployments.take_down().await })>
                    "Take down"
                </button>
            </div>
            {move || awaiting().map(|version| view! {
                <p class="notice" role="status">
                    {format!("v{version} passed the gates after retraining and waits for you. ")}
                    <button type="button" id="approve" class="primary"
                        on:click=move |_| act(deployments, move || async move { deployments.approve(version).await })>
                        {format!("Promote v{version}")}
                    </button>
                </p>
            })}
            <label class="check">
                <input type="checkbox" id="retrain-on-alert"
                    prop:checked=move || current().is_some_and(|d| d.retrain.on_alert)
                    disabled=move || current().is_none_or(|d| d.retrain.pipeline.is_none())
                    on:change=move |event| {
                        let on_alert = event_target_checked(&event);
                        if let Some(deployment) = current() {
                            deployments.set_retrain_policy(RetrainPolicy { on_alert, ..deployment.retrain });
                        }
                    } />
                {move || match current().and_then(|d| d.retrain.pipeline) {
                    Some(pipeline) => format!(" an alert retrains it with pipeline \"{pipeline}\""),
                    None => " no pipeline retrains it (choose one when deploying)".to_owned(),
                }}
            </label>
            <div class="challenger">
                <label>"Challenger "
                    <select id="challenger-version" on:change=move |e| challenger_version.set(event_target_value(&e))>
                        <option value="">"none"</option>
                        {move || versions().into_iter().map(|v| view! { <option value=v.to_string()>{format!("v{v}")}</option> }).collect_view()}
                    </select>
                </label>
                <select id="challenger-mode" on:change=move |e| challenger_mode.set(event_target_value(&e))>
                    <option value="shadow">"shadow: scores every request, serves none"</option>
                    <option value="canary">"canary: serves 20% of requests"</option>
                </select>
                <button type="button" on:click=set_challenger>"Set"</button>
            </div>
        </div>
    }
}

/// A labelled range input bound to one number of the traffic settings.
#[component]
fn Slider(
    id: &'static str,
    label: &'static str,
    min: f64,
    max: f64,
    step: f64,
    #[prop(into)] value: Signal<f64>,
    unit: &'static str,
    on_input: impl Fn(f64) + 'static,
) -> impl IntoView {
    view! {
        <label class="slider">
            <span>{label}</span>
            <input type="range" id=id min=min max=max step=step prop:value=move || value.get()
                on:input=move |event| {
                    if let Ok(number) = event_target_value(&event).parse::<f64>() {
                        on_input(number);
                    }
                } />
            <output for=id>{move || format!("{}{unit}", value.get())}</output>
        </label>
    }
}

#[component]
pub fn Controls() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let settings = Memo::new(move |_| {
        deployments
            .current
            .with(|current| current.as_ref().map(|d| d.settings.clone()))
            .unwrap_or_default()
    });
    let change = move |edit: Box<dyn Fn(&mut TrafficSettings)>| {
        let mut next = settings.get_untracked();
        edit(&mut next);
        deployments.set_settings(next);
    };
    let drift_value =
        move |read: fn(&DriftControls) -> f64| Signal::derive(move || read(&settings.get().drift));
    // The columns covariate drift can move: the window's number columns.
    let number_features = move || {
        deployments
            .current
            .with(|current| {
                current.as_ref().map(|d| {
                    let shape = &d.monitor.shape;
                    shape
                        .feature_names
                        .iter()
                        .enumerate()
                        .filter(|(column, _)| {
                            !matches!(
                                shape.feature_kinds.get(*column),
                                Some(FeatureKind::Categorical { .. })
                            )
                        })
                        .map(|(_, name)| name.clone())
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
    };
    let first_class_share = Signal::derive(move || {
        settings.with(|s| {
            s.drift
                .class_shares
                .first()
                .copied()
                .map_or(0.0, |share| (share * 100.0).round())
        })
    });
    view! {
        <div class="traffic-controls">
            <h2>"2 · Traffic"</h2>
            <label class="check">
                <input type="checkbox" id="traffic-running" prop:checked=move || settings.get().running
                    on:change=move |event| {
                        let running = event_target_checked(&event);
                        change(Box::new(move |s| s.running = running));
                    } />
                " send requests"
            </label>
            <Slider id="rate" label="Requests per second" min=1.0 max=500.0 step=1.0
                value=Signal::derive(move || settings.get().rate_per_s) unit="/s"
                on_input=move |v| change(Box::new(move |s| s.rate_per_s = v)) />
            <Slider id="label-lag" label="Labels arrive after" min=0.0 max=30.0 step=0.5
                value=Signal::derive(move || settings.get().label_lag_ms / 1000.0) unit=" s"
                on_input=move |v| change(Box::new(move |s| s.label_lag_ms = v * 1000.0)) />
            <h3>"Drift"</h3>
            <Slider id="drift-shift" label="Covariate shift (standard deviations)" min=-3.0 max=3.0 step=0.1
                value=drift_value(|d| d.shift_sd) unit=" sd"
                on_input=move |v| change(Box::new(move |s| s.drift.shift_sd = v)) />
            <Slider id="drift-scale" label="Covariate spread" min=0.2 max=3.0 step=0.1
                value=drift_value(|d| d.scale) unit="×"
                on_input=move |v| change(Box::new(move |s| s.drift.scale = v)) />
            <label>"Shift and spread apply to "
                <select
                    id="drift-features"
                    prop:value=move || settings.with(|s| s.drift.features.first().cloned().unwrap_or_default())
                    on:change=move |event| {
                    let name = event_target_value(&event);
                    change(Box::new(move |s| {
                        s.drift.features = if name.is_empty() { Vec::new() } else { vec![name.clone()] };
                    }));
                }>
                    <option value="">"every number feature"</option>
                    {move || number_features().into_iter().map(|name| view! {
                        <option value=name.clone()>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <Slider id="drift-rotate" label="Concept drift (rotate the first two features)" min=-180.0 max=180.0 step=5.0
                value=drift_value(|d| d.rotate_degrees) unit="°"
                on_input=move |v| change(Box::new(move |s| s.drift.rotate_degrees = v)) />
            <Slider id="drift-label-shift" label="Label shift: share of the first class (0 = as trained)" min=0.0 max=100.0 step=5.0
                value=first_class_share unit="%"
                on_input=move |v| {
                    let classes = deployments.current.with_untracked(|current| {
                        current.as_ref().map_or(0, |d| d.monitor.shape.class_names.len())
                    });
                    change(Box::new(move |s| s.drift.class_shares = class_shares(v / 100.0, classes)));
                } />
            <Slider id="drift-missing" label="Missing values" min=0.0 max=0.9 step=0.05
                value=drift_value(|d| d.missing_fraction) unit=""
                on_input=move |v| change(Box::new(move |s| s.drift.missing_fraction = v)) />
            <Slider id="drift-new-category" label="New categories" min=0.0 max=0.9 step=0.05
                value=drift_value(|d| d.new_category_fraction) unit=""
                on_input=move |v| change(Box::new(move |s| s.drift.new_category_fraction = v)) />
            <button type="button" id="drift-reset" on:click=move |_| change(Box::new(|s| s.drift = DriftControls::default()))>
                "No drift"
            </button>
        </div>
    }
}

/// The first class drawn with `share` of the traffic and the others evenly with the rest;
/// no shares (the source's own) at zero or for a regressor.
fn class_shares(share: f64, classes: usize) -> Vec<f64> {
    if share <= 0.0 || classes < 2 {
        return Vec::new();
    }
    let rest = (1.0 - share) / (classes - 1) as f64;
    std::iter::once(share)
        .chain(std::iter::repeat_n(rest, classes - 1))
        .collect()
}
