//! A recipe's settings by name: the names a run's params are listed and filtered under
//! (`learning_rate`, `hidden_layers`, `optimizer`, ...), written into a [`TrainSpec`]. A
//! pipeline's `[train]` table and a sweep's axes are such names, so "any spec field" a sweep
//! varies is any param a person already sees on the Runs page.

use thiserror::Error;

use super::model::{Activation, ModelKind, ModelSpec, parse_hidden_layers};
use super::training::{
    Backend, EarlyStopping, Optimizer, OptimizerKind, Schedule, ScheduleKind, StopMetric, TrainSpec,
};
use crate::choice::{Choice, UnknownChoice};

/// A setting's value as a file or a sweep gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Number(f64),
    Text(String),
    Bool(bool),
    /// Whole numbers, for `hidden_layers = [32, 16]`.
    Numbers(Vec<f64>),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Number(value) => write!(f, "{value}"),
            ParamValue::Text(text) => write!(f, "\"{text}\""),
            ParamValue::Bool(value) => write!(f, "{value}"),
            ParamValue::Numbers(values) => {
                let items: Vec<String> = values.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

/// Every name [`apply`] knows, in the order a file lists them.
pub const PARAM_NAMES: [&str; 24] = [
    "model",
    "hidden_layers",
    "activation",
    "dropout",
    "filters",
    "pool",
    "dense_units",
    "optimizer",
    "momentum",
    "learning_rate",
    "schedule",
    "step_every",
    "step_factor",
    "weight_decay",
    "batch_size",
    "epochs",
    "early_stopping",
    "stop_metric",
    "patience",
    "min_delta",
    "seed",
    "val_fraction",
    "test_fraction",
    "backend",
];

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    #[error("\"{0}\" is not a setting Kindling knows; the settings are: {names}", names = PARAM_NAMES.join(", "))]
    Unknown(String),
    #[error("{name} must be {expected}, not {value}")]
    Kind {
        name: String,
        expected: &'static str,
        value: String,
    },
    #[error("{name}: {source}")]
    Choice {
        name: String,
        #[source]
        source: UnknownChoice,
    },
}

fn wrong(name: &str, expected: &'static str, value: &ParamValue) -> ParamError {
    ParamError::Kind {
        name: name.to_owned(),
        expected,
        value: value.to_string(),
    }
}

fn number(name: &str, value: &ParamValue) -> Result<f64, ParamError> {
    match value {
        ParamValue::Number(number) => Ok(*number),
        other => Err(wrong(name, "a number", other)),
    }
}

fn whole(name: &str, value: &ParamValue) -> Result<usize, ParamError> {
    match value {
        ParamValue::Number(number)
            if *number >= 0.0 && number.fract() == 0.0 && *number <= u32::MAX as f64 =>
        {
            Ok(*number as usize)
        }
        other => Err(wrong(name, "a whole number of 0 or more", other)),
    }
}

fn flag(name: &str, value: &ParamValue) -> Result<bool, ParamError> {
    match value {
        ParamValue::Bool(flag) => Ok(*flag),
        other => Err(wrong(name, "true or false", other)),
    }
}

fn choice<C: Choice>(name: &str, value: &ParamValue) -> Result<C, ParamError> {
    match value {
        ParamValue::Text(key) => C::from_key(key).map_err(|source| ParamError::Choice {
            name: name.to_owned(),
            source,
        }),
        other => Err(wrong(name, "a name in quotes", other)),
    }
}

fn layers(name: &str, value: &ParamValue) -> Result<Vec<usize>, ParamError> {
    match value {
        ParamValue::Numbers(values) => values
            .iter()
            .map(|layer| whole(name, &ParamValue::Number(*layer)))
            .collect(),
        ParamValue::Text(text) => {
            parse_hidden_layers(text).map_err(|_| wrong(name, "a list of layer sizes", value))
        }
        ParamValue::Number(_) => Ok(vec![whole(name, value)?]),
        other => Err(wrong(name, "a list of layer sizes such as [32, 16]", other)),
    }
}

/// The MLP settings of `spec`, made an MLP first when it is not one.
fn mlp(spec: &mut TrainSpec) -> (&mut Vec<usize>, &mut Activation, &mut f64) {
    if !matches!(spec.model, ModelSpec::Mlp { .. }) {
        spec.model = ModelSpec::mlp(vec![64, 64]);
    }
    match &mut spec.model {
        ModelSpec::Mlp {
            hidden_layers,
            activation,
            dropout,
        } => (hidden_layers, activation, dropout),
        _ => unreachable!("made an MLP above"),
    }
}

fn cnn(spec: &mut TrainSpec) -> (&mut usize, &mut bool, &mut usize) {
    if !matches!(spec.model, ModelSpec::Cnn { .. }) {
        spec.model = ModelSpec::small_cnn();
    }
    match &mut spec.model {
        ModelSpec::Cnn {
            filters,
            pool,
            dense_units,
        } => (filters, pool, dense_units),
        _ => unreachable!("made a CNN above"),
    }
}

fn stopping(spec: &mut TrainSpec) -> &mut EarlyStopping {
    spec.early_stopping.get_or_insert(EarlyStopping {
        metric: StopMetric::ValidationLoss,
        patience: 10,
        min_delta: 0.0,
    })
}

fn step_schedule(spec: &mut TrainSpec) -> (&mut usize, &mut f64) {
    if !matches!(spec.schedule, Schedule::Step { .. }) {
        spec.schedule = Schedule::Step {
            every_epochs: 30,
            factor: 0.5,
        };
    }
    match &mut spec.schedule {
        Schedule::Step {
            every_epochs,
            factor,
        } => (every_epochs, factor),
        _ => unreachable!("made a step schedule above"),
    }
}

/// Writes one named setting into `spec`. A setting of another model kind or schedule makes the
/// spec that kind (`hidden_layers` makes an MLP), so settings can be given in any order; the
/// whole spec is checked by [`TrainSpec::validate`] once every setting is in.
pub fn apply(spec: &mut TrainSpec, name: &str, value: &ParamValue) -> Result<(), ParamError> {
    match name {
        "model" => {
            spec.model = match choice::<ModelKind>(name, value)? {
                ModelKind::Mlp if matches!(spec.model, ModelSpec::Mlp { .. }) => spec.model.clone(),
                ModelKind::Mlp => ModelSpec::mlp(vec![64, 64]),
                ModelKind::Linear => ModelSpec::Linear,
                ModelKind::Cnn if matches!(spec.model, ModelSpec::Cnn { .. }) => spec.model.clone(),
                ModelKind::Cnn => ModelSpec::small_cnn(),
            }
        }
        "hidden_layers" => *mlp(spec).0 = layers(name, value)?,
        "activation" => *mlp(spec).1 = choice(name, value)?,
        "dropout" => *mlp(spec).2 = number(name, value)?,
        "filters" => *cnn(spec).0 = whole(name, value)?,
        "pool" => *cnn(spec).1 = flag(name, value)?,
        "dense_units" => *cnn(spec).2 = whole(name, value)?,
        "optimizer" => {
            spec.optimizer = match choice::<OptimizerKind>(name, value)? {
                OptimizerKind::Adam => Optimizer::Adam,
                OptimizerKind::AdamW => Optimizer::AdamW,
                OptimizerKind::Sgd => match spec.optimizer {
                    Optimizer::Sgd { momentum } => Optimizer::Sgd { momentum },
                    _ => Optimizer::Sgd { momentum: 0.9 },
                },
            }
        }
        "momentum" => {
            spec.optimizer = Optimizer::Sgd {
                momentum: number(name, value)?,
            }
        }
        "learning_rate" => spec.learning_rate = number(name, value)?,
        "schedule" => {
            spec.schedule = match choice::<ScheduleKind>(name, value)? {
                ScheduleKind::Constant => Schedule::Constant,
                ScheduleKind::Cosine => Schedule::Cosine,
                ScheduleKind::Step => {
                    step_schedule(spec);
                    spec.schedule
                }
            }
        }
        "step_every" => *step_schedule(spec).0 = whole(name, value)?,
        "step_factor" => *step_schedule(spec).1 = number(name, value)?,
        "weight_decay" => spec.weight_decay = number(name, value)?,
        "batch_size" => spec.batch_size = whole(name, value)?,
        "epochs" => spec.epochs = whole(name, value)?,
        "early_stopping" => {
            if flag(name, value)? {
                stopping(spec);
            } else {
                spec.early_stopping = None;
            }
        }
        "stop_metric" => stopping(spec).metric = choice(name, value)?,
        "patience" => stopping(spec).patience = whole(name, value)?,
        "min_delta" => stopping(spec).min_delta = number(name, value)?,
        "seed" => spec.seed = whole(name, value)? as u64,
        "val_fraction" => spec.split.validation_fraction = number(name, value)?,
        "test_fraction" => spec.split.test_fraction = number(name, value)?,
        "backend" => spec.backend = choice::<Backend>(name, value)?,
        _ => return Err(ParamError::Unknown(name.to_owned())),
    }
    Ok(())
}

/// The settings that make `spec` from the default recipe, as a file writes them: what a
/// pipeline made from the Train form holds. Reading them back with [`apply`] gives `spec`
/// again (apart from the data, which a file names in its own table).
pub fn describe(spec: &TrainSpec) -> Vec<(&'static str, ParamValue)> {
    let number = ParamValue::Number;
    let text = |key: &str| ParamValue::Text(key.to_owned());
    let mut params = vec![("model", text(spec.model.kind().key()))];
    match &spec.model {
        ModelSpec::Mlp {
            hidden_layers,
            activation,
            dropout,
        } if !hidden_layers.is_empty() => {
            params.push((
                "hidden_layers",
                ParamValue::Numbers(hidden_layers.iter().map(|units| *units as f64).collect()),
            ));
            params.push(("activation", text(activation.key())));
            params.push(("dropout", number(*dropout)));
        }
        ModelSpec::Mlp { .. } | ModelSpec::Linear => {}
        ModelSpec::Cnn {
            filters,
            pool,
            dense_units,
        } => {
            params.push(("filters", number(*filters as f64)));
            params.push(("pool", ParamValue::Bool(*pool)));
            params.push(("dense_units", number(*dense_units as f64)));
        }
    }
    params.push(("optimizer", text(spec.optimizer.kind().key())));
    if let Optimizer::Sgd { momentum } = spec.optimizer {
        params.push(("momentum", number(momentum)));
    }
    params.push(("learning_rate", number(spec.learning_rate)));
    params.push(("schedule", text(spec.schedule.kind().key())));
    if let Schedule::Step {
        every_epochs,
        factor,
    } = spec.schedule
    {
        params.push(("step_every", number(every_epochs as f64)));
        params.push(("step_factor", number(factor)));
    }
    params.push(("weight_decay", number(spec.weight_decay)));
    params.push(("batch_size", number(spec.batch_size as f64)));
    params.push(("epochs", number(spec.epochs as f64)));
    params.push((
        "early_stopping",
        ParamValue::Bool(spec.early_stopping.is_some()),
    ));
    if let Some(stopping) = spec.early_stopping {
        params.push(("stop_metric", text(stopping.metric.key())));
        params.push(("patience", number(stopping.patience as f64)));
        params.push(("min_delta", number(stopping.min_delta)));
    }
    params.push(("seed", number(spec.seed as f64)));
    params.push(("val_fraction", number(spec.split.validation_fraction)));
    params.push(("test_fraction", number(spec.split.test_fraction)));
    params.push(("backend", text(spec.backend.key())));
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecError;

    #[test]
    fn every_named_setting_reads_back_as_the_spec_it_describes() {
        let specs = [
            TrainSpec::default(),
            TrainSpec {
                model: ModelSpec::small_cnn(),
                optimizer: Optimizer::Sgd { momentum: 0.5 },
                schedule: Schedule::Step {
                    every_epochs: 7,
                    factor: 0.3,
                },
                early_stopping: Some(EarlyStopping {
                    metric: StopMetric::ValidationScore,
                    patience: 4,
                    min_delta: 0.01,
                }),
                ..TrainSpec::default()
            },
            TrainSpec {
                model: ModelSpec::Linear,
                schedule: Schedule::Cosine,
                ..TrainSpec::default()
            },
        ];
        for spec in specs {
            let mut read = TrainSpec {
                model: ModelSpec::Linear,
                ..TrainSpec::default()
            };
            read.split.seed = spec.split.seed;
            for (name, value) in describe(&spec) {
                assert!(PARAM_NAMES.contains(&name), "{name}");
                apply(&mut read, name, &value).unwrap();
            }
            assert_eq!(read, spec);
        }
    }

    #[test]
    fn a_wrong_setting_is_named_with_what_it_must_be() {
        let mut spec = TrainSpec::default();
        let cases = [
            (
                "learning_rte",
                ParamValue::Number(0.1),
                "\"learning_rte\" is not a setting",
            ),
            (
                "epochs",
                ParamValue::Number(2.5),
                "epochs must be a whole number",
            ),
            (
                "epochs",
                ParamValue::Text("ten".into()),
                "epochs must be a whole number of 0 or more, not \"ten\"",
            ),
            (
                "optimizer",
                ParamValue::Text("adagrad".into()),
                "optimizer: \"adagrad\" is not a known optimizer: choose one of adam, adamw, sgd",
            ),
            (
                "pool",
                ParamValue::Number(1.0),
                "pool must be true or false",
            ),
            (
                "hidden_layers",
                ParamValue::Numbers(vec![16.0, -2.0]),
                "hidden_layers must be a whole number",
            ),
        ];
        for (name, value, expected) in cases {
            let error = apply(&mut spec, name, &value).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
        assert_eq!(
            spec,
            TrainSpec::default(),
            "a refused setting changes nothing"
        );
        apply(&mut spec, "learning_rate", &ParamValue::Number(-1.0)).unwrap();
        assert!(matches!(spec.validate(), Err(SpecError::LearningRate(_))));
    }
}
