//! A run's recipe as a file of its own (`kindling-recipe/1`): what the run page offers for
//! download and `kindling train` reads, so a run made in the browser can be repeated on the
//! command line (or the other way round) and its scores compared.
//!
//! It carries exactly what repeating needs and what checking the repeat needs: the whole
//! [`TrainSpec`] (which names the data source and the seed), the [`DatasetRef`] whose content
//! hash says which rows were trained on (the same name can hold other rows), and the metrics
//! the run reached. A recipe never carries rows or weights, so it stays a few kilobytes and is
//! safe to share; anything larger than [`MAX_RECIPE_BYTES`] is refused unread.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::run::{DatasetRef, RunRecord};
use crate::spec::TrainSpec;

/// Written into every recipe; a reader refuses any other rather than guess.
pub const RECIPE_FORMAT: &str = "kindling-recipe/1";

/// A recipe is a few kilobytes: anything over this is not one, and is refused before parsing.
pub const MAX_RECIPE_BYTES: usize = 1024 * 1024;

/// One run's recipe: enough to train it again and to check the repeat against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// Always [`RECIPE_FORMAT`].
    pub format: String,
    pub run_id: String,
    pub run_name: String,
    /// The rows the run saw: `id` is their content hash, which a repeat must match.
    pub dataset: DatasetRef,
    pub spec: TrainSpec,
    /// The run's final metrics (finite values only: JSON has no NaN).
    #[serde(deserialize_with = "crate::metrics::renamed_on_read")]
    pub metrics: BTreeMap<String, f64>,
    /// The build that trained it: another version may train differently.
    pub app_version: String,
}

/// Why a file is not a recipe this version can train, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RecipeError {
    #[error(
        "the file is {0} bytes; a recipe is a few kilobytes (at most {MAX_RECIPE_BYTES} bytes), \
         so this is not a Kindling recipe"
    )]
    TooLarge(usize),
    #[error("this file is not a Kindling recipe: it is not JSON ({0})")]
    NotJson(String),
    #[error(
        "this file is not a Kindling recipe: it has no \"format\" field (a recipe says \
         \"format\": \"{RECIPE_FORMAT}\")"
    )]
    NoFormat,
    #[error(
        "this recipe is format \"{0}\", which this version of Kindling cannot read (it reads \
         \"{RECIPE_FORMAT}\")"
    )]
    UnknownFormat(String),
    #[error("the recipe is damaged: {0}")]
    Damaged(String),
    #[error("the recipe's settings cannot be trained: {0}")]
    Settings(String),
    #[error("this address holds no recipe (a recipe link ends in #recipe=…)")]
    NotALink,
    #[error("the recipe link is cut off or damaged: copy the whole link again")]
    DamagedLink,
    #[error(
        "these are not the rows the run was trained on: this data is {found}; the recipe's is \
         {expected}, so training on it would not be a repeat"
    )]
    OtherData {
        found: DataVersion,
        expected: DataVersion,
    },
}

/// A version of a dataset as a refusal names it: its content hash and shape.
#[derive(Debug, Clone, PartialEq)]
pub struct DataVersion {
    pub id: String,
    pub rows: usize,
    pub columns: usize,
}

impl std::fmt::Display for DataVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = crate::ids::short_id(&self.id);
        write!(
            f,
            "version {short} ({} rows, {} columns)",
            self.rows, self.columns
        )
    }
}

impl Recipe {
    /// The recipe of `run`, as the run page offers it for download.
    pub fn of(run: &RunRecord) -> Self {
        Self {
            format: RECIPE_FORMAT.to_owned(),
            run_id: run.id.clone(),
            run_name: run.name.clone(),
            dataset: run.dataset.clone(),
            spec: run.spec.clone(),
            metrics: run
                .metrics
                .iter()
                .filter(|(_, value)| value.is_finite())
                .map(|(name, value)| (name.clone(), *value))
                .collect(),
            app_version: run.app_version.clone(),
        }
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a recipe always serialises")
    }

    /// Reads a recipe file, refusing anything that is not one this version can train.
    pub fn parse(text: &str) -> Result<Self, RecipeError> {
        if text.len() > MAX_RECIPE_BYTES {
            return Err(RecipeError::TooLarge(text.len()));
        }
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| RecipeError::NotJson(error.to_string()))?;
        match value.get("format") {
            None => return Err(RecipeError::NoFormat),
            Some(serde_json::Value::String(format)) if format == RECIPE_FORMAT => {}
            Some(serde_json::Value::String(format)) => {
                return Err(RecipeError::UnknownFormat(format.clone()));
            }
            Some(other) => return Err(RecipeError::UnknownFormat(other.to_string())),
        }
        let recipe: Recipe = serde_json::from_value(value)
            .map_err(|error| RecipeError::Damaged(error.to_string()))?;
        recipe
            .spec
            .validate()
            .map_err(|error| RecipeError::Settings(error.to_string()))?;
        Ok(recipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::tracking::RunState;

    fn run() -> RunRecord {
        let data = SyntheticSpec::default().generate().unwrap();
        let mut run = RunRecord::new(
            "run-1".into(),
            "quick-fox-1".into(),
            TrainSpec::default(),
            &data,
            1.0,
        );
        run.metrics.insert("test_accuracy".into(), 0.93);
        run.metrics.insert("test_log_loss".into(), f64::NAN);
        run.state = RunState::Finished {
            early_stopped: false,
        };
        run
    }

    #[test]
    fn a_recipe_round_trips_and_keeps_only_finite_metrics() {
        let recipe = Recipe::of(&run());
        assert_eq!(recipe.format, RECIPE_FORMAT);
        assert_eq!(recipe.dataset, run().dataset);
        assert_eq!(
            recipe.metrics,
            BTreeMap::from([("test_accuracy".to_owned(), 0.93)]),
            "NaN has no JSON form"
        );
        let text = recipe.to_json_pretty();
        assert!(
            text.contains("\n  \"format\": \"kindling-recipe/1\""),
            "{text}"
        );
        assert_eq!(Recipe::parse(&text), Ok(recipe));
    }

    #[test]
    fn every_malformed_file_is_refused_saying_what_was_expected() {
        let message = |text: &str| Recipe::parse(text).unwrap_err().to_string();
        assert!(
            message("name,rows\niris,150\n")
                .starts_with("this file is not a Kindling recipe: it is not JSON ("),
            "{}",
            message("name,rows\n")
        );
        assert_eq!(
            message("{\"run_id\": \"r\"}"),
            "this file is not a Kindling recipe: it has no \"format\" field (a recipe says \
             \"format\": \"kindling-recipe/1\")"
        );
        assert_eq!(
            message("[1, 2]"),
            message("{}"),
            "not an object: no format either"
        );
        assert_eq!(
            message("{\"format\": \"kindling-workspace/2\"}"),
            "this recipe is format \"kindling-workspace/2\", which this version of Kindling \
             cannot read (it reads \"kindling-recipe/1\")"
        );
        assert!(message("{\"format\": 7}").contains("format \"7\""));
        let damaged = message("{\"format\": \"kindling-recipe/1\", \"run_id\": \"r\"}");
        assert!(
            damaged.starts_with("the recipe is damaged: missing field"),
            "{damaged}"
        );
        let mut recipe = Recipe::of(&run());
        recipe.spec.batch_size = 0;
        let refused = message(&recipe.to_json_pretty());
        assert!(
            refused.starts_with("the recipe's settings cannot be trained: "),
            "{refused}"
        );
        let huge = " ".repeat(MAX_RECIPE_BYTES + 1);
        assert_eq!(
            message(&huge),
            format!(
                "the file is {} bytes; a recipe is a few kilobytes (at most 1048576 bytes), so \
                 this is not a Kindling recipe",
                MAX_RECIPE_BYTES + 1
            )
        );
    }
}
