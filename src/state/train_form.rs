//! The Train form as typed: strings, so a half-typed number is not lost or "corrected" under
//! the person's fingers. It becomes a [`TrainSpec`] only when Train is pressed. App-wide, so
//! leaving the page and coming back (or "re-run" from a run's page) keeps it.
//!
//! Every select holds a [`Choice`] key (`adam`, `cosine`, ...), the same keys params and
//! queries use; a key the form does not know is an error that names it.

use kindling_core::choice::Choice;
use kindling_core::data::prepare::SplitSpec;
use kindling_core::spec::{
    Activation, Backend, DatasetSpec, EarlyStopping, ModelKind, ModelSpec, Optimizer,
    OptimizerKind, Schedule, ScheduleKind, StopMetric, TrainSpec, parse_hidden_layers,
};
use kindling_core::tracking::{DEFAULT_EXPERIMENT, Recipe, RunRecord};
use leptos::prelude::*;

use crate::state::data::parse_field;
use crate::state::workbench::RunLabels;

#[derive(Clone, Copy)]
pub struct TrainForm {
    /// A [`ModelKind`] key.
    pub model: RwSignal<String>,
    pub hidden_layers: RwSignal<String>,
    /// An [`Activation`] key.
    pub activation: RwSignal<String>,
    pub dropout: RwSignal<String>,
    pub filters: RwSignal<String>,
    pub pool: RwSignal<bool>,
    pub dense_units: RwSignal<String>,
    /// An [`OptimizerKind`] key.
    pub optimizer: RwSignal<String>,
    pub momentum: RwSignal<String>,
    pub learning_rate: RwSignal<String>,
    /// A [`ScheduleKind`] key.
    pub schedule: RwSignal<String>,
    pub step_every: RwSignal<String>,
    pub step_factor: RwSignal<String>,
    pub weight_decay: RwSignal<String>,
    pub batch_size: RwSignal<String>,
    pub epochs: RwSignal<String>,
    pub seed: RwSignal<String>,
    pub validation_percent: RwSignal<String>,
    pub test_percent: RwSignal<String>,
    pub early_stopping: RwSignal<bool>,
    /// A [`StopMetric`] key.
    pub stop_metric: RwSignal<String>,
    pub patience: RwSignal<String>,
    pub min_delta: RwSignal<String>,
    pub run_name: RwSignal<String>,
    pub tags: RwSignal<String>,
    pub note: RwSignal<String>,
    /// The experiment new runs go to, as typed (blank for the default one).
    pub experiment: RwSignal<String>,
    /// The spec the form was last filled from: what the form does not show (the split's seed,
    /// the backend) is taken from it, so a re-run is the same run.
    filled: StoredValue<TrainSpec>,
}

impl Default for TrainForm {
    fn default() -> Self {
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
            stop_metric: text(StopMetric::ValidationLoss.key()),
            patience: text("10"),
            min_delta: text("0"),
            run_name: text(""),
            tags: text(""),
            note: text(""),
            experiment: text(DEFAULT_EXPERIMENT),
            filled: StoredValue::new(TrainSpec::default()),
        };
        form.fill(&TrainSpec::default());
        form
    }
}

/// The settings a CNN field shows when the spec is not a CNN: the small CNN's.
const DEFAULT_CNN: (usize, bool, usize) = (16, true, 64);
/// The layers an MLP field shows when the spec is not an MLP.
const DEFAULT_LAYERS: &str = "64, 64";

impl TrainForm {
    /// Sets every field from a spec (a preset, or a run being re-run).
    pub fn fill(&self, spec: &TrainSpec) {
        self.filled.set_value(spec.clone());
        let (filters, pool, dense_units) = match &spec.model {
            ModelSpec::Cnn {
                filters,
                pool,
                dense_units,
            } => (*filters, *pool, *dense_units),
            _ => DEFAULT_CNN,
        };
        let (layers, activation, dropout) = match &spec.model {
            ModelSpec::Mlp {
                hidden_layers,
                activation,
                dropout,
            } if !hidden_layers.is_empty() => {
                let layers: Vec<String> = hidden_layers.iter().map(ToString::to_string).collect();
                (layers.join(", "), *activation, *dropout)
            }
            _ => (DEFAULT_LAYERS.to_owned(), Activation::Relu, 0.0),
        };
        self.model.set(spec.model.kind().key().into());
        self.hidden_layers.set(layers);
        self.activation.set(activation.key().into());
        self.dropout.set(dropout.to_string());
        self.filters.set(filters.to_string());
        self.pool.set(pool);
        self.dense_units.set(dense_units.to_string());
        if let Optimizer::Sgd { momentum } = spec.optimizer {
            self.momentum.set(momentum.to_string());
        }
        self.optimizer.set(spec.optimizer.kind().key().into());
        self.learning_rate.set(spec.learning_rate.to_string());
        if let Schedule::Step {
            every_epochs,
            factor,
        } = spec.schedule
        {
            self.step_every.set(every_epochs.to_string());
            self.step_factor.set(factor.to_string());
        }
        self.schedule.set(spec.schedule.kind().key().into());
        self.weight_decay.set(spec.weight_decay.to_string());
        self.batch_size.set(spec.batch_size.to_string());
        self.epochs.set(spec.epochs.to_string());
        self.seed.set(spec.seed.to_string());
        self.validation_percent
            .set(percent(spec.split.validation_fraction));
        self.test_percent.set(percent(spec.split.test_fraction));
        self.early_stopping.set(spec.early_stopping.is_some());
        if let Some(stopping) = spec.early_stopping {
            self.stop_metric.set(stopping.metric.key().into());
            self.patience.set(stopping.patience.to_string());
            self.min_delta.set(stopping.min_delta.to_string());
        }
    }

    /// Prepares the form to train `run` again: its settings, tags and a note saying so.
    pub fn fill_for_rerun(&self, run: &RunRecord) {
        self.fill(&run.spec);
        let tags: Vec<&str> = run.tags.iter().map(String::as_str).collect();
        self.tags.set(tags.join(", "));
        self.note
            .set(format!("Re-run of {} ({})", run.name, run.id));
        self.experiment.set(run.experiment.clone());
    }

    /// Prepares the form to reproduce a recipe from a link: its settings and a note saying so.
    pub fn fill_from_recipe(&self, recipe: &Recipe) {
        self.fill(&recipe.spec);
        self.run_name.set(format!("{} repeat", recipe.run_name));
        self.tags.set("repeat".to_owned());
        self.note.set(format!(
            "Repeat of {} ({}) from a recipe link",
            recipe.run_name, recipe.run_id
        ));
    }

    /// The spec the fields describe, trained on `dataset`, or the first field to fix.
    pub fn to_spec(self, dataset: DatasetSpec) -> Result<TrainSpec, String> {
        let model = match choice::<ModelKind>("Model", &self.model.get())? {
            ModelKind::Linear => ModelSpec::Linear,
            ModelKind::Cnn => ModelSpec::Cnn {
                filters: parse_field("Filters", &self.filters.get())?,
                pool: self.pool.get(),
                dense_units: parse_field("Dense units", &self.dense_units.get())?,
            },
            ModelKind::Mlp => {
                let hidden_layers = parse_hidden_layers(&self.hidden_layers.get())
                    .map_err(|error| format!("Hidden layers: {error}"))?;
                if hidden_layers.is_empty() {
                    // No hidden layer is the linear model, whichever way it is asked for.
                    ModelSpec::Linear
                } else {
                    ModelSpec::Mlp {
                        hidden_layers,
                        activation: choice("Activation", &self.activation.get())?,
                        dropout: parse_field("Dropout", &self.dropout.get())?,
                    }
                }
            }
        };
        let optimizer = match choice::<OptimizerKind>("Optimiser", &self.optimizer.get())? {
            OptimizerKind::Adam => Optimizer::Adam,
            OptimizerKind::AdamW => Optimizer::AdamW,
            OptimizerKind::Sgd => Optimizer::Sgd {
                momentum: parse_field("Momentum", &self.momentum.get())?,
            },
        };
        let schedule = match choice::<ScheduleKind>("Schedule", &self.schedule.get())? {
            ScheduleKind::Constant => Schedule::Constant,
            ScheduleKind::Step => Schedule::Step {
                every_epochs: parse_field("Step every", &self.step_every.get())?,
                factor: parse_field("Step factor", &self.step_factor.get())?,
            },
            ScheduleKind::Cosine => Schedule::Cosine,
        };
        let early_stopping = if self.early_stopping.get() {
            Some(EarlyStopping {
                metric: choice("Watch", &self.stop_metric.get())?,
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
            SplitSpec {
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

    /// The run's name, tags, note and experiment, or why the experiment's name cannot be used.
    pub fn labels(self) -> Result<RunLabels, String> {
        RunLabels::from_fields(&self.run_name.get(), &self.tags.get(), &self.note.get())
            .in_experiment(&self.experiment.get())
    }
}

/// The option a select's key names, or what is wrong with the field.
fn choice<C: Choice>(field: &str, key: &str) -> Result<C, String> {
    C::from_key(key).map_err(|error| format!("{field}: {error}"))
}

/// A fraction as the percentage fields show it, to one decimal.
fn percent(fraction: f64) -> String {
    format!("{}", (fraction * 1000.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kindling_core::data::bundled::BundledDataset;

    fn with_form(test: impl FnOnce(TrainForm)) {
        let owner = Owner::new();
        owner.with(|| test(TrainForm::default()));
    }

    #[test]
    fn every_preset_fills_the_form_and_comes_back_as_the_same_spec() {
        with_form(|form| {
            let presets = [
                None,
                Some(BundledDataset::Iris),
                Some(BundledDataset::Digits),
                Some(BundledDataset::Diabetes),
            ];
            for preset in presets {
                let spec = TrainSpec::preset_for(preset);
                form.fill(&spec);
                assert_eq!(form.to_spec(spec.dataset.clone()), Ok(spec));
            }
            let tuned = TrainSpec {
                optimizer: Optimizer::Sgd { momentum: 0.8 },
                schedule: Schedule::Step {
                    every_epochs: 7,
                    factor: 0.25,
                },
                early_stopping: Some(EarlyStopping {
                    metric: StopMetric::ValidationScore,
                    patience: 4,
                    min_delta: 0.01,
                }),
                model: ModelSpec::Mlp {
                    hidden_layers: vec![8, 4],
                    activation: Activation::Gelu,
                    dropout: 0.25,
                },
                backend: Backend::NdArray,
                ..TrainSpec::default()
            };
            form.fill(&tuned);
            assert_eq!(form.to_spec(tuned.dataset.clone()), Ok(tuned));
        });
    }

    #[test]
    fn an_mlp_without_layers_is_linear_and_unknown_keys_are_named() {
        with_form(|form| {
            form.hidden_layers.set(String::new());
            let spec = form.to_spec(TrainSpec::default().dataset).unwrap();
            assert_eq!(spec.model, ModelSpec::Linear);
            form.fill(&spec);
            assert_eq!(form.model.get(), "linear");

            form.optimizer.set("rmsprop".into());
            let error = form.to_spec(TrainSpec::default().dataset).unwrap_err();
            assert_eq!(
                error,
                "Optimiser: \"rmsprop\" is not a known optimizer: choose one of adam, adamw, sgd"
            );
        });
    }

    #[test]
    fn a_rerun_keeps_the_hidden_split_seed_and_says_what_it_reruns() {
        with_form(|form| {
            let data = kindling_core::data::synthetic::SyntheticSpec::default()
                .generate()
                .unwrap();
            let spec = TrainSpec {
                split: SplitSpec {
                    seed: 99,
                    validation_fraction: 0.123_456,
                    ..SplitSpec::default()
                },
                ..TrainSpec::default()
            };
            let mut run = RunRecord::new(
                "run-1".into(),
                "bold-fox-1".into(),
                spec.clone(),
                &data,
                0.0,
            );
            run.tags.insert("baseline".into());
            form.fill_for_rerun(&run);
            assert_eq!(form.to_spec(spec.dataset.clone()), Ok(spec));
            assert_eq!(form.tags.get(), "baseline");
            assert_eq!(form.note.get(), "Re-run of bold-fox-1 (run-1)");
        });
    }
}
