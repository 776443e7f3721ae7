//! The `[sweep]` and `[gate]` tables of a pipeline file: the parts with their own small
//! languages (values, ranges and strategies; `">= 0.9"` rules and champion margins).

use toml::{Spanned, Value};

use super::fields::{Fail, PipelineError, Table, line_hint, param_value, text, whole};
use crate::pipeline::sweep::{Axis, Strategy, SweepSpec};
use crate::registry::gates::{Comparison, Gate, Margin};
use crate::spec::TrainSpec;
use crate::spec::params::{self, ParamValue};

/// Keys of `[sweep]` that are not axes.
const SWEEP_KEYS: [&str; 6] = ["strategy", "trials", "seed", "pick", "parallel", "eta"];

pub(super) fn sweep_spec(
    table: &Table,
    base: &TrainSpec,
    fail: &Fail,
) -> Result<SweepSpec, PipelineError> {
    let strategy = match text(table, "strategy", "sweep", fail)? {
        Some("grid") | None => Strategy::Grid,
        Some("random") => Strategy::Random,
        Some("halving") => Strategy::Halving,
        Some(other) => {
            return Err(fail(
                &table["strategy"],
                format!(
                    "[sweep] strategy \"{other}\" is not known: choose grid, random or halving"
                ),
            ));
        }
    };
    let mut axes = Vec::new();
    for (name, value) in table
        .iter()
        .filter(|(key, _)| !SWEEP_KEYS.contains(&key.as_str()))
    {
        if !params::PARAM_NAMES.contains(&name.as_str()) {
            return Err(fail(
                value,
                format!(
                    "[sweep] \"{name}\" is neither a sweep setting ({}) nor a recipe setting to vary",
                    SWEEP_KEYS.join(", ")
                ),
            ));
        }
        axes.push((name.clone(), axis(name, value, fail)?));
    }
    if axes.is_empty() {
        return Err(PipelineError {
            line: Some(line_hint(table, fail)),
            message: "[sweep] varies nothing: add a setting with a list of values, e.g. learning_rate = [0.01, 0.003]".into(),
        });
    }
    let spec = SweepSpec {
        strategy,
        axes,
        trials: whole(table, "trials", "sweep", fail)?,
        seed: whole(table, "seed", "sweep", fail)?.unwrap_or(0) as u64,
        pick: text(table, "pick", "sweep", fail)?.map(str::to_owned),
        parallel: whole(table, "parallel", "sweep", fail)?,
        eta: whole(table, "eta", "sweep", fail)?.unwrap_or(3),
    };
    spec.trials(base).map_err(|message| PipelineError {
        line: Some(line_hint(table, fail)),
        message: format!("[sweep] {message}"),
    })?;
    Ok(spec)
}

fn axis(name: &str, value: &Spanned<Value>, fail: &Fail) -> Result<Axis, PipelineError> {
    let bad = || {
        fail(
            value,
            format!(
                "[sweep] {name}: give a list of values, e.g. [0.01, 0.003], or a range {{ min = 0.001, max = 0.1, log = true }}"
            ),
        )
    };
    match value.get_ref() {
        // hidden_layers = [[16], [32, 16]] is a list of lists; [16, 32] is two one-layer nets.
        Value::Array(items) if name == "hidden_layers" => items
            .iter()
            .map(|item| match item {
                Value::Array(_) => param_value(item),
                Value::Integer(units) => Some(ParamValue::Numbers(vec![*units as f64])),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Axis::Values)
            .ok_or_else(bad),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(param_value)
            .collect::<Option<Vec<_>>>()
            .map(Axis::Values)
            .ok_or_else(bad),
        Value::Table(range) => {
            let bound = |key: &str| match range.get(key) {
                Some(Value::Integer(number)) => Some(*number as f64),
                Some(Value::Float(number)) => Some(*number),
                _ => None,
            };
            let (Some(min), Some(max)) = (bound("min"), bound("max")) else {
                return Err(bad());
            };
            let log = matches!(range.get("log"), Some(Value::Boolean(true)));
            if range
                .keys()
                .any(|key| !["min", "max", "log"].contains(&key.as_str()))
                || min.partial_cmp(&max).is_none_or(|order| order.is_gt())
                || (log && min <= 0.0)
            {
                return Err(bad());
            }
            let whole = matches!(range.get("min"), Some(Value::Integer(_)))
                && matches!(range.get("max"), Some(Value::Integer(_)));
            Ok(Axis::Range {
                min,
                max,
                log,
                whole,
            })
        }
        _ => Err(bad()),
    }
}

pub(super) fn gates(table: &Table, fail: &Fail) -> Result<Vec<Gate>, PipelineError> {
    let mut gates = Vec::new();
    for (metric, value) in table {
        match metric.as_str() {
            "beat_champion_on" => continue,
            "beat_champion_by" => {
                let on = text(table, "beat_champion_on", "gate", fail)?
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        table
                            .keys()
                            .find(|key| !key.starts_with("beat_champion"))
                            .cloned()
                            .unwrap_or_else(|| "test_accuracy".into())
                    });
                let margin = match value.get_ref() {
                    Value::Integer(step) => Margin::Absolute(*step as f64),
                    Value::Float(step) => Margin::Absolute(*step),
                    Value::String(text) => text
                        .trim()
                        .strip_suffix('%')
                        .and_then(|share| share.trim().parse::<f64>().ok())
                        .map(|share| Margin::Relative(share / 100.0))
                        .ok_or_else(|| {
                            fail(
                                value,
                                "[gate] beat_champion_by is a number (0.01) or a share (\"5%\")"
                                    .into(),
                            )
                        })?,
                    _ => {
                        return Err(fail(
                            value,
                            "[gate] beat_champion_by is a number (0.01) or a share (\"5%\")".into(),
                        ));
                    }
                };
                gates.push(Gate::BeatsChampion {
                    metric: crate::metrics::current_name(&on).to_owned(),
                    margin,
                });
            }
            _ => {
                let rule = value.get_ref().as_str().ok_or_else(|| {
                    fail(
                        value,
                        format!("[gate] {metric} takes a rule in quotes, e.g. \">= 0.9\""),
                    )
                })?;
                let (comparison, rest) = if let Some(rest) = rule.trim().strip_prefix(">=") {
                    (Comparison::AtLeast, rest)
                } else if let Some(rest) = rule.trim().strip_prefix("<=") {
                    (Comparison::AtMost, rest)
                } else {
                    return Err(fail(
                        value,
                        format!("[gate] {metric} = \"{rule}\": a rule starts with >= or <="),
                    ));
                };
                let threshold: f64 = rest.trim().parse().map_err(|_| {
                    fail(
                        value,
                        format!(
                            "[gate] {metric} = \"{rule}\": \"{}\" is not a number",
                            rest.trim()
                        ),
                    )
                })?;
                gates.push(Gate::Threshold {
                    metric: crate::metrics::current_name(metric).to_owned(),
                    comparison,
                    value: threshold,
                });
            }
        }
    }
    Ok(gates)
}
