//! One row typed (or drawn) in and the model's answer, renewed on every change.

use kindling_core::scoring::form::{
    Field, InputForm, drawable_shape, parse_inputs, percent, value_text,
};
use kindling_core::signature::{ModelSignature, Output, Prediction};
use leptos::prelude::*;

use super::loaded::{ModelState, next_ticket};
use crate::components::digit_canvas::DigitCanvas;
use crate::state::lessons::Lessons;
use crate::state::models::Models;

/// One row typed (or drawn) in and its answer, renewed on every change.
#[component]
pub fn SinglePrediction(model: RwSignal<ModelState, LocalStorage>) -> impl IntoView {
    let models = expect_context::<Models>();
    let lessons = expect_context::<Lessons>();
    // The inputs' shape. It holds through the moment a newly picked version's package is on
    // its way, so switching between versions that take the same inputs keeps the typed row
    // (or the drawing) and answers it again: the quickest way to compare two versions.
    let form_spec = Memo::new(move |previous: Option<&Option<InputForm>>| {
        model.with(|state| match state {
            Some(Ok(loaded)) => Some(InputForm::of(&loaded.version.signature)),
            Some(Err(_)) => None,
            None => previous.cloned().flatten(),
        })
    });
    let signature = Memo::new(move |_| {
        model.with(|state| match state {
            Some(Ok(loaded)) => Some(loaded.version.signature.clone()),
            _ => None,
        })
    });
    // The typed values, one per feature, starting from the training means.
    let inputs = RwSignal::new(Vec::<String>::new());
    // The drawn image in the model's units, once something is drawn.
    let drawing = RwSignal::new(None::<Vec<f32>>);
    let answer = RwSignal::new(None::<Result<Prediction, String>>);
    let thinking = RwSignal::new(false);
    // Bumped to rebuild the inputs from `inputs` (after "Back to typical values").
    let form_generation = RwSignal::new(0u32);
    let requests = StoredValue::new(0u64);
    // Whether the row on the form is the learner's own (typed or drawn), not the typical row
    // the form starts from: only an answer to their own counts for a lesson's `predict` step.
    let asked = StoredValue::new(false);

    // New inputs (a version that reads other features): start from its typical row and a blank
    // canvas, as the form is rebuilt.
    Effect::new(move |_| {
        let form = form_spec.get();
        inputs.set(form.as_ref().map(InputForm::typical).unwrap_or_default());
        drawing.set(None);
        asked.set_value(false);
    });
    Effect::new(move |_| {
        let ticket = next_ticket(requests);
        let loaded = match model.get() {
            Some(Ok(loaded)) => loaded,
            Some(Err(_)) => {
                thinking.set(false);
                answer.set(None);
                return;
            }
            None => {
                thinking.set(true);
                answer.set(None);
                return;
            }
        };
        let signature = &loaded.version.signature;
        let row = if drawable_shape(signature).is_some() {
            match drawing.get() {
                // A drawing for another version's grid is about to be cleared.
                Some(pixels) if pixels.len() != signature.column_count() => return,
                Some(pixels) => pixels,
                None => {
                    thinking.set(false);
                    answer.set(None);
                    return;
                }
            }
        } else {
            // Values typed for another version are about to be reset.
            if inputs.with(Vec::len) != signature.column_count() {
                return;
            }
            match inputs.with(|values| parse_inputs(signature, values)) {
                Ok(row) => row,
                Err(problem) => {
                    thinking.set(false);
                    answer.set(Some(Err(problem)));
                    return;
                }
            }
        };
        thinking.set(true);
        let (key, source) = (loaded.key(), loaded.source());
        leptos::task::spawn_local(async move {
            let result = models
                .predict(key, source, row)
                .await
                .and_then(|mut predictions| {
                    if predictions.len() == 1 {
                        Ok(predictions.remove(0))
                    } else {
                        Err("the model answered for a different number of rows".to_owned())
                    }
                });
            if requests.try_get_value() == Some(ticket) {
                if result.is_ok() && asked.get_value() {
                    lessons.own_predictions.update(|count| *count += 1);
                }
                thinking.set(false);
                answer.set(Some(result));
            }
        });
    });

    let form = move || {
        Some(match form_spec.get()? {
            InputForm::Drawing {
                rows,
                columns,
                scale,
            } => {
                let on_change = Callback::new(move |pixels: Option<Vec<f32>>| {
                    asked.set_value(pixels.is_some());
                    drawing.set(pixels.map(|cells| cells.into_iter().map(|c| c * scale).collect()));
                });
                view! {
                    <p class="hint">"Draw with the mouse, a pen or a finger, or fill the grid with the keyboard; the answer follows each stroke."</p>
                    <DigitCanvas rows columns on_change />
                    <p class="hint">
                        {format!(
                            "Your drawing is fitted to the {rows}x{columns} grid the model reads \
                             (as its training images were) and each cell's ink is scaled to 0–{scale}, \
                             the range of those images."
                        )}
                    </p>
                }
                .into_any()
            }
            InputForm::Features(fields) => {
                let typical: Vec<String> = fields
                    .iter()
                    .map(|field| field.typical().to_owned())
                    .collect();
                let reset = move |_| {
                    asked.set_value(false);
                    inputs.set(typical.clone());
                    form_generation.update(|n| *n += 1);
                };
                view! {
                    <form class="feature-form" on:submit=|ev| ev.prevent_default()>
                        // Built with the typical values, as `inputs` is whenever the form is
                        // (new inputs, or "Back to typical values"); typing then updates both.
                        {move || {
                            form_generation.track();
                            fields.iter().enumerate().map(|(i, field)| {
                                let id = format!("feature-{i}");
                                let set = move |text: String| {
                                    asked.set_value(true);
                                    inputs.update(|values| {
                                        if let Some(slot) = values.get_mut(i) {
                                            *slot = text;
                                        }
                                    });
                                };
                                match field.clone() {
                                    Field::Number { name, typical, spread } => view! {
                                        <div class="field feature-field">
                                            <label for=id.clone()>{name.clone()}</label>
                                            <input type="number" step="any" id=id data-feature=name
                                                autocomplete="off" prop:value=typical.clone()
                                                on:input=move |ev| set(event_target_value(&ev)) />
                                            <small class="feature-hint">{format!("typically {typical} ± {spread}; empty for a gap the model fills")}</small>
                                        </div>
                                    }.into_any(),
                                    Field::Category { name, categories, typical } => {
                                        let chosen = typical.clone();
                                        view! {
                                            <div class="field feature-field">
                                                <label for=id.clone()>{name.clone()}</label>
                                                <select id=id data-feature=name
                                                    on:change=move |ev| set(event_target_value(&ev))>
                                                    {categories.into_iter().map(|category| {
                                                        let selected = category == chosen;
                                                        let label = category.clone();
                                                        view! { <option value=category selected=selected>{label}</option> }
                                                    }).collect_view()}
                                                    <option value="">"(missing)"</option>
                                                </select>
                                                <small class="feature-hint">{format!("most often {typical}")}</small>
                                            </div>
                                        }.into_any()
                                    }
                                }
                            }).collect_view()
                        }}
                    </form>
                    <p><button type="button" class="link typical-values" on:click=reset>"Back to typical values"</button></p>
                }
                .into_any()
            }
        })
    };
    let result = move || {
        let Some(signature) = signature.get() else {
            let text = if model.with(|state| matches!(state, Some(Err(_)))) {
                "This version cannot answer: see why above."
            } else {
                "Opening the model…"
            };
            return view! { <p class="empty">{text}</p> }.into_any();
        };
        let waiting = if drawable_shape(&signature).is_some() {
            "Draw something to see what the model makes of it."
        } else {
            "Change a value to see the prediction."
        };
        match answer.get() {
            None => view! { <p class="empty">{move || if thinking.get() { "Thinking…" } else { waiting }}</p> }.into_any(),
            Some(Err(problem)) => view! { <p class="error prediction-error">{problem}</p> }.into_any(),
            Some(Ok(prediction)) => prediction_view(&signature, prediction).into_any(),
        }
    };

    view! {
        <div class="predict-panel single-prediction">
            <h2>"Try one"</h2>
            <div class="single-layout">
                <div class="single-inputs">{form}</div>
                <div class="single-result" role="status" aria-live="polite"
                    class:busy=move || thinking.get() aria-busy=move || thinking.get().to_string()>
                    {result}
                </div>
            </div>
        </div>
    }
}

fn prediction_view(signature: &ModelSignature, prediction: Prediction) -> impl IntoView + use<> {
    match (&signature.output, prediction) {
        (
            Output::Classes {
                target,
                class_names,
            },
            Prediction::Class {
                label,
                probabilities,
            },
        ) => {
            let label = label as usize;
            let name = class_names
                .get(label)
                .cloned()
                .unwrap_or_else(|| format!("class {label}"));
            let bars = class_names
                .iter()
                .enumerate()
                .map(|(i, class)| {
                    let probability = probabilities.get(i).copied().unwrap_or(0.0);
                    let width = format!("width: {:.1}%", (probability * 100.0).clamp(0.0, 100.0));
                    view! {
                        <li class="prediction-bar" class:top={i == label}>
                            <span class="class-name">{class.clone()}</span>
                            <span class="bar"><span class="bar-fill" style=width></span></span>
                            <span class="prediction-probability" data-class=class.clone()>{percent(probability)}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="prediction">
                    <p class="prediction-caption">{format!("Predicted {target}")}</p>
                    <p class="prediction-label">{name}</p>
                    <ul class="prediction-bars">{bars}</ul>
                </div>
            }
            .into_any()
        }
        (Output::Value { target }, Prediction::Value(value)) => view! {
            <div class="prediction">
                <p class="prediction-caption">{format!("Predicted {target}")}</p>
                <p class="prediction-label">{value_text(signature, value)}</p>
            </div>
        }
        .into_any(),
        _ => view! { <p class="error prediction-error">"The model answered in a form its signature does not describe."</p> }
            .into_any(),
    }
}
