//! The pipeline file: TOML a person reads and writes, `format = "kindling-pipeline/1"`.
//! `docs/pipelines.md` documents every table; `pipelines/` holds one example per bundled
//! dataset. Every mistake is refused with the line it is on and what would be right. `fields`
//! reads single values, `tables` the `[sweep]` and `[gate]` tables.

use serde::Deserialize;
use toml::{Spanned, Value};

use crate::data::Task;
use crate::data::bundled::BundledDataset;
use crate::data::csv::{ImportOptions, MissingPolicy};
use crate::data::synthetic::{Generator, SyntheticSpec};
use crate::pipeline::sweep::SweepSpec;
use crate::registry::check_model_name;
use crate::registry::gates::Gate;
use crate::spec::params;
use crate::spec::{DatasetSpec, TrainSpec};
use crate::validation::Expectations;

mod fields;
mod tables;

pub use fields::PipelineError;
use fields::{Fail, Table, choice, line_hint, number, only_keys, param_value, text, whole};
use tables::{gates, sweep_spec};

pub const PIPELINE_FORMAT: &str = "kindling-pipeline/1";

/// The largest pipeline file read: a hand-written file is a few hundred bytes.
pub const MAX_PIPELINE_BYTES: usize = 256 * 1024;

/// A pipeline, read and checked: everything it will do is known before it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub name: String,
    pub description: String,
    pub data: DataSource,
    pub expect: Option<Expectations>,
    /// The recipe (its dataset filled in when the data is loaded).
    pub train: TrainSpec,
    pub sweep: Option<SweepSpec>,
    pub gates: Vec<Gate>,
    pub promote: Option<Promotion>,
    pub triggers: Triggers,
}

/// Where the pipeline's data comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    Bundled(BundledDataset),
    Synthetic(SyntheticSpec),
    /// A CSV: the latest upload of that name in the browser (its name without `.csv`), a path
    /// beside the pipeline file on the command line.
    Csv {
        file: String,
        options: ImportOptions,
    },
}

impl DataSource {
    /// The name of a dataset a CSV source reads: `penguins.csv` is the upload `penguins`.
    pub fn dataset_name(file: &str) -> &str {
        let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
        base.strip_suffix(".csv").unwrap_or(base)
    }

    /// The recipe's record of the source once loaded.
    pub fn spec(&self) -> DatasetSpec {
        match self {
            DataSource::Bundled(bundled) => DatasetSpec::Bundled(*bundled),
            DataSource::Synthetic(spec) => DatasetSpec::Synthetic(spec.clone()),
            DataSource::Csv { file, .. } => DatasetSpec::Imported {
                name: Self::dataset_name(file).to_owned(),
            },
        }
    }
}

/// Register the chosen model under `model` and, when `alias` is set, point it there.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    pub model: String,
    #[serde(default)]
    pub alias: Option<String>,
}

/// What starts the pipeline besides a person.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// When a new version of its CSV dataset is uploaded.
    #[serde(default)]
    pub on_new_data: bool,
    /// When a monitoring alert on its promoted model fires.
    #[serde(default)]
    pub on_drift_alert: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    data: Table,
    #[serde(default)]
    expect: Option<Expectations>,
    #[serde(default)]
    train: Table,
    #[serde(default)]
    sweep: Option<Table>,
    #[serde(default)]
    gate: Table,
    #[serde(default)]
    promote: Option<Spanned<Promotion>>,
    #[serde(default)]
    triggers: Triggers,
}

/// Reads the text's tables into a [`Pipeline`]; the first mistake is the error.
pub fn parse(text: &str) -> Result<Pipeline, PipelineError> {
    if text.len() > MAX_PIPELINE_BYTES {
        return Err(PipelineError {
            line: None,
            message: format!(
                "the file is {} KiB; a pipeline file is at most {} KiB",
                text.len() / 1024,
                MAX_PIPELINE_BYTES / 1024
            ),
        });
    }
    let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let raw: RawFile = toml::from_str(text).map_err(|error| PipelineError {
        line: error.span().and_then(&at),
        message: error.message().trim().to_owned(),
    })?;
    if raw.format.get_ref() != PIPELINE_FORMAT {
        return Err(PipelineError {
            line: at(raw.format.span()),
            message: format!(
                "format is \"{}\"; this version of Kindling reads \"{PIPELINE_FORMAT}\"",
                raw.format.get_ref()
            ),
        });
    }
    check_model_name(raw.name.get_ref()).map_err(|error| PipelineError {
        line: at(raw.name.span()),
        message: format!("name: {error}"),
    })?;
    let fail = |value: &Spanned<Value>, message: String| PipelineError {
        line: at(value.span()),
        message,
    };
    let data = data_source(&raw.data, &fail)?;
    let mut train = TrainSpec {
        dataset: data.spec(),
        ..TrainSpec::preset_for(match &data {
            DataSource::Bundled(bundled) => Some(*bundled),
            _ => None,
        })
    };
    for (name, value) in &raw.train {
        let param = param_value(value.get_ref())
            .ok_or_else(|| fail(value, format!("[train] {name}: a setting is a number, a name in quotes, true/false or a list of numbers")))?;
        params::apply(&mut train, name, &param)
            .map_err(|error| fail(value, format!("[train] {error}")))?;
    }
    train.validate().map_err(|error| PipelineError {
        line: None,
        message: format!("[train] {error}"),
    })?;
    let sweep = raw
        .sweep
        .as_ref()
        .map(|table| sweep_spec(table, &train, &fail))
        .transpose()?;
    let gates = gates(&raw.gate, &fail)?;
    if let Some(promote) = &raw.promote {
        let line = at(promote.span());
        check_model_name(&promote.get_ref().model).map_err(|error| PipelineError {
            line,
            message: format!("[promote] model: {error}"),
        })?;
        if let Some(alias) = &promote.get_ref().alias {
            crate::registry::check_alias(alias).map_err(|error| PipelineError {
                line,
                message: format!("[promote] alias: {error}"),
            })?;
        }
    }
    if let Some(expect) = &raw.expect
        && expect
            .max_missing_fraction
            .is_some_and(|fraction| !(0.0..=1.0).contains(&fraction))
    {
        return Err(PipelineError {
            line: None,
            message: "[expect] max_missing_fraction must be between 0 and 1".into(),
        });
    }
    if raw.triggers.on_new_data && !matches!(data, DataSource::Csv { .. }) {
        return Err(PipelineError {
            line: None,
            message: "[triggers] on_new_data needs [data] csv: only an uploaded dataset gets new versions".into(),
        });
    }
    Ok(Pipeline {
        name: raw.name.into_inner(),
        description: raw.description,
        data,
        expect: raw.expect,
        train,
        sweep,
        gates,
        promote: raw.promote.map(Spanned::into_inner),
        triggers: raw.triggers,
    })
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

fn data_source(table: &Table, fail: &Fail) -> Result<DataSource, PipelineError> {
    let sources: Vec<&str> = ["bundled", "synthetic", "csv"]
        .into_iter()
        .filter(|key| table.contains_key(*key))
        .collect();
    let whole_table = || {
        PipelineError {
        line: None,
        message: "[data] names one source: bundled = \"iris\", synthetic = \"spiral\" or csv = \"file.csv\"".into(),
    }
    };
    match sources.as_slice() {
        ["bundled"] => {
            only_keys(table, "data", &["bundled"], fail)?;
            Ok(DataSource::Bundled(
                choice::<BundledDataset>(table, "bundled", "data", fail)?.expect("present"),
            ))
        }
        ["synthetic"] => {
            only_keys(
                table,
                "data",
                &["synthetic", "samples", "noise", "seed", "classes"],
                fail,
            )?;
            let generator =
                choice::<Generator>(table, "synthetic", "data", fail)?.expect("present");
            let defaults = SyntheticSpec::default();
            let classes = whole(table, "classes", "data", fail)?.unwrap_or(3) as u32;
            let spec = SyntheticSpec {
                kind: generator.kind(classes),
                sample_count: whole(table, "samples", "data", fail)?
                    .unwrap_or(defaults.sample_count),
                noise: number(table, "noise", "data", fail)?.unwrap_or(defaults.noise),
                seed: whole(table, "seed", "data", fail)?.map_or(defaults.seed, |seed| seed as u32),
            };
            spec.validate().map_err(|error| PipelineError {
                line: Some(line_hint(table, fail)),
                message: format!("[data] {error}"),
            })?;
            Ok(DataSource::Synthetic(spec))
        }
        ["csv"] => {
            only_keys(table, "data", &["csv", "target", "task", "missing"], fail)?;
            let file = text(table, "csv", "data", fail)?
                .expect("present")
                .to_owned();
            if DataSource::dataset_name(&file).is_empty() {
                return Err(fail(&table["csv"], "[data] csv names no file".into()));
            }
            Ok(DataSource::Csv {
                file,
                options: ImportOptions {
                    target: text(table, "target", "data", fail)?.map(str::to_owned),
                    task: choice::<Task>(table, "task", "data", fail)?,
                    missing: choice::<MissingPolicy>(table, "missing", "data", fail)?
                        .unwrap_or_default(),
                    image_shape: None,
                },
            })
        }
        _ => Err(whole_table()),
    }
}
