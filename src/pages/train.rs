//! The Train page: settings on the left, the run's live progress on the right.

use std::cell::RefCell;
use std::collections::HashMap;

use kindling_core::data::Dataset;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::evaluation::Report;
use kindling_core::metrics::EpochMetrics;
use kindling_core::protocol::RunOutcome;
use kindling_core::session::{RunProgress, RunStatus};
use kindling_core::spec::{
    Backend, DatasetSpec, ModelSpec, Optimizer, TrainSpec, parse_hidden_layers,
};
use leptos::prelude::*;

use crate::components::line_chart::{LineChart, Series};
use crate::components::progress_bar::ProgressBar;
use crate::platform::fetch::fetch_bytes;
use crate::state::training::Training;

/// The form as typed: strings, so a half-typed number is not lost or "corrected" under the
/// person's fingers. It becomes a [`TrainSpec`] only when Train is pressed.
#[derive(Clone, Copy)]
struct TrainForm {
    dataset: RwSignal<String>,
    model: RwSignal<String>,
    blob_classes: RwSignal<String>,
    sample_count: RwSignal<String>,
    noise: RwSignal<String>,
    hidden_layers: RwSignal<String>,
    learning_rate: RwSignal<String>,
    batch_size: RwSignal<String>,
    epochs: RwSignal<String>,
    seed: RwSignal<String>,
}

impl TrainForm {
    fn from_spec(spec: &TrainSpec) -> Self {
        let DatasetSpec::Synthetic(data) = &spec.dataset else {
            unreachable!("the form starts from the default spec, a synthetic set");
        };
        let layers = match &spec.model {
            ModelSpec::Mlp { hidden_layers, .. } => {
                hidden_layers.iter().map(usize::to_string).collect()
            }
            ModelSpec::Linear | ModelSpec::Cnn { .. } => Vec::new(),
        };
        let blob_classes = match data.kind {
            SyntheticKind::Blobs { classes } => classes,
            _ => 3,
        };
        Self {
            dataset: RwSignal::new(dataset_key(data.kind).to_owned()),
            model: RwSignal::new("mlp".to_owned()),
            blob_classes: RwSignal::new(blob_classes.to_string()),
            sample_count: RwSignal::new(data.sample_count.to_string()),
            noise: RwSignal::new(data.noise.to_string()),
            hidden_layers: RwSignal::new(layers.join(", ")),
            learning_rate: RwSignal::new(spec.learning_rate.to_string()),
            batch_size: RwSignal::new(spec.batch_size.to_string()),
            epochs: RwSignal::new(spec.epochs.to_string()),
            seed: RwSignal::new(spec.seed.to_string()),
        }
    }

    fn to_spec(self) -> Result<TrainSpec, String> {
        let seed = parse_field::<u64>("Seed", &self.seed.get())?;
        let key = self.dataset.get();
        let dataset = match bundled_from_key(&key) {
            Some(bundled) => DatasetSpec::Bundled(bundled),
            None => DatasetSpec::Synthetic(SyntheticSpec {
                kind: match key.as_str() {
                    "circles" => SyntheticKind::Circles,
                    "xor" => SyntheticKind::Xor,
                    "moons" => SyntheticKind::Moons,
                    "sine" => SyntheticKind::Sine,
                    "plane" => SyntheticKind::Plane,
                    "blobs" => SyntheticKind::Blobs {
                        classes: parse_field("Classes", &self.blob_classes.get())?,
                    },
                    _ => SyntheticKind::Spiral,
                },
                sample_count: parse_field("Points", &self.sample_count.get())?,
                noise: parse_field("Noise", &self.noise.get())?,
                // The data's seed follows the run's, so one number reproduces the whole run.
                seed: seed as u32,
            }),
        };
        let model = match self.model.get().as_str() {
            "linear" => ModelSpec::Linear,
            "cnn" => ModelSpec::small_cnn(),
            _ => ModelSpec::mlp(
                parse_hidden_layers(&self.hidden_layers.get())
                    .map_err(|error| format!("Hidden layers: {error}"))?,
            ),
        };
        let spec = TrainSpec {
            dataset,
            backend: Backend::fastest_for(&model),
            model,
            optimizer: Optimizer::Adam,
            learning_rate: parse_field("Learning rate", &self.learning_rate.get())?,
            batch_size: parse_field("Batch size", &self.batch_size.get())?,
            epochs: parse_field("Epochs", &self.epochs.get())?,
            seed,
            ..TrainSpec::default()
        };
        spec.validate().map_err(|error| error.to_string())?;
        Ok(spec)
    }
}

/// The `<select>` value of a bundled dataset: its file name without `.csv`.
fn bundled_key(bundled: BundledDataset) -> &'static str {
    bundled.file_name().trim_end_matches(".csv")
}

fn bundled_from_key(key: &str) -> Option<BundledDataset> {
    BundledDataset::ALL
        .into_iter()
        .find(|&bundled| bundled_key(bundled) == key)
}

thread_local! {
    /// Bundled datasets already fetched and parsed: a second run on one reads neither again.
    static BUNDLED_LOADED: RefCell<HashMap<BundledDataset, Dataset>> = RefCell::default();
}

/// The data a spec names: generated here, or fetched from the served CSV files and parsed.
async fn load_data(spec: &DatasetSpec) -> Result<Dataset, String> {
    match spec {
        DatasetSpec::Synthetic(synthetic) => synthetic.generate().map_err(|e| e.to_string()),
        DatasetSpec::Bundled(bundled) => {
            if let Some(data) = BUNDLED_LOADED.with_borrow(|loaded| loaded.get(bundled).cloned()) {
                return Ok(data);
            }
            let bytes = fetch_bytes(&format!("datasets/{}", bundled.file_name())).await?;
            let data = bundled
                .parse(&bytes)
                .map_err(|error| format!("{}: {error}", bundled.file_name()))?;
            BUNDLED_LOADED.with_borrow_mut(|loaded| loaded.insert(*bundled, data.clone()));
            Ok(data)
        }
        DatasetSpec::Imported { name } => Err(format!("the imported dataset {name} is not here")),
    }
}

/// The `<select>` value of each generator.
fn dataset_key(kind: SyntheticKind) -> &'static str {
    match kind {
        SyntheticKind::Spiral => "spiral",
        SyntheticKind::Circles => "circles",
        SyntheticKind::Xor => "xor",
        SyntheticKind::Moons => "moons",
        SyntheticKind::Blobs { .. } => "blobs",
        SyntheticKind::Sine => "sine",
        SyntheticKind::Plane => "plane",
    }
}

fn parse_field<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "{name}: {:?} is not a number this field accepts",
            text.trim()
        )
    })
}

#[derive(Clone, Copy, PartialEq)]
enum ChartMetric {
    Loss,
    Accuracy,
}

#[component]
pub fn TrainPage() -> impl IntoView {
    let training = expect_context::<Training>();
    let form = TrainForm::from_spec(&TrainSpec::default());
    let form_error = RwSignal::new(None::<String>);
    let chart_metric = RwSignal::new(ChartMetric::Loss);

    let run = training.run;
    let is_active = Memo::new(move |_| training.is_active());
    let is_paused = Memo::new(move |_| {
        run.with(|run| {
            run.as_ref()
                .is_some_and(|run| run.status == RunStatus::Paused)
        })
    });

    let loading = RwSignal::new(false);
    let on_train = move |_| {
        let spec = match form.to_spec() {
            Ok(spec) => spec,
            Err(error) => return form_error.set(Some(error)),
        };
        form_error.set(None);
        loading.set(true);
        leptos::task::spawn_local(async move {
            let started = match load_data(&spec.dataset).await {
                Ok(data) => training.start(spec, data),
                Err(error) => Err(error),
            };
            loading.set(false);
            form_error.set(started.err());
        });
    };
    let is_synthetic = move || bundled_from_key(&form.dataset.get()).is_none();

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
                                prop:value=move || form.dataset.get()
                                on:change=move |ev| form.dataset.set(event_target_value(&ev))>
                                <option value="spiral">"Spiral (2 classes)"</option>
                                <option value="circles">"Circles (2 classes)"</option>
                                <option value="xor">"XOR (2 classes)"</option>
                                <option value="moons">"Moons (2 classes)"</option>
                                <option value="blobs">"Gaussian blobs (2 to 10 classes)"</option>
                                <option value="sine">"Sine wave (regression)"</option>
                                <option value="plane">"Plane (regression)"</option>
                                <optgroup label="Real datasets">
                                    {BundledDataset::ALL.map(|bundled| view! {
                                        <option value=bundled_key(bundled)>{bundled.title()}</option>
                                    })}
                                </optgroup>
                            </select>
                        </div>
                        <Show when=move || form.dataset.get() == "blobs">
                            <TextField label="Classes" name="blob-classes" value=form.blob_classes />
                        </Show>
                        <Show
                            when=is_synthetic
                            fallback=move || bundled_from_key(&form.dataset.get()).map(|bundled| view! {
                                <p class="dataset-about">{bundled.description()}</p>
                                <p class="dataset-credit"><small>"Source: " {bundled.credit()}</small></p>
                            })
                        >
                            <TextField label="Points" name="sample-count" value=form.sample_count />
                            <TextField label="Noise" name="noise" value=form.noise />
                        </Show>
                    </fieldset>
                    <fieldset>
                        <legend>"Model"</legend>
                        <div class="field">
                            <label for="field-model">"Model"</label>
                            <select id="field-model" name="model"
                                prop:value=move || form.model.get()
                                on:change=move |ev| form.model.set(event_target_value(&ev))>
                                <option value="mlp">"Multi-layer perceptron"</option>
                                <option value="linear">"Linear (logistic / linear regression)"</option>
                                <option value="cnn">"Small CNN (image data: digits)"</option>
                            </select>
                        </div>
                        <Show when=move || form.model.get() == "mlp">
                            <TextField label="Hidden layers" name="hidden-layers" value=form.hidden_layers
                                hint="units per layer, e.g. 64, 64" />
                        </Show>
                    </fieldset>
                    <fieldset>
                        <legend>"Training"</legend>
                        <TextField label="Learning rate" name="learning-rate" value=form.learning_rate />
                        <TextField label="Batch size" name="batch-size" value=form.batch_size />
                        <TextField label="Epochs" name="epochs" value=form.epochs />
                        <TextField label="Seed" name="seed" value=form.seed />
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
                    <Show
                        when=move || run.with(Option::is_some)
                        fallback=|| view! {
                            <p class="empty">"Press Train to start. The curves appear here as the model learns."</p>
                        }
                    >
                        <RunView run chart_metric />
                    </Show>
                </div>
            </div>
        </section>
    }
}

#[component]
fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let input_id = format!("field-{name}");
    let hint_id = format!("hint-{name}");
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <input type="text" id=input_id name=name inputmode="decimal" autocomplete="off"
                aria-describedby=hint.map(|_| hint_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
            {hint.map(|hint| view! { <small id=hint_id>{hint}</small> })}
        </div>
    }
}

/// The latest run, updated in place as messages arrive: only the parts that changed re-render,
/// so the chart tabs and buttons stay put (and clickable) while a model trains.
#[component]
fn RunView(
    run: RwSignal<Option<RunProgress>>,
    chart_metric: RwSignal<ChartMetric>,
) -> impl IntoView {
    let fraction =
        Signal::derive(move || run.with(|run| run.as_ref().map_or(0.0, |r| r.fraction_done)));
    let label = Signal::derive(move || {
        run.with(|run| run.as_ref().map(progress_label).unwrap_or_default())
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
            let history = run.as_ref().map_or(&[][..], |r| &r.history[..]);
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
    view! {
        <div class="run-status">{move || status.get().map(|status| status_view(&status))}</div>
        <ProgressBar fraction label />
        <div class="chart-tabs" role="tablist">
            {tab(ChartMetric::Loss, "Loss")}
            {tab(ChartMetric::Accuracy, "Accuracy")}
        </div>
        <LineChart series x_label="epoch" y_label=Signal::derive(y_label) />
    }
}

fn progress_label(progress: &RunProgress) -> String {
    let epochs_done = progress.history.last().map_or(0, |m| m.epoch);
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
            let (headline, summary) = match report {
                Report::Classification(report) => (
                    format!("{:.1}%", report.accuracy * 100.0),
                    format!(
                        "Log loss {:.4}, macro F1 {:.3}{}",
                        report.log_loss,
                        report.macro_f1,
                        report
                            .roc_auc
                            .map(|auc| format!(", ROC-AUC {auc:.3}"))
                            .unwrap_or_default()
                    ),
                ),
                Report::Regression(report) => (
                    report.r2.map_or("—".to_owned(), |r2| format!("{r2:.3}")),
                    format!("RMSE {:.4}, MAE {:.4}", report.rmse, report.mae),
                ),
            };
            view! {
                <p class="status finished">
                    {verb} ". " {split} " " {report.headline_name()} ": "
                    <strong class="final-accuracy">{headline}</strong>
                </p>
                <p class="report-summary">{summary}</p>
            }
            .into_any()
        }
        RunStatus::Failed { reason } => {
            view! { <p class="status failed" role="alert">"Training failed: " {reason.clone()}</p> }
                .into_any()
        }
    }
}
