//! What still needs a stored dataset: it can be deleted to free space only when nothing does.

use crate::registry::ModelVersion;
use crate::spec::DatasetSpec;
use crate::tracking::RunRecord;

/// Why the dataset with content hash `id` cannot be deleted, or `None` when nothing needs it:
/// a run that trained on it (its re-run would have no rows) or a registered version whose
/// recipe names it (its checks would have nothing to check against).
pub fn dataset_needed_by(
    id: &str,
    runs: &[RunRecord],
    versions: &[ModelVersion],
) -> Option<String> {
    let run_names: Vec<&str> = runs
        .iter()
        .filter(|run| {
            run.dataset.id == id && matches!(run.spec.dataset, DatasetSpec::Imported { .. })
        })
        .map(|run| run.name.as_str())
        .collect();
    let version_names: Vec<String> = versions
        .iter()
        .filter(|version| version.lineage.dataset.id == id)
        .map(|version| format!("{} v{}", version.model, version.version))
        .collect();
    let listed = |names: &[&str]| {
        let mut text = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        if names.len() > 3 {
            text.push_str(&format!(" and {} more", names.len() - 3));
        }
        text
    };
    match (run_names.is_empty(), version_names.is_empty()) {
        (true, true) => None,
        (false, _) => Some(format!(
            "{} trained on it and could not be re-run without it ({}): delete those runs first",
            if run_names.len() == 1 {
                "a run"
            } else {
                "runs"
            },
            listed(&run_names)
        )),
        (true, false) => {
            let names: Vec<&str> = version_names.iter().map(String::as_str).collect();
            Some(format!(
                "registered versions were trained on it and are checked against it ({}): delete those models first",
                listed(&names)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::registry::fixtures::version;
    use crate::spec::TrainSpec;

    #[test]
    fn a_dataset_a_run_or_version_needs_is_kept_with_the_reason() {
        let data = SyntheticSpec::default().generate().unwrap();
        let spec = TrainSpec {
            dataset: DatasetSpec::Imported {
                name: "mine".into(),
            },
            ..TrainSpec::default()
        };
        let run = RunRecord::new("r1".into(), "bold-fox-1".into(), spec, &data, 0.0);
        let id = run.dataset.id.clone();
        let reason = dataset_needed_by(&id, std::slice::from_ref(&run), &[]).unwrap();
        assert!(reason.contains("bold-fox-1") && reason.contains("delete those runs"));
        let mut v = version("iris", 2);
        v.lineage.dataset.id = id.clone();
        let reason = dataset_needed_by(&id, &[], std::slice::from_ref(&v)).unwrap();
        assert!(reason.contains("iris v2"), "{reason}");
        assert_eq!(dataset_needed_by("other", &[run], &[v]), None);
    }
}
