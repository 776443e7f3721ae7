//! What an import adds, decided before anything is written, beside what is stored: nothing
//! stored is ever replaced. A run or model already present is skipped; a different run that
//! happens to share an id is added under a new id (and the versions trained by it follow it),
//! a different model that shares a name under a new name; datasets are keyed by content hash.
//!
//! Every lookup is by index (hash sets and maps), so planning 3,000 runs beside 3,000 takes
//! milliseconds, not seconds.

use std::collections::{HashMap, HashSet};

use super::file::Workspace;
use crate::registry::store::VersionBundle;
use crate::registry::{ModelVersion, RegisteredModel};
use crate::tracking::{RunBundle, RunRecord, StoredDataset};

/// What is stored already, as the plan needs it.
pub struct Stored<'a> {
    pub runs: &'a [RunRecord],
    pub dataset_ids: &'a HashSet<String>,
    pub models: &'a [RegisteredModel],
    pub versions: &'a [ModelVersion],
}

/// What an import will add.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportPlan {
    pub runs: Vec<RunBundle>,
    pub datasets: Vec<StoredDataset>,
    pub models: Vec<RegisteredModel>,
    pub versions: Vec<VersionBundle>,
    /// Runs identical to one already stored, left out.
    pub runs_already_present: usize,
    /// Runs whose id was taken by a different run, added under a new id.
    pub runs_given_new_ids: usize,
    pub datasets_already_present: usize,
    /// Models whose every version is already stored under the same name, left out.
    pub models_already_present: usize,
    /// Models whose name was taken by a different model, added under a new name.
    pub models_given_new_names: usize,
}

impl ImportPlan {
    /// One sentence for the page after an import.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "Imported {}, {}, {} and {}.",
            counted(self.runs.len(), "run"),
            counted(self.datasets.len(), "dataset"),
            counted(self.models.len(), "model"),
            counted(self.versions.len(), "model version"),
        );
        let was = |count: usize| if count == 1 { "was" } else { "were" };
        if self.runs_already_present > 0 {
            text.push_str(&format!(
                " {} already here {} skipped.",
                counted(self.runs_already_present, "run"),
                was(self.runs_already_present),
            ));
        }
        if self.runs_given_new_ids > 0 {
            text.push_str(&format!(
                " {} shared an id with a different run here and got a new id.",
                counted(self.runs_given_new_ids, "run"),
            ));
        }
        if self.models_already_present > 0 {
            text.push_str(&format!(
                " {} already here {} skipped.",
                counted(self.models_already_present, "model"),
                was(self.models_already_present),
            ));
        }
        if self.models_given_new_names > 0 {
            text.push_str(&format!(
                " {} shared a name with a different model here and got a new name.",
                counted(self.models_given_new_names, "model"),
            ));
        }
        text
    }
}

fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A run's content without its id: two runs with the same key are the same run, one of them
/// renamed by an earlier import of the same file.
fn content_key(run: &RunRecord) -> String {
    serde_json::to_string(&RunRecord {
        id: String::new(),
        ..run.clone()
    })
    .expect("a run always serialises")
}

/// Hands out names not yet taken: `base`, then `base-2`, `base-3`, … remembering where each
/// base got to, so a thousand clashes on one name cost a thousand lookups, not a million.
struct FreeNames {
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl FreeNames {
    fn new(taken: impl IntoIterator<Item = String>) -> Self {
        Self {
            taken: taken.into_iter().collect(),
            next_suffix: HashMap::new(),
        }
    }

    /// `base` if free, else the first free `base-N`; either way it is taken from now on.
    fn take(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        let suffix = self.next_suffix.entry(base.to_owned()).or_insert(2);
        loop {
            let candidate = format!("{base}-{suffix}");
            *suffix += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// Decides what to add: identical runs and models are skipped, clashes renamed, datasets
/// already stored left alone.
pub fn plan_import(workspace: Workspace, stored: &Stored) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let stored_content: HashSet<String> = stored.runs.iter().map(content_key).collect();
    let mut run_ids = FreeNames::new(stored.runs.iter().map(|run| run.id.clone()));
    let mut renamed_runs: HashMap<String, String> = HashMap::new();
    for mut bundle in workspace.runs {
        if stored_content.contains(&content_key(&bundle.run)) {
            plan.runs_already_present += 1;
            continue;
        }
        let id = run_ids.take(&bundle.run.id);
        if id != bundle.run.id {
            plan.runs_given_new_ids += 1;
            renamed_runs.insert(bundle.run.id.clone(), id.clone());
            bundle.run.id = id;
        }
        plan.runs.push(bundle);
    }

    let mut seen_datasets = stored.dataset_ids.clone();
    for dataset in workspace.datasets {
        if seen_datasets.insert(dataset.entry.id.clone()) {
            plan.datasets.push(dataset);
        } else {
            plan.datasets_already_present += 1;
        }
    }

    let stored_weights: HashSet<(&str, &str)> = stored
        .versions
        .iter()
        .map(|v| (v.model.as_str(), v.weights_sha256.as_str()))
        .collect();
    let mut model_names = FreeNames::new(stored.models.iter().map(|m| m.name.clone()));
    let mut versions_of: HashMap<String, Vec<VersionBundle>> = HashMap::new();
    for bundle in workspace.versions {
        versions_of
            .entry(bundle.version.model.clone())
            .or_default()
            .push(bundle);
    }
    for mut model in workspace.models {
        let mut versions = versions_of.remove(&model.name).unwrap_or_default();
        let already_here = stored.models.iter().any(|m| m.name == model.name)
            && versions.iter().all(|bundle| {
                stored_weights.contains(&(model.name.as_str(), &bundle.version.weights_sha256))
            });
        if already_here {
            plan.models_already_present += 1;
            continue;
        }
        let name = model_names.take(&model.name);
        if name != model.name {
            plan.models_given_new_names += 1;
            model.name = name;
        }
        for bundle in &mut versions {
            bundle.version.model = model.name.clone();
            if let Some(new_id) = renamed_runs.get(&bundle.version.lineage.run_id) {
                bundle.version.lineage.run_id = new_id.clone();
            }
        }
        plan.models.push(model);
        plan.versions.extend(versions);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_names_count_on_from_where_each_base_got_to() {
        let mut names = FreeNames::new(["a".to_owned(), "a-2".to_owned()]);
        assert_eq!(names.take("b"), "b");
        assert_eq!(names.take("a"), "a-3");
        assert_eq!(names.take("a"), "a-4");
        assert_eq!(names.take("b"), "b-2");
    }
}
