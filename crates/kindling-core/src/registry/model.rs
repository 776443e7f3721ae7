//! A registered model and its versions: the entities and the rules of aliases, archiving and
//! numbering, as plain functions over plain data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::card::ModelCard;
use super::gates::{Gate, GateReport};
use crate::signature::ModelSignature;
use crate::spec::TrainSpec;
use crate::tracking::DatasetRef;

/// The alias the champion/challenger gate compares against.
pub const CHAMPION: &str = "champion";

/// A named model: what its versions must be checked against and where its aliases point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub name: String,
    pub description: String,
    pub created_ms: f64,
    pub gates: Vec<Gate>,
    /// Alias → version number.
    pub aliases: BTreeMap<String, u32>,
    /// Every alias move, oldest first; never rewritten.
    pub alias_history: Vec<AliasChange>,
}

/// One alias move: who pointed where, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasChange {
    pub alias: String,
    /// `None` when the alias was removed.
    pub version: Option<u32>,
    pub previous: Option<u32>,
    pub at_ms: f64,
    pub reason: String,
    /// Set when the version failed its gates and the person took the alias anyway.
    pub override_reason: Option<String>,
}

/// Where a version came from: everything needed to trace or repeat it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// The run that trained it (in this workspace or, for an uploaded package, the one it
    /// came from).
    pub run_id: String,
    pub run_name: String,
    pub dataset: DatasetRef,
    pub recipe: TrainSpec,
    pub app_version: String,
}

/// How the version entered this registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum VersionSource {
    Run,
    /// An uploaded package: its file name, and the version number it was packaged as (the
    /// registry numbers uploads itself, so numbers never clash or jump).
    Upload {
        file_name: String,
        packaged_as: u32,
    },
}

/// One version of a registered model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub model: String,
    pub version: u32,
    pub created_ms: f64,
    pub source: VersionSource,
    pub lineage: Lineage,
    pub signature: ModelSignature,
    /// The run's test (and validation) figures, as the gates read them.
    #[serde(deserialize_with = "crate::metrics::renamed_on_read")]
    pub metrics: BTreeMap<String, f64>,
    pub gate_report: GateReport,
    /// sha256 (hex) of the package as it is stored and downloaded.
    pub package_sha256: String,
    /// sha256 (hex) of the weights file: two versions with the same weights and signature
    /// are the same model, which is how an uploaded package is recognised.
    pub weights_sha256: String,
    pub archived: bool,
    pub card: ModelCard,
}

/// Why a registry action was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RegistryError {
    #[error(
        "a model name needs 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit"
    )]
    BadModelName,
    #[error("an alias needs 1 to 32 lowercase letters, digits, '-' or '_', starting with a letter")]
    BadAlias,
    #[error("{model} has no version {version}")]
    NoSuchVersion { model: String, version: u32 },
    #[error("v{version} failed its gates ({failures}); to give it '{alias}' anyway, write why")]
    GatesFailed {
        version: u32,
        alias: String,
        failures: String,
    },
    #[error("v{0} is archived; restore it before giving it an alias")]
    Archived(u32),
    #[error("v{version} holds {aliases}; move those aliases before archiving it")]
    HoldsAliases { version: u32, aliases: String },
    #[error("say why the alias moves: the reason is kept in the model's history")]
    NoReason,
}

/// Checks a model name typed by a person; it becomes part of file names, so it is kept plain.
pub fn check_model_name(name: &str) -> Result<(), RegistryError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let ok = (1..=64).contains(&name.len())
        && name.chars().all(plain)
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    ok.then_some(()).ok_or(RegistryError::BadModelName)
}

pub fn check_alias(alias: &str) -> Result<(), RegistryError> {
    let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_');
    let ok = (1..=32).contains(&alias.len())
        && alias.chars().all(plain)
        && alias.starts_with(|c: char| c.is_ascii_lowercase());
    ok.then_some(()).ok_or(RegistryError::BadAlias)
}

impl RegisteredModel {
    pub fn new(name: &str, now_ms: f64) -> Result<Self, RegistryError> {
        check_model_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            description: String::new(),
            created_ms: now_ms,
            gates: Vec::new(),
            aliases: BTreeMap::new(),
            alias_history: Vec::new(),
        })
    }

    /// The aliases pointing at `version`, sorted.
    pub fn aliases_of(&self, version: u32) -> Vec<&str> {
        self.aliases
            .iter()
            .filter(|(_, at)| **at == version)
            .map(|(alias, _)| alias.as_str())
            .collect()
    }

    /// Points `alias` at `target`. A version that failed its gates takes it only with an
    /// `override_reason`, which is recorded beside the move.
    pub fn move_alias(
        &mut self,
        alias: &str,
        target: &ModelVersion,
        reason: &str,
        override_reason: Option<&str>,
        now_ms: f64,
    ) -> Result<(), RegistryError> {
        check_alias(alias)?;
        if target.archived {
            return Err(RegistryError::Archived(target.version));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(RegistryError::NoReason);
        }
        let override_reason = override_reason
            .map(str::trim)
            .filter(|text| !text.is_empty());
        if !target.gate_report.passed() && override_reason.is_none() {
            return Err(RegistryError::GatesFailed {
                version: target.version,
                alias: alias.to_owned(),
                failures: target
                    .gate_report
                    .failures()
                    .map(|check| check.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let previous = self.aliases.insert(alias.to_owned(), target.version);
        self.alias_history.push(AliasChange {
            alias: alias.to_owned(),
            version: Some(target.version),
            previous,
            at_ms: now_ms,
            reason: reason.to_owned(),
            override_reason: override_reason
                .filter(|_| !target.gate_report.passed())
                .map(str::to_owned),
        });
        Ok(())
    }

    /// Takes `alias` away from whichever version holds it; unknown aliases change nothing.
    pub fn remove_alias(
        &mut self,
        alias: &str,
        reason: &str,
        now_ms: f64,
    ) -> Result<(), RegistryError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(RegistryError::NoReason);
        }
        if let Some(previous) = self.aliases.remove(alias) {
            self.alias_history.push(AliasChange {
                alias: alias.to_owned(),
                version: None,
                previous: Some(previous),
                at_ms: now_ms,
                reason: reason.to_owned(),
                override_reason: None,
            });
        }
        Ok(())
    }

    /// The version number the next registration gets.
    pub fn next_version(versions: &[ModelVersion], model: &str) -> u32 {
        versions
            .iter()
            .filter(|version| version.model == model)
            .map(|version| version.version)
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }
}

/// How far a version's metrics can be trusted, as the version page says it.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricsStanding {
    /// Measured by the run that trained it, in this workspace.
    Measured,
    /// Carried by an uploaded package and measured again here on the recipe's test rows.
    MeasuredAgain,
    /// Carried by an uploaded package and not confirmed here: why, in words.
    Claimed(String),
}

impl ModelVersion {
    /// Whether the metrics were measured here or only claimed by an uploaded package: the
    /// gates read them either way, and an unconfirmed claim fails the automatic check, so such
    /// a version takes an alias only with a written override.
    pub fn metrics_standing(&self) -> MetricsStanding {
        if self.source == VersionSource::Run {
            return MetricsStanding::Measured;
        }
        let check = self
            .gate_report
            .checks
            .iter()
            .find(|check| check.name == super::gates::SCORES_AS_CLAIMED);
        match check {
            Some(check) if check.passed => MetricsStanding::MeasuredAgain,
            Some(check) => MetricsStanding::Claimed(check.detail.clone()),
            None => MetricsStanding::Claimed("the scores were not checked here".into()),
        }
    }

    /// Archives the version; one that holds an alias must give it up first, so an alias never
    /// points at an archived model.
    pub fn archive(&mut self, model: &RegisteredModel) -> Result<(), RegistryError> {
        let aliases = model.aliases_of(self.version);
        if !aliases.is_empty() {
            return Err(RegistryError::HoldsAliases {
                version: self.version,
                aliases: aliases.join(", "),
            });
        }
        self.archived = true;
        Ok(())
    }

    /// `<model>-v<version>.kindling.zip`
    pub fn package_file_name(&self) -> String {
        format!("{}-v{}.kindling.zip", self.model, self.version)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn version(model: &str, number: u32, passed: bool) -> ModelVersion {
        let mut version = super::super::fixtures::version(model, number);
        version.gate_report.checks[0].passed = passed;
        version
    }

    #[test]
    fn names_and_aliases_are_kept_plain() {
        for good in ["iris", "Iris-classifier_2.1", "7up"] {
            assert!(check_model_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "a b", "../x", "a/b", &"x".repeat(65), "<img>"] {
            assert_eq!(
                check_model_name(bad),
                Err(RegistryError::BadModelName),
                "{bad}"
            );
        }
        assert!(check_alias("champion").is_ok());
        assert!(check_alias("prod-eu_2").is_ok());
        for bad in ["", "Champion", "2nd", "a b"] {
            assert_eq!(check_alias(bad), Err(RegistryError::BadAlias), "{bad}");
        }
    }

    #[test]
    fn a_failing_version_takes_an_alias_only_with_a_written_override() {
        let mut model = RegisteredModel::new("iris", 0.0).unwrap();
        let failing = version("iris", 1, false);
        let error = model
            .move_alias(CHAMPION, &failing, "first model", None, 5.0)
            .unwrap_err();
        assert!(
            error.to_string().contains("test_accuracy ≥ 0.95"),
            "{error}"
        );
        assert!(model.aliases.is_empty() && model.alias_history.is_empty());
        assert_eq!(
            model.move_alias(CHAMPION, &failing, "first model", Some("  "), 5.0),
            Err(error)
        );
        model
            .move_alias(CHAMPION, &failing, "first model", Some("demo only"), 5.0)
            .unwrap();
        assert_eq!(model.aliases[CHAMPION], 1);
        assert_eq!(
            model.alias_history[0].override_reason.as_deref(),
            Some("demo only")
        );
    }

    #[test]
    fn alias_moves_are_recorded_with_the_previous_holder() {
        let mut model = RegisteredModel::new("iris", 0.0).unwrap();
        let (one, two) = (version("iris", 1, true), version("iris", 2, true));
        model
            .move_alias(CHAMPION, &one, "first", None, 1.0)
            .unwrap();
        model
            .move_alias(CHAMPION, &two, "better", Some("ignored"), 2.0)
            .unwrap();
        assert_eq!(model.aliases_of(2), [CHAMPION]);
        let last = model.alias_history.last().unwrap();
        assert_eq!((last.previous, last.version), (Some(1), Some(2)));
        assert_eq!(
            last.override_reason, None,
            "a passing version needs no override"
        );
        assert_eq!(
            model.move_alias(CHAMPION, &one, " ", None, 3.0),
            Err(RegistryError::NoReason)
        );
        model.remove_alias(CHAMPION, "retired", 4.0).unwrap();
        assert!(model.aliases.is_empty());
        assert_eq!(model.alias_history.len(), 3);
    }

    #[test]
    fn uploaded_metrics_are_claims_until_the_scores_check_passes_here() {
        use crate::registry::gates::{CheckKind, CheckResult, SCORES_AS_CLAIMED};
        let mut upload = version("iris", 1, true);
        assert_eq!(upload.metrics_standing(), MetricsStanding::Measured);
        upload.source = VersionSource::Upload {
            file_name: "iris.kindling.zip".into(),
            packaged_as: 4,
        };
        assert!(matches!(
            upload.metrics_standing(),
            MetricsStanding::Claimed(_)
        ));
        let scores = |passed: bool| CheckResult {
            kind: CheckKind::Automatic,
            name: SCORES_AS_CLAIMED.into(),
            passed,
            value: None,
            threshold: None,
            detail: "test_accuracy is 0.900000 on the recipe's test rows, not the 1.000000 claimed"
                .into(),
        };
        upload.gate_report.checks.push(scores(false));
        assert_eq!(
            upload.metrics_standing(),
            MetricsStanding::Claimed(scores(false).detail)
        );
        upload.gate_report.checks.pop();
        upload.gate_report.checks.push(scores(true));
        assert_eq!(upload.metrics_standing(), MetricsStanding::MeasuredAgain);
    }

    #[test]
    fn archiving_keeps_the_version_and_refuses_alias_holders() {
        let mut model = RegisteredModel::new("iris", 0.0).unwrap();
        let mut one = version("iris", 1, true);
        model
            .move_alias("staging", &one, "try it", None, 1.0)
            .unwrap();
        assert!(matches!(
            one.archive(&model),
            Err(RegistryError::HoldsAliases { .. })
        ));
        model.remove_alias("staging", "done", 2.0).unwrap();
        one.archive(&model).unwrap();
        assert!(one.archived);
        assert_eq!(
            model.move_alias("staging", &one, "again", None, 3.0),
            Err(RegistryError::Archived(1))
        );
    }

    #[test]
    fn versions_count_up_per_model() {
        let versions = [
            version("iris", 1, true),
            version("iris", 4, true),
            version("wine", 9, true),
        ];
        assert_eq!(RegisteredModel::next_version(&versions, "iris"), 5);
        assert_eq!(RegisteredModel::next_version(&versions, "digits"), 1);
        assert_eq!(versions[1].package_file_name(), "iris-v4.kindling.zip");
    }
}
