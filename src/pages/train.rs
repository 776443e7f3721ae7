//! The Train page: settings on the left, the run's live progress on the right.

use kindling_core::data::Dataset;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::evaluation::Report;
use kindling_core::metrics::EpochMetrics;
use kindling_core::protocol::RunOutcome;
use kindling_core::session::{RunProgress, RunStatus};
use kindling_core::spec::{
    Activation, Backend, DatasetSpec, EarlyStopping, ModelSpec, Optimizer, Schedule, StopMetric,
    TrainSpec, parse_hidden_layers,
};
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use crate::components::deferred::Deferred;
use crate::components::select::SelectOption;
use crate::lazy::not_loaded;
use crate::platform::tasks::next_task;

use crate::components::line_chart::{LineChart, Series};
use crate::components::progress_bar::ProgressBar;
use crate::components::scatter_plot::{ScatterPlot, ScatterPoint};
use crate::state::data::{DataChoice, SYNTHETIC_KEYS, Source, imported_key, parse_field};
use crate::state::training::Training;
use crate::state::workbench::{RunLabels, Workbench};

/// The form as typed: strings, so a half-typed number is not lost or "corrected" under the
/// person's fingers. It becomes a [`TrainSpec`] only when Train is pressed. App-wide, so
/// leaving the page and coming back (or "re-run" from a run's page) keeps it.
#[derive(Clone, Copy)]
pub struct TrainForm {
    model: RwSignal<String>,
    hidden_layers: RwSignal<String>,
    activation: RwSignal<String>,
    dropout: RwSignal<String>,
    filters: RwSignal<String>,
    pool: RwSignal<bool>,
    dense_units: RwSignal<String>,
    optimizer: RwSignal<String>,
    momentum: RwSignal<String>,
    learning_rate: RwSignal<String>,
    schedule: RwSignal<String>,
    step_every: RwSignal<String>,
    step_factor: RwSignal<String>,
    weight_decay: RwSignal<String>,
    batch_size: RwSignal<String>,
    epochs: RwSignal<String>,
    seed: RwSignal<String>,
    validation_percent: RwSignal<String>,
    test_percent: RwSignal<String>,
    early_stopping: RwSignal<bool>,
    stop_metric: RwSignal<String>,
    patience: RwSignal<String>,
    min_delta: RwSignal<String>,
    run_name: RwSignal<String>,
    tags: RwSignal<String>,
    note: RwSignal<String>,
    /// The spec the form was last filled from: what the form does not show (the split's seed,
    /// the backend) is taken from it, so a re-run is the same run.
    filled: StoredValue<TrainSpec>,
}

impl TrainForm {
    fn new() -> Self {
        let text = |value: &str| RwSignal::new(value.to_owned());
        let form = Self {
            model: text(""),
            hidden_layers: text(""),
            activation: text(""),
            dropout: text(""),
            filters: text(""),
            pool: RwSignal::new(true),
            dense_units: text(""),
            optimizer: text(""),
            momentum: text("0.9"),
            learning_rate: text(""),
            schedule: text(""),
            step_every: text("30"),
            step_factor: text("0.5"),
            weight_decay: text(""),
            batch_size: text(""),
            epochs: text(""),
            seed: text(""),
            validation_percent: text(""),
            test_percent: text(""),
            early_stopping: RwSignal::new(false),
            stop_metric: text("loss"),
            patience: text("10"),
            min_delta: text("0"),
            run_name: text(""),
            tags: text(""),
            note: text(""),
            filled: StoredValue::new(TrainSpec::default()),
        };
        form.fill(&TrainSpec::default());
        form
    }

    /// Sets every field from a spec (a preset, or a run being re-run).
    pub fn fill(&self, spec: &TrainSpec) {
        self.filled.set_value(spec.clone());
        let small_cnn = ModelSpec::small_cnn();
        let (filters, pool, dense_units) = match &spec.model {
            ModelSpec::Cnn {
                filters,
                pool,
                dense_units,
            } => (*filters, *pool, *dense_units),
            _ => match small_cnn {
                ModelSpec::Cnn {
                    filters,
                    pool,
                    dense_units,
                } => (filters, pool, dense_units),
                _ => unreachable!("small_cnn is a CNN"),
            },
        };
        let (kind, layers, activation, dropout) = match &spec.model {
            ModelSpec::Mlp {
                hidden_layers,
                activation,
                dropout,
            } => {
                let layers: Vec<String> = hidden_layers.iter().map(ToString::to_string).collect();
                ("mlp", layers.join(", "), *activation, *dropout)
            }
            ModelSpec::Linear => ("linear", "64, 64".into(), Activation::Relu, 0.0),
            ModelSpec::Cnn { .. } => ("cnn", "64, 64".into(), Activation::Relu, 0.0),
        };
        self.model.set(kind.into());
        self.hidden_layers.set(layers);
        self.activation.set(activation.label().into());
        self.dropout.set(dropout.to_string());
        self.filters.set(filters.to_string());
        self.pool.set(pool);
        self.dense_units.set(dense_units.to_string());
        let optimizer = match spec.optimizer {
            Optimizer::Adam => "adam",
            Optimizer::AdamW => "adamw",
            Optimizer::Sgd { momentum } => {
                self.momentum.set(momentum.to_string());
                "sgd"
            }
        };
        self.optimizer.set(optimizer.into());
        self.learning_rate.set(spec.learning_rate.to_string());
        let schedule = match spec.schedule {
            Schedule::Constant => "constant",
            Schedule::Step {
                every_epochs,
                factor,
            } => {
                self.step_every.set(every_epochs.to_string());
                self.step_factor.set(factor.to_string());
                "step"
            }
            Schedule::Cosine => "cosine",
        };
        self.schedule.set(schedule.into());
        self.weight_decay.set(spec.weight_decay.to_string());
        self.batch_size.set(spec.batch_size.to_string());
        self.epochs.set(spec.epochs.to_string());
        self.seed.set(spec.seed.to_string());
        self.validation_percent
            .set(percent(spec.split.validation_fraction));
        self.test_percent.set(percent(spec.split.test_fraction));
        self.early_stopping.set(spec.early_stopping.is_some());
        if let Some(stopping) = spec.early_stopping {
            self.stop_metric.set(
                match stopping.metric {
                    StopMetric::ValidationLoss => "loss",
                    StopMetric::ValidationScore => "score",
                }
                .into(),
            );
            self.patience.set(stopping.patience.to_string());
            self.min_delta.set(stopping.min_delta.to_string());
        }
    }

    /// Prepares the form to train `run` again: its settings, tags and a note saying so.
    pub fn fill_for_rerun(&self, run: &kindling_core::tracking::RunRecord) {
        self.fill(&run.spec);
        let tags: Vec<&str> = run.tags.iter().map(String::as_str).collect();
        self.tags.set(tags.join(", "));
        self.note
            .set(format!("Re-run of {} ({})", run.name, run.id));
    }

    fn to_spec(self, dataset: DatasetSpec) -> Result<TrainSpec, String> {
        let model = match self.model.get().as_str() {
            "linear" => ModelSpec::Linear,
            "cnn" => ModelSpec::Cnn {
                filters: parse_field("Filters", &self.filters.get())?,
                pool: self.pool.get(),
                dense_units: parse_field("Dense units", &self.dense_units.get())?,
            },
            _ => ModelSpec::Mlp {
                hidden_layers: parse_hidden_layers(&self.hidden_layers.get())
                    .map_err(|error| format!("Hidden layers: {error}"))?,
                activation: Activation::ALL
                    .into_iter()
                    .find(|a| a.label() == self.activation.get())
                    .unwrap_or_default(),
                dropout: parse_field("Dropout", &self.dropout.get())?,
            },
        };
        let optimizer = match self.optimizer.get().as_str() {
            "adamw" => Optimizer::AdamW,
            "sgd" => Optimizer::Sgd {
                momentum: parse_field("Momentum", &self.momentum.get())?,
            },
            _ => Optimizer::Adam,
        };
        let schedule = match self.schedule.get().as_str() {
            "step" => Schedule::Step {
                every_epochs: parse_field("Step every", &self.step_every.get())?,
                factor: parse_field("Step factor", &self.step_factor.get())?,
            },
            "cosine" => Schedule::Cosine,
            _ => Schedule::Constant,
        };
        let early_stopping = if self.early_stopping.get() {
            Some(EarlyStopping {
                metric: if self.stop_metric.get() == "score" {
                    StopMetric::ValidationScore
                } else {
                    StopMetric::ValidationLoss
                },
                patience: parse_field("Patience", &self.patience.get())?,
                min_delta: parse_field("Minimum change", &self.min_delta.get())?,
            })
        } else {
            None
        };
        let filled = self.filled.get_value();
        let (validation_text, test_text) = (self.validation_percent.get(), self.test_percent.get());
        // Unchanged percentages keep the filled split exactly (they are shown rounded).
        let split = if validation_text.trim() == percent(filled.split.validation_fraction)
            && test_text.trim() == percent(filled.split.test_fraction)
        {
            filled.split
        } else {
            kindling_core::data::prepare::SplitSpec {
                validation_fraction: parse_field::<f64>("Validation %", &validation_text)? / 100.0,
                test_fraction: parse_field::<f64>("Test %", &test_text)? / 100.0,
                seed: filled.split.seed,
            }
        };
        let backend = if model == filled.model {
            filled.backend
        } else {
            Backend::FASTEST
        };
        let spec = TrainSpec {
            dataset,
            split,
            backend,
            model,
            optimizer,
            learning_rate: parse_field("Learning rate", &self.learning_rate.get())?,
            schedule,
            weight_decay: parse_field("Weight decay", &self.weight_decay.get())?,
            batch_size: parse_field("Batch size", &self.batch_size.get())?,
            epochs: parse_field("Epochs", &self.epochs.get())?,
            early_stopping,
            seed: parse_field("Seed", &self.seed.get())?,
        };
        spec.validate().map_err(|error| error.to_string())?;
        Ok(spec)
    }

    fn labels(self) -> RunLabels {
        RunLabels::from_fields(&self.run_name.get(), &self.tags.get(), &self.note.get())
    }
}

fn percent(fraction: f64) -> String {
    format!("{}", (fraction * 1000.0).round() / 10.0)
}

/// The form every visit to the Train page shares (provided by the app shell).
pub fn provide_train_form() {
    provide_context(TrainForm::new());
}

#[derive(Clone, Copy, PartialEq)]
enum ChartMetric {
    Loss,
    Accuracy,
}

#[component]
pub fn TrainPage() -> impl IntoView {
    let training = expect_context::<Training>();
    let workbench = expect_context::<Workbench>();
    let choice = expect_context::<DataChoice>();
    let form = expect_context::<TrainForm>();
    if form.run_name.get_untracked().is_empty() {
        form.run_name.set(training.suggest_name());
    }
    let form_error = RwSignal::new(None::<String>);
    let chart_metric = RwSignal::new(ChartMetric::Loss);

    let run = training.run;
    let run_id = Memo::new(move |_| run.with(|run| run.as_ref().map(|r| r.run_id.clone())));
    let is_active = Memo::new(move |_| training.is_active());
    let is_paused = Memo::new(move |_| {
        run.with(|run| {
            run.as_ref()
                .is_some_and(|run| run.status == RunStatus::Paused)
        })
    });

    let loading = RwSignal::new(false);
    let on_train = move |_| {
        form_error.set(None);
        loading.set(true);
        leptos::task::spawn_local(async move {
            let started = match choice.load(workbench).await {
                Ok((dataset_spec, data)) => form
                    .to_spec(dataset_spec)
                    .and_then(|spec| training.start(spec, data, form.labels())),
                Err(error) => Err(error),
            };
            loading.set(false);
            match started {
                Ok(()) => form.run_name.set(training.suggest_name()),
                Err(error) => form_error.set(Some(error)),
            }
        });
    };
    let apply_preset = move |_| {
        let bundled = match choice.source() {
            Source::Bundled(bundled) => Some(bundled),
            _ => None,
        };
        form.fill(&TrainSpec::preset_for(bundled));
    };
    let source = Memo::new(move |_| choice.source());
    let is_synthetic = move || matches!(source.get(), Source::Synthetic(_));
    let stored_datasets = move || {
        workbench
            .datasets
            .get()
            .into_iter()
            .map(|entry| view! { <SelectOption chosen=choice.key value=imported_key(&entry.id)>{entry.name}</SelectOption> })
            .collect_view()
    };

    view! {
        <section class="page train">
            <h1>"Train a model"</h1>
            <div class="train-layout">
                <form class="settings" on:submit=move |ev| ev.prevent_default()>
                    <fieldset>
                        <legend>"Data"</legend>
                        <div class="field">
                            <label for="field-dataset">"Dataset"</label>
                            <select id="field-dataset" name="dataset"
                                prop:value=move || choice.key.get()
                                on:change=move |ev| choice.key.set(event_target_value(&ev))>
                                {SYNTHETIC_KEYS.map(|(key, title)| view! { <SelectOption chosen=choice.key value=key>{title}</SelectOption> })}
                                <optgroup label="Real datasets">
                                    {BundledDataset::ALL.map(|bundled| view! {
                                        <SelectOption chosen=choice.key value=bundled.key()>{bundled.title()}</SelectOption>
                                    })}
                                </optgroup>
                                <optgroup label="Your datasets">{stored_datasets}</optgroup>
                            </select>
                            <small><a href="/data">"More about the data, or upload a CSV"</a></small>
                        </div>
                        <Show when=move || choice.key.get() == "blobs">
                            <TextField label="Classes" name="blob-classes" value=choice.blob_classes />
                        </Show>
                        <Show
                            when=is_synthetic
                            fallback=move || match source.get() {
                                Source::Bundled(bundled) => Some(view! {
                                    <p class="dataset-about">{bundled.description()}</p>
                                    <p class="dataset-credit"><small>"Source: " {bundled.credit()}</small></p>
                                }),
                                _ => None,
                            }
                        >
                            <TextField label="Points" name="sample-count" value=choice.sample_count />
                            <TextField label="Noise" name="noise" value=choice.noise />
                        </Show>
                        <button type="button" class="link preset" on:click=apply_preset
                            title="Model and training settings that work well for this dataset">
                            "Use the recommended settings for this dataset"
                        </button>
                    </fieldset>
                    <ModelFields form />
                    <TrainingFields form />
                    <fieldset>
                        <legend>"Run"</legend>
                        <TextField label="Run name" name="run-name" value=form.run_name text=true />
                        <TextField label="Tags" name="tags" value=form.tags text=true
                            hint="comma-separated, e.g. baseline, small" />
                        <div class="field">
                            <label for="field-note">"Note"</label>
                            <textarea id="field-note" name="note" rows="2"
                                prop:value=move || form.note.get()
                                on:input=move |ev| form.note.set(event_target_value(&ev))></textarea>
                        </div>
                    </fieldset>
                    <div class="actions">
                        <button type="button" class="primary" on:click=on_train disabled=move || is_active.get() || loading.get()>
                            "Train"
                        </button>
                        <button type="button" disabled=move || !is_active.get()
                            on:click=move |_| if is_paused.get() { training.resume() } else { training.pause() }>
                            {move || if is_paused.get() { "Resume" } else { "Pause" }}
                        </button>
                        <button type="button" class="danger" disabled=move || !is_active.get()
                            on:click=move |_| training.stop()>
                            "Stop"
                        </button>
                    </div>
                    <Show when=move || form_error.get().is_some()>
                        <p class="error" role="alert">{move || form_error.get()}</p>
                    </Show>
                </form>
                <div class="run-view">
                    <Deferred>
                        <Show
                            when=move || run.with(Option::is_some)
                            fallback=|| view! {
                                <p class="empty">"Press Train to start. The curves appear here as the model learns."</p>
                            }
                        >
                            // Keyed by run, so a new run's charts are built a task after the click.
                            {move || run_id.get().map(|_| view! {
                                <LazyRunView run chart_metric plotted=training.plotted_data />
                            })}
                            <Show when=move || {
                                let latest = run_id.get();
                                latest.is_some() && workbench.saved_run.get() == latest
                            }>
                                <p class="run-saved" role="status">
                                    "Saved to this browser. " <a href="/runs">"See all runs"</a>
                                </p>
                            </Show>
                        </Show>
                    </Deferred>
                </div>
            </div>
        </section>
    }
}

#[component]
fn ModelFields(form: TrainForm) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Model"</legend>
            <div class="field">
                <label for="field-model">"Model"</label>
                <select id="field-model" name="model"
                    prop:value=move || form.model.get()
                    on:change=move |ev| form.model.set(event_target_value(&ev))>
                    <SelectOption chosen=form.model value="mlp">"Multi-layer perceptron"</SelectOption>
                    <SelectOption chosen=form.model value="linear">"Linear (logistic / linear regression)"</SelectOption>
                    <SelectOption chosen=form.model value="cnn">"Small CNN (image data: digits)"</SelectOption>
                </select>
            </div>
            <Show when=move || form.model.get() == "mlp">
                <TextField label="Hidden layers" name="hidden-layers" value=form.hidden_layers
                    hint="units per layer, e.g. 64, 64" />
                <div class="field">
                    <label for="field-activation">"Activation"</label>
                    <select id="field-activation" name="activation"
                        prop:value=move || form.activation.get()
                        on:change=move |ev| form.activation.set(event_target_value(&ev))>
                        {Activation::ALL.map(|a| view! { <SelectOption chosen=form.activation value=a.label()>{a.label()}</SelectOption> })}
                    </select>
                </div>
                <TextField label="Dropout" name="dropout" value=form.dropout hint="0 to 0.9" />
            </Show>
            <Show when=move || form.model.get() == "cnn">
                <TextField label="Filters" name="filters" value=form.filters />
                <div class="field checkbox">
                    <label>
                        <input type="checkbox" name="pool" prop:checked=move || form.pool.get()
                            on:change=move |ev| form.pool.set(event_target_checked(&ev)) />
                        " 2×2 max-pool"
                    </label>
                </div>
                <TextField label="Dense units" name="dense-units" value=form.dense_units hint="0 for none" />
            </Show>
        </fieldset>
    }
}

#[component]
fn TrainingFields(form: TrainForm) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Training"</legend>
            <div class="field">
                <label for="field-optimizer">"Optimiser"</label>
                <select id="field-optimizer" name="optimizer"
                    prop:value=move || form.optimizer.get()
                    on:change=move |ev| form.optimizer.set(event_target_value(&ev))>
                    <SelectOption chosen=form.optimizer value="adam">"Adam"</SelectOption>
                    <SelectOption chosen=form.optimizer value="adamw">"AdamW (decoupled weight decay)"</SelectOption>
                    <SelectOption chosen=form.optimizer value="sgd">"SGD with momentum"</SelectOption>
                </select>
            </div>
            <Show when=move || form.optimizer.get() == "sgd">
                <TextField label="Momentum" name="momentum" value=form.momentum />
            </Show>
            <TextField label="Learning rate" name="learning-rate" value=form.learning_rate />
            <div class="field">
                <label for="field-schedule">"Schedule"</label>
                <select id="field-schedule" name="schedule"
                    prop:value=move || form.schedule.get()
                    on:change=move |ev| form.schedule.set(event_target_value(&ev))>
                    <SelectOption chosen=form.schedule value="constant">"Constant"</SelectOption>
                    <SelectOption chosen=form.schedule value="step">"Step decay"</SelectOption>
                    <SelectOption chosen=form.schedule value="cosine">"Cosine to zero"</SelectOption>
                </select>
            </div>
            <Show when=move || form.schedule.get() == "step">
                <TextField label="Step every (epochs)" name="step-every" value=form.step_every />
                <TextField label="Step factor" name="step-factor" value=form.step_factor />
            </Show>
            <TextField label="Weight decay" name="weight-decay" value=form.weight_decay />
            <TextField label="Batch size" name="batch-size" value=form.batch_size />
            <TextField label="Epochs" name="epochs" value=form.epochs />
            <TextField label="Seed" name="seed" value=form.seed />
            <TextField label="Validation %" name="validation-percent" value=form.validation_percent />
            <TextField label="Test %" name="test-percent" value=form.test_percent />
            <div class="field checkbox">
                <label>
                    <input type="checkbox" name="early-stopping" prop:checked=move || form.early_stopping.get()
                        on:change=move |ev| form.early_stopping.set(event_target_checked(&ev)) />
                    " Early stopping"
                </label>
            </div>
            <Show when=move || form.early_stopping.get()>
                <div class="field">
                    <label for="field-stop-metric">"Watch"</label>
                    <select id="field-stop-metric" name="stop-metric"
                        prop:value=move || form.stop_metric.get()
                        on:change=move |ev| form.stop_metric.set(event_target_value(&ev))>
                        <SelectOption chosen=form.stop_metric value="loss">"validation loss"</SelectOption>
                        <SelectOption chosen=form.stop_metric value="score">"validation accuracy / R²"</SelectOption>
                    </select>
                </div>
                <TextField label="Patience (epochs)" name="patience" value=form.patience />
                <TextField label="Minimum change" name="min-delta" value=form.min_delta />
            </Show>
        </fieldset>
    }
}

#[component]
fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    /// Free text rather than a number (no decimal keypad on phones).
    #[prop(optional)]
    text: bool,
) -> impl IntoView {
    let input_id = format!("field-{name}");
    let hint_id = format!("hint-{name}");
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <input type="text" id=input_id name=name inputmode=if text { "text" } else { "decimal" }
                autocomplete="off"
                aria-describedby=hint.map(|_| hint_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
            {hint.map(|hint| view! { <small id=hint_id>{hint}</small> })}
        </div>
    }
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
fn LazyRunView(
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
    let tab = move |metric: ChartMetric, text: &'static str| {
        view! {
            <button type="button" role="tab" class="tab"
                aria-selected=move || (chart_metric.get() == metric).to_string()
                on:click=move |_| chart_metric.set(metric)>
                {text}
            </button>
        }
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
        <div class="chart-tabs" role="tablist">
            {tab(ChartMetric::Loss, "Loss")}
            {tab(ChartMetric::Accuracy, "Accuracy")}
        </div>
        <LineChart series x_label="epoch" y_label=Signal::derive(y_label) />
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

/// Accuracy as a percentage, or R².
pub fn headline(report: &Report) -> String {
    match report {
        Report::Classification(report) => format!("{:.1}%", report.accuracy * 100.0),
        Report::Regression(report) => report.r2.map_or("—".to_owned(), |r2| format!("{r2:.3}")),
    }
}

/// The secondary scores in one line.
pub fn report_summary(report: &Report) -> String {
    match report {
        Report::Classification(report) => format!(
            "Log loss {:.4}, macro F1 {:.3}{}",
            report.log_loss,
            report.macro_f1,
            report
                .roc_auc
                .map(|auc| format!(", ROC-AUC {auc:.3}"))
                .unwrap_or_default()
        ),
        Report::Regression(report) => format!("RMSE {:.4}, MAE {:.4}", report.rmse, report.mae),
    }
}
