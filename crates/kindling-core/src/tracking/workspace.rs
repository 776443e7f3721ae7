//! One file with a whole workspace: every run (summary, epochs, evaluation) and every imported
//! dataset. A teacher imports a student's file beside their own work: nothing stored is ever
//! replaced, a run already present is skipped, and a different run that happens to share an id
//! is added under a new one.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::run::RunRecord;
use super::store::RunStore;
use super::stored::{RunBundle, StoredDataset};
use crate::data::prepare::dataset_id;
use crate::storage::StoreError;

/// Written into every file; a reader refuses formats it does not know rather than guess.
pub const WORKSPACE_FORMAT: &str = "kindling-workspace/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub format: String,
    pub app_version: String,
    pub exported_ms: f64,
    pub runs: Vec<RunBundle>,
    pub datasets: Vec<StoredDataset>,
}

#[derive(Debug, Error, PartialEq)]
pub enum WorkspaceError {
    #[error("this file is not a Kindling workspace: it is not JSON ({0})")]
    NotJson(String),
    #[error("this file is not a Kindling workspace: it has no \"format\" field")]
    NoFormat,
    #[error(
        "this workspace was written as {found}, which this version of Kindling cannot read (it \
         reads {WORKSPACE_FORMAT}); open it in a newer Kindling"
    )]
    UnknownFormat { found: String },
    #[error("the workspace file is damaged: {0}")]
    Damaged(String),
}

impl Workspace {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a workspace always serialises")
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, WorkspaceError> {
        // Read straight into the types, which took a 10,000-run file (65 MB) 210 ms natively
        // against 650-940 ms through a `serde_json::Value`; the page waits for this. Only a
        // file that does not fit is read the slow way, to say what is wrong with it.
        let workspace: Workspace = match serde_json::from_slice(bytes) {
            Ok(workspace) => workspace,
            Err(error) => return Err(Self::refusal(bytes, &error)),
        };
        if workspace.format != WORKSPACE_FORMAT {
            return Err(WorkspaceError::UnknownFormat {
                found: workspace.format,
            });
        }
        // A dataset is stored under the hash of its rows; rows that do not match their id
        // would make a later re-run silently train on other data.
        if let Some(stored) = workspace
            .datasets
            .iter()
            .find(|stored| dataset_id(&stored.dataset) != stored.entry.id)
        {
            return Err(WorkspaceError::Damaged(format!(
                "the rows of dataset \"{}\" do not match its version id",
                stored.entry.name
            )));
        }
        Ok(workspace)
    }

    /// Why `bytes`, which are not a workspace this version reads (`error`), were refused: not
    /// JSON, no format, another format, or this format with something missing or malformed.
    fn refusal(bytes: &[u8], error: &serde_json::Error) -> WorkspaceError {
        let value: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(error) => return WorkspaceError::NotJson(error.to_string()),
        };
        match value.get("format").and_then(serde_json::Value::as_str) {
            None => WorkspaceError::NoFormat,
            Some(format) if format != WORKSPACE_FORMAT => WorkspaceError::UnknownFormat {
                found: format.to_owned(),
            },
            Some(_) => WorkspaceError::Damaged(error.to_string()),
        }
    }
}

/// Everything in the store, ready to be written to a file.
pub async fn export_workspace(store: &impl RunStore, now_ms: f64) -> Result<Workspace, StoreError> {
    // Built from the listing itself, so a run deleted meanwhile (in another tab) cannot fail
    // the export.
    let mut runs = Vec::new();
    for run in store.runs().await? {
        runs.push(RunBundle {
            history: store.history(&run.id).await?,
            evaluation: store.evaluation(&run.id).await?,
            run,
        });
    }
    let mut datasets = Vec::new();
    for entry in store.dataset_entries().await? {
        if let Some(dataset) = store.dataset(&entry.id).await? {
            datasets.push(dataset);
        }
    }
    Ok(Workspace {
        format: WORKSPACE_FORMAT.to_owned(),
        app_version: crate::APP_VERSION.to_owned(),
        exported_ms: now_ms,
        runs,
        datasets,
    })
}

/// What an import will add, decided before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    pub runs: Vec<RunBundle>,
    pub datasets: Vec<StoredDataset>,
    /// Runs identical to one already stored, left out.
    pub runs_already_present: usize,
    /// Runs whose id was taken by a different run, added under a new id.
    pub runs_given_new_ids: usize,
    pub datasets_already_present: usize,
}

impl ImportPlan {
    /// One sentence for the page after an import.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "Imported {} run{} and {} dataset{}.",
            self.runs.len(),
            plural(self.runs.len()),
            self.datasets.len(),
            plural(self.datasets.len()),
        );
        if self.runs_already_present > 0 {
            text.push_str(&format!(
                " {} run{} already here {} skipped.",
                self.runs_already_present,
                plural(self.runs_already_present),
                if self.runs_already_present == 1 {
                    "was"
                } else {
                    "were"
                },
            ));
        }
        if self.runs_given_new_ids > 0 {
            text.push_str(&format!(
                " {} run{} shared an id with a different run here and got a new id.",
                self.runs_given_new_ids,
                plural(self.runs_given_new_ids),
            ));
        }
        text
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Decides what to add: identical runs are skipped, id clashes get `-2`, `-3`, … suffixes,
/// and datasets already stored (same content hash) are left alone.
pub fn plan_import(
    workspace: Workspace,
    stored_runs: &[RunRecord],
    stored_dataset_ids: &HashSet<String>,
) -> ImportPlan {
    let mut taken: HashSet<String> = stored_runs.iter().map(|run| run.id.clone()).collect();
    let mut plan = ImportPlan {
        runs: Vec::new(),
        datasets: Vec::new(),
        runs_already_present: 0,
        runs_given_new_ids: 0,
        datasets_already_present: 0,
    };
    for mut bundle in workspace.runs {
        // The same run under another id is still the same run: it was renamed by an earlier
        // import of this file.
        let same_run = |stored: &RunRecord| {
            *stored
                == RunRecord {
                    id: stored.id.clone(),
                    ..bundle.run.clone()
                }
        };
        if stored_runs.iter().any(same_run) {
            plan.runs_already_present += 1;
            continue;
        }
        if taken.contains(&bundle.run.id) {
            let base = bundle.run.id.clone();
            bundle.run.id = (2..)
                .map(|n| format!("{base}-{n}"))
                .find(|id| !taken.contains(id))
                .expect("some suffix is free");
            plan.runs_given_new_ids += 1;
        }
        taken.insert(bundle.run.id.clone());
        plan.runs.push(bundle);
    }
    let mut seen_datasets = stored_dataset_ids.clone();
    for dataset in workspace.datasets {
        if seen_datasets.insert(dataset.entry.id.clone()) {
            plan.datasets.push(dataset);
        } else {
            plan.datasets_already_present += 1;
        }
    }
    plan
}

/// Plans and applies an import in one store transaction: all of it lands, or none.
pub async fn import_workspace(
    store: &impl RunStore,
    workspace: Workspace,
) -> Result<ImportPlan, StoreError> {
    let stored_runs = store.runs().await?;
    let stored_datasets: HashSet<String> = store
        .dataset_entries()
        .await?
        .into_iter()
        .map(|entry| entry.id)
        .collect();
    let plan = plan_import(workspace, &stored_runs, &stored_datasets);
    store.add_bundles(&plan.runs, &plan.datasets).await?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::spec::TrainSpec;
    use crate::tracking::contract::block_on;
    use crate::tracking::memory::MemoryStore;

    fn bundle(id: &str, name: &str) -> RunBundle {
        let data = SyntheticSpec {
            sample_count: 20,
            ..SyntheticSpec::default()
        }
        .generate()
        .unwrap();
        RunBundle {
            run: RunRecord::new(id.into(), name.into(), TrainSpec::default(), &data, 1.0),
            history: Vec::new(),
            evaluation: None,
        }
    }

    #[test]
    fn export_then_import_into_an_empty_store_copies_everything() {
        let mine = MemoryStore::default();
        block_on(mine.add_bundles(&[bundle("a", "one"), bundle("b", "two")], &[])).unwrap();
        let file = block_on(export_workspace(&mine, 5.0)).unwrap().to_json();
        let theirs = MemoryStore::default();
        let plan = block_on(import_workspace(
            &theirs,
            Workspace::from_json(file.as_bytes()).unwrap(),
        ))
        .unwrap();
        assert_eq!(plan.runs.len(), 2);
        assert_eq!(
            block_on(theirs.runs()).unwrap(),
            block_on(mine.runs()).unwrap()
        );
        assert_eq!(plan.summary(), "Imported 2 runs and 0 datasets.");
    }

    #[test]
    fn importing_next_to_own_runs_skips_copies_and_renames_clashes() {
        let teacher = MemoryStore::default();
        block_on(teacher.add_bundles(&[bundle("a", "teacher's"), bundle("b", "same")], &[]))
            .unwrap();
        let student_file = || Workspace {
            format: WORKSPACE_FORMAT.into(),
            app_version: "0.1.0".into(),
            exported_ms: 1.0,
            runs: vec![
                bundle("a", "student's"),
                bundle("b", "same"),
                bundle("c", "new"),
            ],
            datasets: Vec::new(),
        };
        let plan = block_on(import_workspace(&teacher, student_file())).unwrap();
        assert_eq!(plan.runs_already_present, 1);
        assert_eq!(plan.runs_given_new_ids, 1);
        let runs = block_on(teacher.runs()).unwrap();
        let names: Vec<(&str, &str)> = runs
            .iter()
            .map(|run| (run.id.as_str(), run.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("a", "teacher's"),
                ("b", "same"),
                ("a-2", "student's"),
                ("c", "new")
            ]
        );
        assert_eq!(
            plan.summary(),
            "Imported 2 runs and 0 datasets. 1 run already here was skipped. 1 run shared an id \
             with a different run here and got a new id."
        );
        let again = block_on(import_workspace(&teacher, student_file())).unwrap();
        assert!(
            again.runs.is_empty(),
            "the renamed run is recognised as already here"
        );
        assert_eq!(again.runs_already_present, 3);
    }

    #[test]
    fn unreadable_files_are_refused_in_words() {
        assert!(matches!(
            Workspace::from_json(b"\x89PNG"),
            Err(WorkspaceError::NotJson(_))
        ));
        assert_eq!(
            Workspace::from_json(b"{\"runs\": []}"),
            Err(WorkspaceError::NoFormat)
        );
        assert_eq!(
            Workspace::from_json(b"{\"format\": \"kindling-workspace/9\"}")
                .unwrap_err()
                .to_string(),
            "this workspace was written as kindling-workspace/9, which this version of Kindling \
             cannot read (it reads kindling-workspace/1); open it in a newer Kindling"
        );
        let mut tampered = Workspace {
            format: WORKSPACE_FORMAT.into(),
            app_version: "0.1.0".into(),
            exported_ms: 1.0,
            runs: Vec::new(),
            datasets: vec![StoredDataset::new(
                SyntheticSpec::default().generate().unwrap(),
                1.0,
            )],
        };
        assert!(Workspace::from_json(tampered.to_json().as_bytes()).is_ok());
        let newer = Workspace {
            format: "kindling-workspace/2".into(),
            ..tampered.clone()
        };
        assert_eq!(
            Workspace::from_json(newer.to_json().as_bytes()),
            Err(WorkspaceError::UnknownFormat {
                found: "kindling-workspace/2".into()
            }),
            "a newer file is refused even when its fields happen to fit"
        );
        tampered.datasets[0].dataset.features[0] += 1.0;
        let refused = Workspace::from_json(tampered.to_json().as_bytes()).unwrap_err();
        assert!(matches!(refused, WorkspaceError::Damaged(_)));
        assert!(refused.to_string().ends_with("do not match its version id"));
        let damaged = format!("{{\"format\": \"{WORKSPACE_FORMAT}\", \"runs\": 3}}");
        assert!(matches!(
            Workspace::from_json(damaged.as_bytes()),
            Err(WorkspaceError::Damaged(_))
        ));
    }
}
