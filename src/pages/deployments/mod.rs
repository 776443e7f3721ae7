//! The Deployments page, in the order a person works: deploy the version an alias points at,
//! drive its traffic (rate, drift) while it serves, and watch it (`monitor`): live charts,
//! per-feature drift, alerts, the retraining they start, and the deployment's history.

mod controls;
mod monitor;

use kindling_core::monitor::deployment::RetrainPolicy;
use kindling_core::pipeline::file::parse;
use leptos::prelude::*;

use crate::components::lesson_text::Term;
use crate::components::why_note::WhyNote;
use crate::state::deployments::Deployments;
use crate::state::pipelines::Pipelines;
use crate::state::registry::Registry;
use crate::state::workbench::Workbench;
use controls::{Controls, DeploymentHeader};
use monitor::Monitor;

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let serving = move || {
        deployments
            .current
            .with(|current| current.as_ref().is_some_and(|deployment| deployment.active))
    };
    view! {
        <section class="deployments-page">
            <h1>"Deployments"</h1>
            <WhyNote>"A deployed model meets data that moves. The monitor measures "<Term key="drift">"drift"</Term>" per column ("<Term key="psi">"PSI"</Term>", "<Term key="ks">"KS"</Term>"), an "<Term key="alert">"alert"</Term>" fires when it lasts, and "<Term key="retraining">"retraining"</Term>" through the pipeline brings a champion that passed the same gates."</WhyNote>
            <p class="lede">
                "Serve a registered model from a simulated endpoint in this tab, send it traffic, "
                "turn up drift and watch the monitor notice. An alert can retrain the model "
                "through its pipeline; the new version must pass the gates to replace it."
            </p>
            {move || deployments.error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <Show when=serving fallback=|| view! { <DeployForm /> }>
                <DeploymentHeader />
                <Controls />
                <Monitor />
            </Show>
            <Show when=move || !serving() && deployments.current.with(Option::is_some)>
                <Monitor />
            </Show>
        </section>
    }
}

/// Step one: which model, which alias, what traffic replays, what retrains it.
#[component]
fn DeployForm() -> impl IntoView {
    let deployments = expect_context::<Deployments>();
    let registry = expect_context::<Registry>();
    let pipelines = expect_context::<Pipelines>();
    let workbench = expect_context::<Workbench>();
    let model = RwSignal::new(String::new());
    let alias = RwSignal::new(String::new());
    let replay = RwSignal::new(String::new());
    let pipeline = RwSignal::new(String::new());
    let on_alert = RwSignal::new(true);
    let automatic = RwSignal::new(true);
    let busy = RwSignal::new(false);
    let with_aliases = Memo::new(move |_| {
        registry.models.with(|models| {
            models
                .iter()
                .filter(|model| !model.aliases.is_empty())
                .map(|model| {
                    (
                        model.name.clone(),
                        model.aliases.keys().cloned().collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        let models = with_aliases.get();
        if !models
            .iter()
            .any(|(name, _)| *name == model.get_untracked())
        {
            model.set(
                models
                    .first()
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default(),
            );
        }
    });
    Effect::new(move |_| {
        let aliases = with_aliases
            .with(|models| {
                models
                    .iter()
                    .find(|(name, _)| *name == model.get())
                    .map(|(_, a)| a.clone())
            })
            .unwrap_or_default();
        if !aliases.contains(&alias.get_untracked()) {
            let champion = aliases
                .iter()
                .find(|a| *a == "champion")
                .or(aliases.first());
            alias.set(champion.cloned().unwrap_or_default());
        }
    });
    // A pipeline file that asks to run on drift alerts ticks the box; one that does not leaves
    // it as the person set it (unticking it behind their back hid why no retraining started).
    Effect::new(move |_| {
        let name = pipeline.get();
        if let Some(stored) = pipelines.pipeline(&name)
            && let Ok(parsed) = parse(&stored.text)
            && parsed.triggers.on_drift_alert
        {
            on_alert.set(true);
        }
    });
    let deploy = move |_| {
        busy.set(true);
        let policy = RetrainPolicy {
            pipeline: Some(pipeline.get_untracked()).filter(|name| !name.is_empty()),
            on_alert: on_alert.get_untracked(),
            promote_automatically: automatic.get_untracked(),
        };
        let replay = Some(replay.get_untracked()).filter(|id| !id.is_empty());
        leptos::task::spawn_local(async move {
            if let Err(error) = deployments
                .deploy(
                    &model.get_untracked(),
                    &alias.get_untracked(),
                    replay,
                    policy,
                )
                .await
            {
                deployments.error.set(Some(error));
            }
            busy.set(false);
        });
    };
    view! {
        <form class="deploy-form" on:submit=|event| event.prevent_default()>
            <h2>"1 · Deploy"</h2>
            <Show
                when=move || with_aliases.with(|models| !models.is_empty())
                fallback=|| view! {
                    <p class="muted">
                        "Nothing to deploy yet: register a model and give a version an alias "
                        "(\"champion\") on the Models page, or run a pipeline that promotes one."
                    </p>
                }
            >
                <span class="field-line"><label for="deploy-model">"Model"</label>" "
                    <select id="deploy-model" on:change=move |event| model.set(event_target_value(&event))
                        prop:value=move || model.get()>
                        {move || with_aliases.get().into_iter().map(|(name, _)| view! { <option value=name.clone()>{name.clone()}</option> }).collect_view()}
                    </select>
                </span>
                <span class="field-line"><label for="deploy-alias">"Alias"</label>" "
                    <select id="deploy-alias" on:change=move |event| alias.set(event_target_value(&event))
                        prop:value=move || alias.get()>
                        {move || with_aliases.with(|models| models.iter().find(|(name, _)| *name == model.get()).map(|(_, aliases)| aliases.clone())).unwrap_or_default().into_iter().map(|a| view! { <option value=a.clone()>{a.clone()}</option> }).collect_view()}
                    </select>
                </span>
                <span class="field-line"><label for="deploy-replay">"Traffic replays"</label>" "
                    <select id="deploy-replay" on:change=move |event| replay.set(event_target_value(&event))>
                        <option value="">"its training data"</option>
                        {move || workbench.datasets.get().into_iter().map(|entry| view! { <option value=entry.id.clone()>{format!("uploaded: {}", entry.name)}</option> }).collect_view()}
                    </select>
                </span>
                <span class="field-line"><label for="deploy-pipeline">"Retrained by"</label>" "
                    <select id="deploy-pipeline" on:change=move |event| pipeline.set(event_target_value(&event))>
                        <option value="">"no pipeline"</option>
                        {move || pipelines.list.get().into_iter().map(|p| view! { <option value=p.name.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </span>
                <label class="check"><input type="checkbox" id="deploy-on-alert" prop:checked=move || on_alert.get()
                    on:change=move |event| on_alert.set(event_target_checked(&event)) />
                    " retrain when an alert fires"</label>
                <label class="check"><input type="checkbox" id="deploy-automatic" prop:checked=move || automatic.get()
                    on:change=move |event| automatic.set(event_target_checked(&event)) />
                    " promote a retrained model that passes the gates without asking"</label>
                <button type="button" id="deploy" class="primary" on:click=deploy disabled=move || busy.get()>"Deploy"</button>
            </Show>
        </form>
    }
}
