//! Which version the Predict page opens on.

use crate::registry::{CHAMPION, ModelVersion, RegisteredModel};

/// The version the page opens on: the one named by `?model=…&version=…` (a number, `v3`, or
/// an alias), else that model's champion or newest version, else the first model's champion,
/// else the newest version of all. Archived versions are never chosen.
pub fn default_version(
    models: &[RegisteredModel],
    versions: &[ModelVersion],
    wanted_model: Option<&str>,
    wanted_version: Option<&str>,
) -> Option<(String, u32)> {
    let live = || versions.iter().filter(|v| !v.archived);
    let exists = |name: &str, number: u32| live().any(|v| v.model == name && v.version == number);
    let alias = |name: &str, alias: &str| {
        models
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.aliases.get(alias).copied())
    };
    let newest = |name: Option<&str>| {
        live()
            .filter(|v| name.is_none_or(|name| v.model == name))
            .max_by(|a, b| {
                (a.created_ms, a.version)
                    .partial_cmp(&(b.created_ms, b.version))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|v| (v.model.clone(), v.version))
    };
    if let Some(name) = wanted_model {
        let number = match wanted_version {
            Some(text) => text
                .trim_start_matches('v')
                .parse()
                .ok()
                .or_else(|| alias(name, text)),
            None => alias(name, CHAMPION),
        };
        if let Some(number) = number.filter(|&n| exists(name, n)) {
            return Some((name.to_owned(), number));
        }
        if wanted_version.is_none()
            && let Some(newest) = newest(Some(name))
        {
            return Some(newest);
        }
    }
    if let Some(first) = models.first()
        && let Some(&number) = first.aliases.get(CHAMPION)
        && exists(&first.name, number)
    {
        return Some((first.name.clone(), number));
    }
    newest(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::version;

    #[test]
    fn the_address_then_the_champion_then_the_newest_is_opened_never_an_archived_one() {
        let mut iris = RegisteredModel::new("iris", 0.0).unwrap();
        let mut versions = vec![version("iris", 1), version("iris", 2), version("wine", 1)];
        versions[2].created_ms = 5.0;
        iris.move_alias(CHAMPION, &versions[0], "first", None, 1.0)
            .unwrap();
        let models = [iris, RegisteredModel::new("wine", 0.0).unwrap()];
        let open = |model, version| default_version(&models, &versions, model, version);
        assert_eq!(open(Some("iris"), Some("v2")), Some(("iris".into(), 2)));
        assert_eq!(
            open(Some("iris"), Some("champion")),
            Some(("iris".into(), 1))
        );
        assert_eq!(open(Some("iris"), None), Some(("iris".into(), 1)));
        assert_eq!(open(Some("wine"), None), Some(("wine".into(), 1)));
        assert_eq!(
            open(None, None),
            Some(("iris".into(), 1)),
            "the first model's champion"
        );
        assert_eq!(open(Some("iris"), Some("v9")), Some(("iris".into(), 1)));
        versions[0].archived = true;
        let open = |model, version| default_version(&models, &versions, model, version);
        assert_eq!(
            open(Some("iris"), None),
            Some(("iris".into(), 2)),
            "not the archived champion"
        );
    }
}
