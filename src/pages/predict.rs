//! The Predict page: try a registered model version. Pick a version, then type a row of
//! feature values (or, for an image model, draw) and see the answer as you go; or drop a CSV
//! file to score every row and download the answers beside the original columns.
//!
//! Answers come from the model worker, which keeps the version's package loaded under its
//! sha256, so only the first request of a version pays for opening it.

use std::rc::Rc;

use kindling_core::data::csv::{CsvError, Table, read_rows_to_score};
use kindling_core::protocol::ModelSource;
use kindling_core::registry::{CHAMPION, ModelVersion, RegisteredModel};
use kindling_core::signature::{ModelSignature, Output, Prediction};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::digit_canvas::DigitCanvas;
use crate::components::drop_zone::{DropZone, FilePicker};
use crate::components::select::SelectOption;
use crate::platform::files::{self, PickedFile};
use crate::state::models::Models;
use crate::state::registry::Registry;

/// Rows shown in the batch preview.
const PREVIEW_ROWS: usize = 10;
/// Cells that are not numbers, listed before "and N more".
const MAX_PROBLEMS: usize = 5;
/// Feature names listed in "the model needs: …" before "and N more".
const MAX_LISTED: usize = 16;

/// A version ready to answer: its record and its stored package, fetched once per choice.
struct Loaded {
    version: ModelVersion,
    package: Rc<Vec<u8>>,
}

impl Loaded {
    /// The worker keeps loaded models under this key.
    fn key(&self) -> String {
        if self.version.package_sha256.is_empty() {
            choice_key(&self.version.model, self.version.version)
        } else {
            self.version.package_sha256.clone()
        }
    }

    /// The package to send when the worker does not hold the model yet.
    fn source(&self) -> impl FnOnce() -> ModelSource + 'static {
        let package = Rc::clone(&self.package);
        move || ModelSource::Package(package.as_ref().clone())
    }
}

/// The picked version's state: `None` while nothing is picked or its package is on its way.
type ModelState = Option<Result<Rc<Loaded>, String>>;

/// One `<option>` of the version select.
#[derive(Debug, Clone, PartialEq)]
struct Choice {
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

/// Bumps a request counter and returns the new ticket; an answer whose ticket is no longer
/// the latest is stale and dropped.
fn next_ticket(counter: StoredValue<u64>) -> u64 {
    counter.update_value(|n| *n += 1);
    counter.get_value()
}

/// The version the page opens on: the one named by `?model=…&version=…` (a number, `v3`, or
/// an alias), else that model's champion or newest version, else the first model's champion,
/// else the newest version of all. Archived versions are never chosen.
fn default_choice(
    models: &[RegisteredModel],
    versions: &[ModelVersion],
    wanted_model: Option<&str>,
    wanted_version: Option<&str>,
) -> Option<String> {
    let live = || versions.iter().filter(|v| !v.archived);
    let exists = |name: &str, number: u32| live().any(|v| v.model == name && v.version == number);
    let alias = |name: &str, alias: &str| {
        models
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.aliases.get(alias).copied())
    };
    let newest = |name: Option<&str>| {
        live()
            .filter(|v| name.is_none_or(|name| v.model == name))
            .max_by(|a, b| {
                (a.created_ms, a.version)
                    .partial_cmp(&(b.created_ms, b.version))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|v| choice_key(&v.model, v.version))
    };
    if let Some(name) = wanted_model {
        let number = match wanted_version {
            Some(text) => text
                .trim_start_matches('v')
                .parse()
                .ok()
                .or_else(|| alias(name, text)),
            None => alias(name, CHAMPION),
        };
        if let Some(number) = number.filter(|&n| exists(name, n)) {
            return Some(choice_key(name, number));
        }
        if wanted_version.is_none()
            && let Some(key) = newest(Some(name))
        {
            return Some(key);
        }
    }
    if let Some(first) = models.first()
        && let Some(&number) = first.aliases.get(CHAMPION)
        && exists(&first.name, number)
    {
        return Some(choice_key(&first.name, number));
    }
    newest(None)
}

/// Decimals that show `spread` to two significant digits (0.83 → 2, 12 → 0), at most 6.
fn decimals_for(spread: f32) -> usize {
    if !spread.is_finite() || spread <= 0.0 {
        return 2;
    }
    (1 - spread.log10().floor() as i32).clamp(0, 6) as usize
}

fn fixed(value: f32, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    // "-0.00" reads as a sign that means nothing.
    if text.starts_with('-')
        && text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
    {
        text[1..].to_owned()
    } else {
        text
    }
}

/// Each feature's name, training mean and spread as text: the input's first value and its
/// hint.
fn feature_rows(signature: &ModelSignature) -> Vec<(String, String, String)> {
    let features = &signature.preprocessing.features;
    signature
        .feature_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mean = features.mean.get(i).copied().unwrap_or(0.0);
            let std = features.std.get(i).copied().unwrap_or(1.0);
            let decimals = decimals_for(std);
            (name.clone(), fixed(mean, decimals), fixed(std, decimals))
        })
        .collect()
}

/// The typed values as a row for the model, or what to fix.
fn parse_inputs(signature: &ModelSignature, values: &[String]) -> Result<Vec<f32>, String> {
    signature
        .feature_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let text = values.get(i).map(|v| v.trim()).unwrap_or_default();
            match text.parse::<f32>() {
                Ok(value) if value.is_finite() => Ok(value),
                _ if text.is_empty() => Err(format!("Enter a number for {name}.")),
                _ => Err(format!("{name}: '{text}' is not a number.")),
            }
        })
        .collect()
}

/// The grid shape for drawing, when the model reads an image whose pixels are its features.
fn drawable_shape(signature: &ModelSignature) -> Option<(usize, usize)> {
    signature
        .image_shape
        .filter(|shape| shape.height * shape.width == signature.input_size() && shape.height > 0)
        .map(|shape| (shape.height, shape.width))
}

/// The value of a fully inked pixel, in the training images' units.
///
/// The drawing arrives as coverage in 0..=1 per cell and must be put in the range the model was
/// trained on, which the signature does not state. It is judged from the largest per-pixel
/// training mean: the smallest of the usual ranges 0..1, 0..16 (the 8x8 digits, where each
/// pixel counts the inked dots of a 4x4 block, and the busiest pixel averages about 12) and
/// 0..255 (8-bit greyscale) that holds it. Any image set whose pixels were stored in one of
/// those ranges is mapped exactly; nothing else is guessed.
fn ink_scale(signature: &ModelSignature) -> f32 {
    let largest_mean = signature
        .preprocessing
        .features
        .mean
        .iter()
        .copied()
        .filter(|m| m.is_finite())
        .fold(0.0f32, f32::max);
    [1.0, 16.0, 255.0]
        .into_iter()
        .find(|&top| largest_mean <= top)
        .unwrap_or(255.0)
}

/// What a version does, in one line.
fn describe(signature: &ModelSignature) -> String {
    let inputs = match drawable_shape(signature) {
        Some((height, width)) => format!("an image of {height}x{width} pixels"),
        None if signature.input_size() == 1 => "1 feature".to_owned(),
        None => format!("{} features", signature.input_size()),
    };
    match &signature.output {
        Output::Classes {
            target,
            class_names,
        } => format!(
            "Predicts {target} ({} classes: {}) from {inputs}.",
            class_names.len(),
            listed(class_names)
        ),
        Output::Value { target } => format!("Predicts {target} (a number) from {inputs}."),
    }
}

/// Names joined with commas, the first few only.
fn listed(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(MAX_LISTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        text.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    text
}

fn percent(probability: f32) -> String {
    format!("{:.1} %", probability * 100.0)
}

/// A regressor's answer as text, to about three significant digits of the target's spread.
fn value_text(signature: &ModelSignature, value: f32) -> String {
    let spread = signature
        .preprocessing
        .target
        .as_ref()
        .map_or(1.0, |scaling| scaling.std);
    fixed(value, decimals_for(spread / 10.0))
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
                    Choice {
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
            default_choice(&models, versions, model.as_deref(), version.as_deref())
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
                        <div class="field">
                            <label for="predict-version">"Model version"</label>
                            <select id="predict-version" name="predict-version"
                                prop:value=move || selected.get()
                                on:change=move |ev| selected.set(event_target_value(&ev))>
                                {move || choices.get().into_iter().map(|choice| view! {
                                    <SelectOption chosen=selected value=choice.key>{choice.label}</SelectOption>
                                }).collect_view()}
                            </select>
                        </div>
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

/// What the inputs look like for a version: typed features (name, mean, spread as text) or a
/// drawing grid with the value of a fully inked cell.
#[derive(Debug, Clone, PartialEq)]
enum InputForm {
    Features(Vec<(String, String, String)>),
    Drawing {
        rows: usize,
        columns: usize,
        scale: f32,
    },
}

impl InputForm {
    fn of(signature: &ModelSignature) -> Self {
        match drawable_shape(signature) {
            Some((rows, columns)) => Self::Drawing {
                rows,
                columns,
                scale: ink_scale(signature),
            },
            None => Self::Features(feature_rows(signature)),
        }
    }

    /// The values the inputs start from: the training means.
    fn typical(&self) -> Vec<String> {
        match self {
            Self::Features(rows) => rows.iter().map(|(_, mean, _)| mean.clone()).collect(),
            Self::Drawing { .. } => Vec::new(),
        }
    }
}

/// One row typed (or drawn) in and its answer, renewed on every change.
#[component]
fn SinglePrediction(model: RwSignal<ModelState, LocalStorage>) -> impl IntoView {
    let models = expect_context::<Models>();
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

    // New inputs (a version that reads other features): start from its typical row and a blank
    // canvas, as the form is rebuilt.
    Effect::new(move |_| {
        let form = form_spec.get();
        inputs.set(form.as_ref().map(InputForm::typical).unwrap_or_default());
        drawing.set(None);
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
                Some(pixels) if pixels.len() != signature.input_size() => return,
                Some(pixels) => pixels,
                None => {
                    thinking.set(false);
                    answer.set(None);
                    return;
                }
            }
        } else {
            // Values typed for another version are about to be reset.
            if inputs.with(Vec::len) != signature.input_size() {
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
                    drawing.set(pixels.map(|cells| cells.into_iter().map(|c| c * scale).collect()));
                });
                view! {
                    <p class="hint">"Draw with the mouse, a pen or a finger; the answer follows each stroke."</p>
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
            InputForm::Features(rows) => {
                let typical: Vec<String> = rows.iter().map(|(_, mean, _)| mean.clone()).collect();
                let reset = move |_| {
                    inputs.set(typical.clone());
                    form_generation.update(|n| *n += 1);
                };
                view! {
                    <form class="feature-form" on:submit=|ev| ev.prevent_default()>
                        // Built with the typical values, as `inputs` is whenever the form is
                        // (new inputs, or "Back to typical values"); typing then updates both.
                        {move || {
                            form_generation.track();
                            rows.iter().enumerate().map(|(i, (name, mean, std))| {
                                let id = format!("feature-{i}");
                                view! {
                                    <div class="field feature-field">
                                        <label for=id.clone()>{name.clone()}</label>
                                        <input type="number" step="any" id=id data-feature=name.clone()
                                            autocomplete="off" prop:value=mean.clone()
                                            on:input=move |ev| {
                                                let text = event_target_value(&ev);
                                                inputs.update(|values| {
                                                    if let Some(slot) = values.get_mut(i) {
                                                        *slot = text;
                                                    }
                                                });
                                            } />
                                        <small class="feature-hint">{format!("typically {mean} ± {std}")}</small>
                                    </div>
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

/// A CSV file picked for scoring.
struct BatchFile {
    name: String,
    table: Table,
}

/// Scored rows, ready to preview and download.
#[derive(Debug, Clone, PartialEq)]
struct Scored {
    /// The file's columns, then the prediction columns.
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// How many of `header`'s columns came from the file.
    original_columns: usize,
    /// The prediction columns' text as the preview shows it (probabilities as percentages).
    preview: Vec<Vec<String>>,
    summary: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum BatchState {
    Idle,
    Working(String),
    Failed {
        heading: String,
        problems: Vec<String>,
    },
    Done(Box<Scored>),
}

/// Reads a CSV to score; a file with a header and no rows is said in this page's words.
fn read_rows(bytes: &[u8]) -> Result<Table, String> {
    read_rows_to_score(bytes).map_err(|error| match error {
        CsvError::TooFewRows { .. } => "the file has column names but no rows to score".to_owned(),
        error => error.to_string(),
    })
}

/// The model's rows from the file, or everything that stops them.
fn feature_matrix(
    signature: &ModelSignature,
    table: &Table,
) -> Result<(Vec<f32>, Vec<String>), BatchState> {
    let index_of = |name: &str| table.header.iter().position(|h| h == name);
    let missing: Vec<&String> = signature
        .feature_names
        .iter()
        .filter(|name| index_of(name).is_none())
        .collect();
    if !missing.is_empty() {
        let quoted = missing
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if missing.len() == 1 {
            "column"
        } else {
            "columns"
        };
        return Err(BatchState::Failed {
            heading: format!(
                "the file has no {noun} {quoted}; the model needs: {}",
                listed(&signature.feature_names)
            ),
            problems: Vec::new(),
        });
    }
    let indices: Vec<usize> = signature
        .feature_names
        .iter()
        .filter_map(|name| index_of(name))
        .collect();
    let mut notes = Vec::new();
    let unused: Vec<String> = table
        .header
        .iter()
        .filter(|h| !signature.feature_names.contains(h))
        .cloned()
        .collect();
    match unused.len() {
        0 => {}
        1 => notes.push(format!(
            "1 column the model does not use was passed through: {}",
            unused[0]
        )),
        count => notes.push(format!(
            "{count} columns the model does not use were passed through: {}",
            listed(&unused)
        )),
    }
    let rows = table.row_count();
    let mut values = Vec::with_capacity(rows * indices.len());
    let mut problems = Vec::new();
    let mut problem_count = 0usize;
    for row in 0..rows {
        for &column in &indices {
            let cell = &table.columns[column][row];
            match cell.parse::<f32>() {
                Ok(value) if value.is_finite() => values.push(value),
                _ => {
                    problem_count += 1;
                    if problems.len() < MAX_PROBLEMS {
                        let name = &table.header[column];
                        problems.push(if cell.is_empty() {
                            format!("row {}, column '{name}' is empty", row + 1)
                        } else {
                            format!("row {}, column '{name}': '{cell}' is not a number", row + 1)
                        });
                    }
                }
            }
        }
    }
    if problem_count > 0 {
        if problem_count > problems.len() {
            problems.push(format!(
                "and {} more cells like these",
                problem_count - problems.len()
            ));
        }
        let heading = if problem_count == 1 {
            "1 cell the model needs is not a number, so nothing was scored:".to_owned()
        } else {
            format!("{problem_count} cells the model needs are not numbers, so nothing was scored:")
        };
        return Err(BatchState::Failed { heading, problems });
    }
    Ok((values, notes))
}

/// The file's rows with the answers beside them, and what to say about them.
fn scored(
    file: &BatchFile,
    version: &ModelVersion,
    predictions: &[Prediction],
    mut notes: Vec<String>,
) -> Result<Scored, String> {
    let table = &file.table;
    let rows = table.row_count();
    if predictions.len() != rows {
        return Err(format!(
            "the model answered {} rows of {rows}; nothing was scored",
            predictions.len()
        ));
    }
    let signature = &version.signature;
    let mut header = table.header.clone();
    let mut added = Vec::with_capacity(rows);
    let mut preview = Vec::new();
    match &signature.output {
        Output::Classes {
            target,
            class_names,
        } => {
            header.push(format!("predicted_{target}"));
            header.extend(
                class_names
                    .iter()
                    .map(|class| format!("probability_{class}")),
            );
            for (row, prediction) in predictions.iter().enumerate() {
                let Prediction::Class {
                    label,
                    probabilities,
                } = prediction
                else {
                    return Err("the model answered with numbers, not classes".to_owned());
                };
                let name = class_names
                    .get(*label as usize)
                    .cloned()
                    .unwrap_or_default();
                let mut cells = vec![name.clone()];
                cells.extend(probabilities.iter().map(|p| p.to_string()));
                added.push(cells);
                if row < PREVIEW_ROWS {
                    let mut shown = vec![name];
                    shown.extend(probabilities.iter().map(|&p| percent(p)));
                    preview.push(shown);
                }
            }
            if let Some(column) = table.header.iter().position(|h| h == target) {
                let (mut compared, mut agreed) = (0usize, 0usize);
                for (row, cells) in added.iter().enumerate() {
                    let given = &table.columns[column][row];
                    if class_names.contains(given) {
                        compared += 1;
                        agreed += usize::from(*given == cells[0]);
                    }
                }
                if compared > 0 {
                    notes.push(format!(
                        "The file's '{target}' column agrees with the predictions on {agreed} of {compared} rows ({}).",
                        percent(agreed as f32 / compared as f32)
                    ));
                }
            }
        }
        Output::Value { target } => {
            header.push(format!("predicted_{target}"));
            let mut errors = Vec::new();
            let column = table.header.iter().position(|h| h == target);
            for (row, prediction) in predictions.iter().enumerate() {
                let Prediction::Value(value) = prediction else {
                    return Err("the model answered with classes, not numbers".to_owned());
                };
                added.push(vec![value.to_string()]);
                if row < PREVIEW_ROWS {
                    preview.push(vec![value_text(signature, *value)]);
                }
                if let Some(column) = column
                    && let Ok(given) = table.columns[column][row].parse::<f32>()
                    && given.is_finite()
                {
                    errors.push((given - value).abs());
                }
            }
            if !errors.is_empty() {
                let mean = errors.iter().sum::<f32>() / errors.len() as f32;
                notes.push(format!(
                    "Against the file's '{target}' column the predictions are off by {} on average (mean absolute error over {} rows).",
                    value_text(signature, mean),
                    errors.len()
                ));
            }
        }
    }
    let rows_text = if rows == 1 {
        "1 row".to_owned()
    } else {
        format!("{rows} rows")
    };
    notes.insert(
        0,
        format!(
            "Scored {rows_text} of {} with {} v{}.",
            file.name, version.model, version.version
        ),
    );
    let rows = (0..rows)
        .zip(added)
        .map(|(row, added)| {
            let mut cells: Vec<String> = table.columns.iter().map(|c| c[row].clone()).collect();
            cells.extend(added);
            cells
        })
        .collect();
    Ok(Scored {
        original_columns: table.header.len(),
        header,
        rows,
        preview,
        summary: notes,
    })
}

/// One CSV cell, quoted when it holds a comma, a quote or a line break. Text a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@` at the start, from a class name or a
/// passed-through cell) gets a leading `'`; numbers are left as they are.
fn csv_field(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn to_csv(scored: &Scored) -> String {
    let mut text = String::new();
    for line in std::iter::once(&scored.header).chain(&scored.rows) {
        let fields: Vec<String> = line.iter().map(|field| csv_field(field)).collect();
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    text
}

/// Score a whole file: drop or pick a CSV, check it against the model, answer every row in one
/// request, preview the first rows and download them all.
#[component]
fn BatchScoring(model: RwSignal<ModelState, LocalStorage>) -> impl IntoView {
    let models = expect_context::<Models>();
    let file = RwSignal::new_local(None::<Rc<BatchFile>>);
    let state = RwSignal::new(BatchState::Idle);
    let reads = StoredValue::new(0u64);
    let scorings = StoredValue::new(0u64);

    let read = move |picked: PickedFile| {
        let ticket = next_ticket(reads);
        file.set(None);
        state.set(BatchState::Working(format!("Reading {}…", picked.name)));
        leptos::task::spawn_local(async move {
            let table = match picked.bytes().await {
                Ok(bytes) => read_rows(&bytes),
                Err(error) => Err(error),
            };
            if reads.try_get_value() != Some(ticket) {
                return;
            }
            match table {
                Ok(table) => file.set(Some(Rc::new(BatchFile {
                    name: picked.name,
                    table,
                }))),
                Err(error) => state.set(BatchState::Failed {
                    heading: format!("{}: {error}", picked.name),
                    problems: Vec::new(),
                }),
            }
        });
    };
    // Scores the file against the chosen version; again when either changes.
    Effect::new(move |_| {
        let ticket = next_ticket(scorings);
        let Some(batch) = file.get() else {
            return;
        };
        let loaded = match model.get() {
            Some(Ok(loaded)) => loaded,
            Some(Err(_)) => return state.set(BatchState::Idle),
            None => return state.set(BatchState::Working("Waiting for the model…".into())),
        };
        let (rows, notes) = match feature_matrix(&loaded.version.signature, &batch.table) {
            Ok(found) => found,
            Err(failed) => return state.set(failed),
        };
        state.set(BatchState::Working(format!(
            "Scoring {} rows of {}…",
            batch.table.row_count(),
            batch.name
        )));
        let (key, source) = (loaded.key(), loaded.source());
        leptos::task::spawn_local(async move {
            let answer = models.predict(key, source, rows).await;
            if scorings.try_get_value() != Some(ticket) {
                return;
            }
            let outcome =
                answer.and_then(|predictions| scored(&batch, &loaded.version, &predictions, notes));
            state.set(match outcome {
                Ok(scored) => BatchState::Done(Box::new(scored)),
                Err(error) => BatchState::Failed {
                    heading: format!("{}: {error}", batch.name),
                    problems: Vec::new(),
                },
            });
        });
    });

    let download = move |_| {
        let text = state.with_untracked(|state| match state {
            BatchState::Done(scored) => Some(to_csv(scored)),
            _ => None,
        });
        if let Some(text) = text
            && let Err(error) = files::download_text("predictions.csv", &text, "text/csv")
        {
            state.set(BatchState::Failed {
                heading: error,
                problems: Vec::new(),
            });
        }
    };
    let outcome = move || {
        match state.get() {
        BatchState::Idle => None,
        BatchState::Working(text) => Some(view! { <p class="empty batch-working">{text}</p> }.into_any()),
        BatchState::Failed { heading, problems } => Some(view! {
            <div class="error batch-error" role="alert">
                <p>{heading}</p>
                {(!problems.is_empty()).then(|| view! {
                    <ul>{problems.into_iter().map(|problem| view! { <li>{problem}</li> }).collect_view()}</ul>
                })}
            </div>
        }.into_any()),
        BatchState::Done(scored) => {
            let summary = scored
                .summary
                .iter()
                .map(|line| view! { <p>{line.clone()}</p> })
                .collect_view();
            Some(view! {
            <div class="batch-summary" role="status">{summary}</div>
            <p><button type="button" id="batch-download" class="primary" on:click=download>"Download predictions.csv"</button></p>
            <BatchPreview scored=*scored />
        }.into_any())
        }
    }
    };

    view! {
        <div class="predict-panel batch-scoring">
            <h2>"Score a file"</h2>
            <DropZone class="drop-zone batch-drop" on_file=read>
                <p>"Drop a CSV file here, or "
                    <FilePicker on_file=read id="batch-file" accept=".csv,.tsv,.txt,text/csv" />
                </p>
                <p class="hint">
                    "It needs a header row naming the model's feature columns; other columns are kept. \
                     You get them back with the predictions beside them."
                </p>
            </DropZone>
            {outcome}
        </div>
    }
}

/// The first rows with their answers in front.
#[component]
fn BatchPreview(scored: Scored) -> impl IntoView {
    let Scored {
        header,
        rows,
        original_columns,
        preview,
        ..
    } = scored;
    let (originals, added) = header.split_at(original_columns);
    let head = added
        .iter()
        .map(|name| (name, true))
        .chain(originals.iter().map(|name| (name, false)))
        .map(|(name, predicted)| view! { <th class:predicted=predicted>{name.clone()}</th> })
        .collect_view();
    let body = rows
        .iter()
        .zip(&preview)
        .map(|(row, shown)| {
            let cells = shown
                .iter()
                .map(|cell| (cell, true))
                .chain(row[..original_columns].iter().map(|cell| (cell, false)))
                .map(
                    |(cell, predicted)| view! { <td class:predicted=predicted>{cell.clone()}</td> },
                )
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    let total = rows.len();
    view! {
        <h3>{if total > PREVIEW_ROWS { format!("The first {PREVIEW_ROWS} of {total} rows") } else { "Every row".to_owned() }}</h3>
        <div class="table-wrap">
            <table class="batch-preview">
                <thead><tr>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn cells_are_quoted_and_formulas_defused_but_numbers_kept() {
        assert_eq!(csv_field("setosa"), "setosa");
        assert_eq!(csv_field("small, early"), "\"small, early\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-1.5"), "-1.5");
        assert_eq!(csv_field("+3"), "+3");
    }
}
