//! A pipeline written back as a file: what "New pipeline from the Train form" offers to edit
//! and what a person downloads. [`super::file::parse`] reads it back as the same pipeline.

use super::file::{DataSource, PIPELINE_FORMAT, Pipeline};
use super::sweep::Axis;
use crate::choice::Choice;
use crate::registry::gates::{Comparison, Gate, Margin};
use crate::spec::params::{self, ParamValue};
use crate::validation::SchemaPolicy;

/// A TOML string: JSON's escapes are TOML's for every character a name holds.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("text always serialises")
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn value(value: &ParamValue) -> String {
    match value {
        ParamValue::Number(n) => number(*n),
        ParamValue::Text(text) => quoted(text),
        ParamValue::Bool(flag) => flag.to_string(),
        ParamValue::Numbers(values) => {
            let items: Vec<String> = values.iter().map(|v| number(*v)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

pub fn to_toml(pipeline: &Pipeline) -> String {
    let mut out = format!(
        "format = {}\nname = {}\n",
        quoted(PIPELINE_FORMAT),
        quoted(&pipeline.name)
    );
    if !pipeline.description.is_empty() {
        out.push_str(&format!(
            "description = {}\n",
            quoted(&pipeline.description)
        ));
    }
    out.push_str("\n[data]\n");
    match &pipeline.data {
        DataSource::Bundled(bundled) => {
            out.push_str(&format!("bundled = {}\n", quoted(bundled.key())))
        }
        DataSource::Synthetic(spec) => {
            out.push_str(&format!(
                "synthetic = {}\n",
                quoted(spec.kind.generator().key())
            ));
            if let crate::data::synthetic::SyntheticKind::Blobs { classes } = spec.kind {
                out.push_str(&format!("classes = {classes}\n"));
            }
            out.push_str(&format!(
                "samples = {}\nnoise = {}\nseed = {}\n",
                spec.sample_count,
                number(spec.noise),
                spec.seed
            ));
        }
        DataSource::Csv { file, options } => {
            out.push_str(&format!("csv = {}\n", quoted(file)));
            if let Some(target) = &options.target {
                out.push_str(&format!("target = {}\n", quoted(target)));
            }
            if let Some(task) = options.task {
                out.push_str(&format!("task = {}\n", quoted(task.key())));
            }
            out.push_str(&format!("missing = {}\n", quoted(options.missing.key())));
        }
    }
    if let Some(expect) = &pipeline.expect {
        out.push_str("\n[expect]\n");
        out.push_str(match expect.schema {
            SchemaPolicy::FirstVersion => "schema = \"first-version\"\n",
            SchemaPolicy::None => "schema = \"none\"\n",
        });
        if let Some(rows) = expect.min_rows {
            out.push_str(&format!("min_rows = {rows}\n"));
        }
        if let Some(fraction) = expect.max_missing_fraction {
            out.push_str(&format!("max_missing_fraction = {}\n", number(fraction)));
        }
        if !expect.ignore.is_empty() {
            let kinds: Vec<String> = expect
                .ignore
                .iter()
                .map(|kind| serde_json::to_string(kind).expect("a kind serialises"))
                .collect();
            out.push_str(&format!("ignore = [{}]\n", kinds.join(", ")));
        }
    }
    out.push_str("\n[train]\n");
    for (name, setting) in params::describe(&pipeline.train) {
        out.push_str(&format!("{name} = {}\n", value(&setting)));
    }
    if let Some(sweep) = &pipeline.sweep {
        out.push_str(&format!(
            "\n[sweep]\nstrategy = {}\n",
            quoted(sweep.strategy.key())
        ));
        if let Some(trials) = sweep.trials {
            out.push_str(&format!("trials = {trials}\n"));
        }
        out.push_str(&format!("seed = {}\neta = {}\n", sweep.seed, sweep.eta));
        if let Some(pick) = &sweep.pick {
            out.push_str(&format!("pick = {}\n", quoted(pick)));
        }
        if let Some(parallel) = sweep.parallel {
            out.push_str(&format!("parallel = {parallel}\n"));
        }
        for (name, axis) in &sweep.axes {
            let written = match axis {
                Axis::Values(values) => {
                    let items: Vec<String> = values.iter().map(value).collect();
                    format!("[{}]", items.join(", "))
                }
                Axis::Range {
                    min,
                    max,
                    log,
                    whole,
                } => {
                    let bound = |b: f64| if *whole { number(b) } else { format!("{b:?}") };
                    format!(
                        "{{ min = {}, max = {}, log = {log} }}",
                        bound(*min),
                        bound(*max)
                    )
                }
            };
            out.push_str(&format!("{name} = {written}\n"));
        }
    }
    if !pipeline.gates.is_empty() {
        out.push_str("\n[gate]\n");
        for gate in &pipeline.gates {
            match gate {
                Gate::Threshold {
                    metric,
                    comparison,
                    value,
                } => {
                    let symbol = match comparison {
                        Comparison::AtLeast => ">=",
                        Comparison::AtMost => "<=",
                    };
                    out.push_str(&format!("{metric} = \"{symbol} {}\"\n", number(*value)));
                }
                Gate::BeatsChampion { metric, margin } => {
                    let by = match margin {
                        Margin::Absolute(step) => number(*step),
                        Margin::Relative(share) => quoted(&format!("{}%", number(share * 100.0))),
                    };
                    out.push_str(&format!(
                        "beat_champion_by = {by}\nbeat_champion_on = {}\n",
                        quoted(metric)
                    ));
                }
            }
        }
    }
    if let Some(promote) = &pipeline.promote {
        out.push_str(&format!(
            "\n[promote]\nmodel = {}\n",
            quoted(&promote.model)
        ));
        if let Some(alias) = &promote.alias {
            out.push_str(&format!("alias = {}\n", quoted(alias)));
        }
    }
    let triggers = pipeline.triggers;
    if triggers.on_new_data || triggers.on_drift_alert {
        out.push_str(&format!(
            "\n[triggers]\non_new_data = {}\non_drift_alert = {}\n",
            triggers.on_new_data, triggers.on_drift_alert
        ));
    }
    out
}

/// A first pipeline for a recipe: its data held to the first version's schema, a gate on the
/// task's test score and the champion, the model named after the pipeline. What "New from the
/// Train form" offers to edit.
pub fn starter(
    name: &str,
    data: DataSource,
    train: crate::spec::TrainSpec,
    task: crate::data::Task,
) -> Pipeline {
    let classification = task == crate::data::Task::Classification;
    let metric = if classification {
        "test_accuracy"
    } else {
        "test_r2"
    };
    let on_new_data = matches!(data, DataSource::Csv { .. });
    Pipeline {
        name: name.to_owned(),
        description: String::new(),
        data,
        expect: Some(crate::validation::Expectations::default()),
        train,
        sweep: None,
        gates: vec![
            Gate::BeatsChampion {
                metric: metric.to_owned(),
                margin: Margin::Absolute(0.0),
            },
            Gate::Threshold {
                metric: metric.to_owned(),
                comparison: Comparison::AtLeast,
                value: if classification { 0.8 } else { 0.5 },
            },
        ],
        promote: Some(super::file::Promotion {
            model: name.to_owned(),
            alias: Some("champion".to_owned()),
        }),
        triggers: super::file::Triggers {
            on_new_data,
            on_drift_alert: false,
        },
    }
}
