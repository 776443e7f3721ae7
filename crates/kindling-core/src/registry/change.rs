//! A change to one registered model, as data: what a person asked for, applied by the store to
//! the model and versions *as stored at the moment of the write*, inside the write's own
//! transaction. Two tabs that each hold a copy of the registry therefore never put back a
//! stale copy over each other's alias moves, gates or history, and a change the stored state
//! refuses (an alias moved to a version another tab archived meanwhile, an archive of a version
//! another tab just made champion) is refused in words and writes nothing.

use serde::{Deserialize, Serialize};

use super::card::ModelCard;
use super::gates::Gate;
use super::model::{ModelVersion, RegisteredModel, RegistryError};
use crate::storage::StoreError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelChange {
    /// Points `alias` at `version`; a version that failed its gates needs `override_reason`.
    MoveAlias {
        alias: String,
        version: u32,
        reason: String,
        override_reason: Option<String>,
        at_ms: f64,
    },
    RemoveAlias {
        alias: String,
        reason: String,
        at_ms: f64,
    },
    SetGates(Vec<Gate>),
    /// Archives or restores a version; archiving one that holds an alias is refused.
    SetArchived {
        version: u32,
        archived: bool,
    },
    /// The card's written sections, with the hashes of the package rebuilt to carry them
    /// (stored in the same write).
    SetCard {
        version: u32,
        card: ModelCard,
        package_sha256: String,
        weights_sha256: String,
    },
}

/// What a change rewrote: the model always, and the one version it named, if it named one.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub model: RegisteredModel,
    pub version: Option<ModelVersion>,
}

impl ModelChange {
    /// What every store does inside its transaction: the change applied to the model called
    /// `name` as stored (`None`: there is none), a refusal said in the store's terms.
    pub fn apply_stored(
        &self,
        name: &str,
        stored: Option<RegisteredModel>,
        versions: &[ModelVersion],
    ) -> Result<Changed, StoreError> {
        let model = stored.ok_or_else(|| StoreError::NoSuchModel(name.to_owned()))?;
        self.apply(model, versions)
            .map_err(|error| StoreError::Refused(error.to_string()))
    }

    /// Applies the change to `model` and its stored `versions` (any order, other models'
    /// versions ignored). Refused changes return the reason and leave both untouched.
    pub fn apply(
        &self,
        mut model: RegisteredModel,
        versions: &[ModelVersion],
    ) -> Result<Changed, RegistryError> {
        let find = |number: u32| {
            versions
                .iter()
                .find(|v| v.model == model.name && v.version == number)
                .cloned()
                .ok_or_else(|| RegistryError::NoSuchVersion {
                    model: model.name.clone(),
                    version: number,
                })
        };
        let version = match self {
            Self::MoveAlias {
                alias,
                version,
                reason,
                override_reason,
                at_ms,
            } => {
                let target = find(*version)?;
                model.move_alias(
                    alias.trim(),
                    &target,
                    reason,
                    override_reason.as_deref(),
                    *at_ms,
                )?;
                None
            }
            Self::RemoveAlias {
                alias,
                reason,
                at_ms,
            } => {
                model.remove_alias(alias, reason, *at_ms)?;
                None
            }
            Self::SetGates(gates) => {
                model.gates = gates.clone();
                None
            }
            Self::SetArchived { version, archived } => {
                let mut target = find(*version)?;
                if *archived {
                    target.archive(&model)?;
                } else {
                    target.archived = false;
                }
                Some(target)
            }
            Self::SetCard {
                version,
                card,
                package_sha256,
                weights_sha256,
            } => {
                let mut target = find(*version)?;
                target.card = card.clone();
                target.package_sha256 = package_sha256.clone();
                target.weights_sha256 = weights_sha256.clone();
                Some(target)
            }
        };
        Ok(Changed { model, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::version;

    fn move_to(version: u32, at_ms: f64) -> ModelChange {
        ModelChange::MoveAlias {
            alias: "champion".into(),
            version,
            reason: format!("v{version} is better"),
            override_reason: None,
            at_ms,
        }
    }

    #[test]
    fn changes_from_two_copies_both_land_when_applied_to_what_is_stored() {
        let model = RegisteredModel::new("iris", 0.0).unwrap();
        let versions = [version("iris", 1), version("iris", 2)];
        // Two tabs each asked for a change; the store applies them one after the other.
        let first = move_to(1, 1.0).apply(model, &versions).unwrap().model;
        let gates = vec![Gate::Threshold {
            metric: "test_accuracy".into(),
            comparison: crate::registry::gates::Comparison::AtLeast,
            value: 0.9,
        }];
        let second = ModelChange::SetGates(gates.clone())
            .apply(first, &versions)
            .unwrap()
            .model;
        let third = move_to(2, 2.0).apply(second, &versions).unwrap().model;
        assert_eq!(third.gates, gates);
        assert_eq!(third.aliases["champion"], 2);
        assert_eq!(
            third
                .alias_history
                .iter()
                .map(|change| change.version)
                .collect::<Vec<_>>(),
            [Some(1), Some(2)],
            "the history keeps both moves"
        );
    }

    #[test]
    fn the_stored_state_refuses_what_a_stale_copy_would_allow() {
        let model = RegisteredModel::new("iris", 0.0).unwrap();
        let mut versions = vec![version("iris", 1), version("iris", 2)];
        // Another tab made v1 champion; archiving it here is refused against what is stored.
        let stored = move_to(1, 1.0).apply(model, &versions).unwrap().model;
        let archive = ModelChange::SetArchived {
            version: 1,
            archived: true,
        };
        assert!(matches!(
            archive.apply(stored.clone(), &versions),
            Err(RegistryError::HoldsAliases { version: 1, .. })
        ));
        // Another tab archived v2; moving an alias to it is refused.
        versions[1].archived = true;
        assert_eq!(
            move_to(2, 2.0).apply(stored.clone(), &versions),
            Err(RegistryError::Archived(2))
        );
        assert!(matches!(
            move_to(3, 2.0).apply(stored, &versions),
            Err(RegistryError::NoSuchVersion { version: 3, .. })
        ));
    }

    #[test]
    fn only_version_changes_rewrite_a_version() {
        let model = RegisteredModel::new("iris", 0.0).unwrap();
        let versions = [version("iris", 1)];
        let restored = ModelChange::SetArchived {
            version: 1,
            archived: false,
        };
        let changed = restored.apply(model.clone(), &versions).unwrap();
        assert_eq!(changed.version.map(|v| v.version), Some(1));
        assert_eq!(
            move_to(1, 1.0).apply(model, &versions).unwrap().version,
            None
        );
    }
}
