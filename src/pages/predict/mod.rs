//! The Predict page: try a registered model version. Pick a version, then type a row of
//! feature values (or, for an image model, draw) and see the answer as you go; or drop a CSV
//! file to score every row and download the answers beside the original columns.
//!
//! Answers come from the model worker, which keeps the version's package loaded under its
//! sha256, so only the first request of a version pays for opening it. What is computed from
//! them (the form, the scoring, the CSV) is `kindling_core::scoring`'s.

mod batch;
mod loaded;
mod single;

use std::rc::Rc;

use kindling_core::scoring::form::describe;
use kindling_core::scoring::pick::default_version;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::fields::SelectField;
use crate::components::lesson_text::Term;
use crate::components::select::SelectOption;
use crate::components::why_note::WhyNote;
use crate::state::registry::Registry;
use batch::BatchScoring;
use loaded::{Loaded, next_ticket};
use single::SinglePrediction;

/// One `<option>` of the version select.
#[derive(Debug, Clone, PartialEq)]
struct VersionChoice {
    key: String,
    label: String,
}

/// A version's option value: model names cannot hold ':', so it splits back unambiguously.
fn choice_key(model: &str, version: u32) -> String {
    format!("{model}:{version}")
}

fn parse_choice_key(key: &str) -> Option<(String, u32)> {
    let (model, version) = key.rsplit_once(':')?;
    Some((model.to_owned(), version.parse().ok()?))
}

#[component]
pub fn PredictPage() -> impl IntoView {
    let registry = expect_context::<Registry>();
    let query = use_query_map();

    let choices = Memo::new(move |_| {
        let models = registry.models.get();
        registry.versions.with(|versions| {
            versions
                .iter()
                .filter(|v| !v.archived)
                .map(|v| {
                    let aliases = models
                        .iter()
                        .find(|m| m.name == v.model)
                        .map(|m| m.aliases_of(v.version).join(", "))
                        .unwrap_or_default();
                    let label = if aliases.is_empty() {
                        format!("{} v{}", v.model, v.version)
                    } else {
                        format!("{} v{} ({aliases})", v.model, v.version)
                    };
                    VersionChoice {
                        key: choice_key(&v.model, v.version),
                        label,
                    }
                })
                .collect::<Vec<_>>()
        })
    });
    // The page's body is built once there is something to choose, not again with every
    // change to the list (that would throw away a drawing or a scored file).
    let has_choices = Memo::new(move |_| choices.with(|choices| !choices.is_empty()));
    let default_key = Memo::new(move |_| {
        let (model, version) = query.with(|q| (q.get("model"), q.get("version")));
        let models = registry.models.get();
        registry.versions.with(|versions| {
            default_version(&models, versions, model.as_deref(), version.as_deref())
                .map(|(model, version)| choice_key(&model, version))
        })
    });
    let selected = RwSignal::new(String::new());
    // Follow the default when it changes (first load, another `?model=`), and whenever the
    // chosen version is gone from the list; otherwise the person's choice stands.
    Effect::new(move |previous: Option<Option<String>>| {
        let default = default_key.get();
        let current = selected.get_untracked();
        let listed = choices.with(|choices| choices.iter().any(|c| c.key == current));
        if let Some(key) = &default
            && *key != current
            && (previous.as_ref() != Some(&default) || !listed)
        {
            selected.set(key.clone());
        }
        default
    });

    let model = RwSignal::new_local(None::<Result<Rc<Loaded>, String>>);
    let fetches = StoredValue::new(0u64);
    Effect::new(move |_| {
        let key = selected.get();
        let ticket = next_ticket(fetches);
        model.set(None);
        let Some((name, number)) = parse_choice_key(&key) else {
            return;
        };
        let Some(version) = registry.versions.with_untracked(|versions| {
            versions
                .iter()
                .find(|v| v.model == name && v.version == number)
                .cloned()
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let fetched = registry.package(&name, number).await;
            if fetches.try_get_value() != Some(ticket) {
                return;
            }
            model.set(Some(fetched.map(|package| {
                Rc::new(Loaded {
                    version,
                    package: Rc::new(package),
                })
            })));
        });
    });
    let summary = Memo::new(move |_| {
        model.with(|state| match state {
            Some(Ok(loaded)) => Some(Ok((
                loaded.version.model.clone(),
                loaded.version.version,
                describe(&loaded.version.signature),
            ))),
            Some(Err(error)) => Some(Err(error.clone())),
            None => None,
        })
    });

    view! {
        <section class="page predict">
            <h1>"Predict"</h1>
            <WhyNote>"Asking a model questions by hand is how you find what the metrics hide. The same "<Term key="package">"package"</Term>" answers the same in Python, ONNX Runtime and MLflow."</WhyNote>
            <p class="lead">
                "Try a registered model: change the values (or draw) and watch its answer, or \
                 score a whole CSV file. Everything runs in this tab; nothing is uploaded."
            </p>
            {move || if !has_choices.get() {
                view! {
                    <p class="empty predict-empty">
                        {move || if registry.loaded.get() {
                            view! {
                                "There is no model version to try yet: "
                                <a href="/runs">"register a run's model first"</a>
                                "."
                            }.into_any()
                        } else {
                            "Loading…".into_any()
                        }}
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="predict-picker">
                        <SelectField label="Model version" name="predict-version" value=selected>
                            {move || choices.get().into_iter().map(|choice| view! {
                                <SelectOption chosen=selected value=choice.key>{choice.label}</SelectOption>
                            }).collect_view()}
                        </SelectField>
                        {move || match summary.get() {
                            None => view! { <p class="predict-about empty">"Opening the model…"</p> }.into_any(),
                            Some(Err(error)) => view! { <p class="predict-about error" role="alert">{error}</p> }.into_any(),
                            Some(Ok((name, number, about))) => view! {
                                <p class="predict-about">
                                    {about} " "
                                    <a href=format!("/models/{name}/{number}")>"About this version"</a>
                                </p>
                            }.into_any(),
                        }}
                    </div>
                    <div class="predict-layout">
                        <SinglePrediction model />
                        <BatchScoring model />
                    </div>
                }.into_any()
            }}
        </section>
    }
}
