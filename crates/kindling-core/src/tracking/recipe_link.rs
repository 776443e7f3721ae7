//! A recipe in a link, and how a repeat compares with its recipe.
//!
//! "Copy link" on a run's page makes an address whose fragment (`#recipe=…`) holds the run's
//! [`Recipe`], so a teacher can hand a set-up to a class in a chat message. Opening it fills
//! the Train form, and training reproduces the run's metrics bit for bit in the same browser.
//! Browsers never send a fragment to a server, so the recipe leaves the machine only when a
//! person pastes the link somewhere.
//!
//! The recipe travels as unpadded URL-safe base64 (RFC 4648 §5) of its compact JSON: nothing in
//! it is rewritten by mail clients or chat apps that treat `+`, `/` and `=` specially. Reading a
//! link applies every check a recipe file gets, and says so when a link was cut off.

use std::collections::{BTreeMap, BTreeSet};

use super::recipe::{DataVersion, MAX_RECIPE_BYTES, Recipe, RecipeError};
use crate::base64;
use crate::data::Dataset;
use crate::data::csv::{ImportOptions, MissingPolicy};
use crate::data::prepare::dataset_id;

/// What a recipe link's fragment starts with (after the `#`).
pub const FRAGMENT_PREFIX: &str = "recipe=";

impl Recipe {
    /// The fragment of a link to this recipe, without its `#`.
    pub fn to_fragment(&self) -> String {
        let json = serde_json::to_string(self).expect("a recipe always serialises");
        let standard = base64::encode(json.as_bytes());
        let url_safe: String = standard
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                other => other,
            })
            .collect();
        format!("{FRAGMENT_PREFIX}{url_safe}")
    }

    /// Whether an address's fragment (with or without its `#`) is meant to be a recipe link.
    pub fn is_link_fragment(fragment: &str) -> bool {
        fragment
            .trim_start_matches('#')
            .starts_with(FRAGMENT_PREFIX)
    }

    /// The recipe a link's fragment holds, refusing one that is cut off, damaged or not a
    /// recipe this version can train.
    pub fn from_fragment(fragment: &str) -> Result<Self, RecipeError> {
        let Some(encoded) = fragment
            .trim_start_matches('#')
            .strip_prefix(FRAGMENT_PREFIX)
        else {
            return Err(RecipeError::NotALink);
        };
        // A link longer than any recipe's is refused before it is decoded.
        if encoded.len() > MAX_RECIPE_BYTES / 3 * 4 + 4 {
            return Err(RecipeError::TooLarge(encoded.len() / 4 * 3));
        }
        let mut standard: String = encoded
            .trim()
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                other => other,
            })
            .collect();
        while !standard.len().is_multiple_of(4) {
            standard.push('=');
        }
        let text = base64::decode(&standard)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(RecipeError::DamagedLink)?;
        Recipe::parse(&text).map_err(|error| match error {
            RecipeError::NotJson(_) => RecipeError::DamagedLink,
            other => other,
        })
    }

    /// The import choices that may have made the recipe's rows from a person's CSV file, in
    /// the order to try them. A spec keeps no import choices, so the file is read with the
    /// recipe's target and task, dropping rows with gaps and then, if that does not give the
    /// recipe's rows, filling them.
    pub fn csv_import_attempts(&self) -> [ImportOptions; 2] {
        [MissingPolicy::DropRows, MissingPolicy::Impute].map(|missing| ImportOptions {
            target: Some(self.dataset.target.clone()),
            task: Some(self.dataset.task),
            missing,
            image_shape: None,
        })
    }

    /// Refuses rows other than the ones the recipe was trained on: training it on them would
    /// not be a repeat.
    pub fn check_data(&self, data: &Dataset) -> Result<(), RecipeError> {
        let found = dataset_id(data);
        if found == self.dataset.id {
            return Ok(());
        }
        Err(RecipeError::OtherData {
            found: DataVersion {
                id: found,
                rows: data.row_count(),
                columns: data.feature_count(),
            },
            expected: DataVersion {
                id: self.dataset.id.clone(),
                rows: self.dataset.rows,
                columns: self.dataset.features,
            },
        })
    }

    /// Each metric of the recipe or of a repeat (`metrics`, a run's final ones), side by side.
    pub fn compare(&self, metrics: &BTreeMap<String, f64>) -> Vec<MetricComparison> {
        let names: BTreeSet<&String> = self.metrics.keys().chain(metrics.keys()).collect();
        names
            .into_iter()
            .map(|name| MetricComparison {
                name: name.clone(),
                recipe: self.metrics.get(name).copied(),
                repeat: metrics.get(name).copied().filter(|value| value.is_finite()),
            })
            .collect()
    }
}

/// One metric of a recipe beside the same metric of its repeat (`None` where one has none).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricComparison {
    pub name: String,
    pub recipe: Option<f64>,
    pub repeat: Option<f64>,
}

impl MetricComparison {
    /// Equal to the last bit (a metric missing on both sides is equal too).
    pub fn is_identical(&self) -> bool {
        self.recipe.map(f64::to_bits) == self.repeat.map(f64::to_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::spec::TrainSpec;
    use crate::tracking::RunRecord;

    fn recipe() -> Recipe {
        let data = SyntheticSpec::default().generate().unwrap();
        let mut run = RunRecord::new(
            "run-1".into(),
            "quick fox / é+?".into(),
            TrainSpec::default(),
            &data,
            1.0,
        );
        run.metrics.insert("test_accuracy".into(), 0.93);
        run.metrics.insert("val_loss".into(), 0.1 + 0.2);
        Recipe::of(&run)
    }

    #[test]
    fn a_link_round_trips_with_only_url_safe_characters() {
        let recipe = recipe();
        let fragment = recipe.to_fragment();
        assert!(fragment.starts_with("recipe="));
        assert!(
            fragment["recipe=".len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{fragment}"
        );
        assert!(Recipe::is_link_fragment(&format!("#{fragment}")));
        assert!(!Recipe::is_link_fragment("#main"));
        assert_eq!(Recipe::from_fragment(&fragment), Ok(recipe.clone()));
        assert_eq!(
            Recipe::from_fragment(&format!("#{fragment}")),
            Ok(recipe),
            "the fragment as location.hash gives it"
        );
    }

    #[test]
    fn a_cut_off_damaged_or_foreign_link_is_refused_in_words() {
        let fragment = recipe().to_fragment();
        let message = |fragment: &str| Recipe::from_fragment(fragment).unwrap_err().to_string();
        let cut = &fragment[..fragment.len() / 2];
        assert_eq!(
            message(cut),
            "the recipe link is cut off or damaged: copy the whole link again"
        );
        assert_eq!(message("recipe=!!!!"), message(cut));
        assert_eq!(
            message("#main"),
            "this address holds no recipe (a recipe link ends in #recipe=…)"
        );
        let foreign = Recipe {
            format: "kindling-recipe/9".into(),
            ..recipe()
        };
        assert!(
            message(&foreign.to_fragment()).contains("format \"kindling-recipe/9\""),
            "the file checks apply"
        );
        let mut untrainable = recipe();
        untrainable.spec.batch_size = 0;
        assert!(message(&untrainable.to_fragment()).starts_with("the recipe's settings"));
        let huge = format!("recipe={}", "A".repeat(2 * MAX_RECIPE_BYTES));
        assert!(message(&huge).contains("not a Kindling recipe"));
    }

    #[test]
    fn only_the_recipes_own_rows_pass_its_data_check() {
        let recipe = recipe();
        let same = SyntheticSpec::default().generate().unwrap();
        assert_eq!(recipe.check_data(&same), Ok(()));
        let other = SyntheticSpec {
            seed: 99,
            ..SyntheticSpec::default()
        }
        .generate()
        .unwrap();
        let message = recipe.check_data(&other).unwrap_err().to_string();
        let short = |data: &Dataset| dataset_id(data)[..12].to_owned();
        assert_eq!(
            message,
            format!(
                "these are not the rows the run was trained on: this data is version {} ({} \
                 rows, 2 columns); the recipe's is version {} ({} rows, 2 columns), so training \
                 on it would not be a repeat",
                short(&other),
                other.row_count(),
                short(&same),
                same.row_count()
            )
        );
        let attempts = recipe.csv_import_attempts();
        assert_eq!(attempts[0].missing, MissingPolicy::DropRows);
        assert_eq!(attempts[1].missing, MissingPolicy::Impute);
        assert_eq!(
            attempts[0].target.as_deref(),
            Some(recipe.dataset.target.as_str())
        );
    }

    #[test]
    fn a_repeat_is_compared_to_the_last_bit() {
        let recipe = recipe();
        let same = recipe.metrics.clone();
        assert!(
            recipe
                .compare(&same)
                .iter()
                .all(MetricComparison::is_identical)
        );
        let mut close = same.clone();
        close.insert("val_loss".into(), 0.3);
        close.insert("train_loss".into(), f64::NAN);
        let compared = recipe.compare(&close);
        let differing: Vec<&str> = compared
            .iter()
            .filter(|metric| !metric.is_identical())
            .map(|metric| metric.name.as_str())
            .collect();
        assert_eq!(
            differing,
            ["val_loss"],
            "0.1 + 0.2 is not 0.3; NaN is no metric"
        );
        assert_eq!(compared.len(), 3);
    }
}
