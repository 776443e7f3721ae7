//! On a run's page: validate the run against a model's gates and register it as a version.

use kindling_core::registry::RegisteredModel;
use kindling_core::registry::gates::Gate;
use kindling_core::tracking::{RunRecord, RunState};
use leptos::prelude::*;

use crate::components::gate_editor::GateEditor;
use crate::components::gate_report::GateReportView;
use crate::state::registry::{Candidate, Registry};

/// On a run's page: validate the run against a model's gates and register it as a version.
#[component]
pub fn RegisterPanel(run: Memo<Option<RunRecord>>) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let model_name = RwSignal::new(String::new());
    let new_gates = RwSignal::new(Vec::<Gate>::new());
    let candidate = RwSignal::new(None::<Candidate>);
    let message = RwSignal::new(None::<Result<(String, u32), String>>);
    let busy = RwSignal::new(false);
    // Memos, so typing a name or a run's progress rebuilds nothing that holds focus.
    let registrable = Memo::new(move |_| {
        run.with(|r| {
            r.as_ref()
                .is_some_and(|r| matches!(r.state, RunState::Finished { .. } | RunState::Stopped))
        })
    });
    let existing = Memo::new(move |_| {
        registry
            .model(model_name.get().trim())
            .map(|model| (model.name, model.gates.len()))
    });
    let on_validate = move |_| {
        let Some(record) = run.get_untracked() else {
            return;
        };
        busy.set(true);
        candidate.set(None);
        message.set(None);
        let (name, gates) = (model_name.get_untracked(), new_gates.get_untracked());
        leptos::task::spawn_local(async move {
            match registry.validate(record, &name, gates).await {
                Ok(checked) => candidate.set(Some(checked)),
                Err(error) => message.set(Some(Err(error))),
            }
            busy.set(false);
        });
    };
    let on_register = move |_| {
        let Some(checked) = candidate.get_untracked() else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = registry.register(checked).await;
            candidate.set(None);
            message.set(Some(outcome.map(|v| (v.model, v.version))));
            busy.set(false);
        });
    };
    let model_options = move || {
        registry
            .models
            .get()
            .into_iter()
            .map(|m: RegisteredModel| view! { <option value=m.name.clone() /> })
            .collect_view()
    };
    move || {
        registrable.get().then(|| view! {
            <section class="register-panel">
                <h2>"Register this run's model"</h2>
                <label>"Model name "
                    <input type="text" id="register-model" list="registered-models" placeholder="e.g. iris-classifier"
                        prop:value=model_name on:input=move |e| { model_name.set(event_target_value(&e)); candidate.set(None); } />
                </label>
                <datalist id="registered-models">{model_options}</datalist>
                {move || match existing.get() {
                    Some((name, gates)) => view! {
                        <p class="hint">{format!("A new version of {name}, checked against its {gates} gate(s).")}</p>
                    }.into_any(),
                    None => view! {
                        <div class="new-model-gates">
                            <p class="hint">"A new model. Its gates (you can change them later on its page):"</p>
                            <GateEditor gates=new_gates />
                        </div>
                    }.into_any(),
                }}
                <button type="button" id="validate-run" disabled=move || busy.get() || model_name.with(|n| n.trim().is_empty()) on:click=on_validate>"Validate"</button>
                {move || candidate.get().map(|checked| {
                    let passed = checked.report.passed();
                    view! {
                        <div class="validation">
                            <p class=if passed { "verdict pass" } else { "verdict fail" }>
                                {if passed { "Every gate passed." } else { "Some gates failed: it can be registered, but it cannot take an alias without a written override." }}
                            </p>
                            <GateReportView report=checked.report.clone() />
                            <button type="button" id="register-run" disabled=move || busy.get() on:click=on_register>
                                {format!("Register as a version of {}", checked.model_name)}
                            </button>
                        </div>
                    }
                })}
                {move || message.get().map(|m| match m {
                    Ok((model, version)) => view! {
                        <p class="notice registered">"Registered as "
                            <a href=format!("/models/{model}/{version}")>{format!("{model} v{version}")}</a> "."
                        </p>
                    }.into_any(),
                    Err(text) => view! { <p class="error">{text}</p> }.into_any(),
                })}
            </section>
        })
    }
}
