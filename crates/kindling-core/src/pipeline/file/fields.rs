//! The reading of single values in a pipeline file, shared by every table: each says which
//! line is wrong and what would be right.

use std::collections::BTreeMap;

use toml::{Spanned, Value};

use crate::choice::Choice;
use crate::spec::params::ParamValue;

/// A pipeline file that cannot be run, with where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", line.map(|line| format!("line {line}: ")).unwrap_or_default())]
pub struct PipelineError {
    pub line: Option<usize>,
    pub message: String,
}

pub(super) type Table = BTreeMap<String, Spanned<Value>>;

pub(super) fn param_value(value: &Value) -> Option<ParamValue> {
    match value {
        Value::Integer(number) => Some(ParamValue::Number(*number as f64)),
        Value::Float(number) => Some(ParamValue::Number(*number)),
        Value::String(text) => Some(ParamValue::Text(text.clone())),
        Value::Boolean(flag) => Some(ParamValue::Bool(*flag)),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Integer(number) => Some(*number as f64),
                Value::Float(number) => Some(*number),
                _ => None,
            })
            .collect::<Option<Vec<f64>>>()
            .map(ParamValue::Numbers),
        _ => None,
    }
}

pub(super) type Fail<'a> = dyn Fn(&Spanned<Value>, String) -> PipelineError + 'a;

pub(super) fn text<'v>(
    table: &'v Table,
    key: &str,
    section: &str,
    fail: &Fail,
) -> Result<Option<&'v str>, PipelineError> {
    match table.get(key) {
        None => Ok(None),
        Some(value) => value
            .get_ref()
            .as_str()
            .map(Some)
            .ok_or_else(|| fail(value, format!("[{section}] {key} must be text in quotes"))),
    }
}

pub(super) fn number(
    table: &Table,
    key: &str,
    section: &str,
    fail: &Fail,
) -> Result<Option<f64>, PipelineError> {
    match table.get(key) {
        None => Ok(None),
        Some(value) => match value.get_ref() {
            Value::Integer(number) => Ok(Some(*number as f64)),
            Value::Float(number) => Ok(Some(*number)),
            _ => Err(fail(value, format!("[{section}] {key} must be a number"))),
        },
    }
}

pub(super) fn whole(
    table: &Table,
    key: &str,
    section: &str,
    fail: &Fail,
) -> Result<Option<usize>, PipelineError> {
    match table.get(key) {
        None => Ok(None),
        Some(value) => match value.get_ref() {
            Value::Integer(number) if *number >= 0 => Ok(Some(*number as usize)),
            _ => Err(fail(
                value,
                format!("[{section}] {key} must be a whole number of 0 or more"),
            )),
        },
    }
}

pub(super) fn choice<C: Choice>(
    table: &Table,
    key: &str,
    section: &str,
    fail: &Fail,
) -> Result<Option<C>, PipelineError> {
    match text(table, key, section, fail)? {
        None => Ok(None),
        Some(key_text) => C::from_key(key_text)
            .map(Some)
            .map_err(|error| fail(&table[key], format!("[{section}] {key}: {error}"))),
    }
}

pub(super) fn only_keys(
    table: &Table,
    section: &str,
    allowed: &[&str],
    fail: &Fail,
) -> Result<(), PipelineError> {
    match table
        .iter()
        .find(|(key, _)| !allowed.contains(&key.as_str()))
    {
        Some((key, value)) => Err(fail(
            value,
            format!(
                "[{section}] {key} is not a setting here; it takes {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// The line of a table's first key, for an error about the table as a whole.
pub(super) fn line_hint(table: &Table, fail: &Fail) -> usize {
    table
        .values()
        .next()
        .and_then(|value| fail(value, String::new()).line)
        .unwrap_or(1)
}
