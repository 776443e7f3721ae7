//! What every [`WorkspaceStore`] must do, run natively against the memory store and in
//! Chromium against IndexedDB: an export imported into an empty store gives the same
//! workspace; an import beside existing work skips what is there and renames what clashes;
//! an import lands whole or not at all; files of the first format still import.

use super::file::{WORKSPACE_FORMAT, Workspace};
use super::plan::ImportPlan;
use super::store::{WorkspaceStore, export_workspace, import_workspace};
use crate::package::sha256_hex;
use crate::registry::RegisteredModel;
use crate::registry::fixtures::version;
use crate::registry::store::VersionBundle;
use crate::storage::StoreError;
use crate::tracking::contract::{epoch, run};
use crate::tracking::{RunBundle, RunModel, StoredDataset};

fn bundle(id: &str, name: &str, started_ms: f64) -> RunBundle {
    let mut record = run(id, started_ms);
    record.name = name.into();
    RunBundle {
        run: record,
        history: vec![epoch(1), epoch(2)],
        evaluation: None,
        model: Some(RunModel {
            signature: version("m", 1).signature,
            burnpack: vec![7; 16],
            early_weights: None,
        }),
    }
}

fn version_bundle(model: &str, number: u32, run_id: &str, weights: &str) -> VersionBundle {
    let package = format!("package of {model} v{number}").into_bytes();
    let mut v = version(model, number);
    v.lineage.run_id = run_id.into();
    v.weights_sha256 = weights.into();
    v.package_sha256 = sha256_hex(&package);
    VersionBundle {
        version: v,
        package,
    }
}

/// Fills `store` with two runs, a dataset, and a model with two versions and a champion.
async fn fill(store: &impl WorkspaceStore) {
    let dataset = StoredDataset::new(
        crate::data::synthetic::SyntheticSpec {
            sample_count: 20,
            ..Default::default()
        }
        .generate()
        .unwrap(),
        3.0,
    );
    store
        .add_bundles(
            &[bundle("a", "one", 1.0), bundle("b", "two", 2.0)],
            &[dataset],
        )
        .await
        .unwrap();
    let one = version_bundle("iris", 1, "a", "w1");
    let two = version_bundle("iris", 2, "b", "w2");
    let mut model = RegisteredModel::new("iris", 1.0).unwrap();
    model
        .move_alias("champion", &two.version, "better", None, 2.0)
        .unwrap();
    store.add_models(&[model], &[one, two]).await.unwrap();
}

/// Runs every case; `mine` and `theirs` must start empty.
pub async fn check_workspace(mine: &impl WorkspaceStore, theirs: &impl WorkspaceStore) {
    fill(mine).await;
    let exported = export_workspace(mine, 5.0).await.unwrap();
    assert_eq!(exported.format, WORKSPACE_FORMAT);
    assert!(
        exported.runs.iter().all(|run| run.model.is_some()),
        "weights travel"
    );
    let file = Workspace::from_json(exported.to_json().as_bytes()).unwrap();

    // Into an empty profile: the same workspace, packages byte for byte.
    let plan = import_workspace(theirs, file.clone()).await.unwrap();
    assert_eq!(
        plan.summary(),
        "Imported 2 runs, 1 dataset, 1 model and 2 model versions."
    );
    let again = export_workspace(theirs, 5.0).await.unwrap();
    assert_eq!(again, exported, "an empty profile gets everything, exactly");
    assert_eq!(
        theirs.package("iris", 2).await.unwrap().as_deref(),
        Some(&b"package of iris v2"[..])
    );
    assert_eq!(theirs.models().await.unwrap()[0].aliases["champion"], 2);

    // The same file again: everything is already here.
    let plan = import_workspace(theirs, file.clone()).await.unwrap();
    assert!(plan.runs.is_empty() && plan.models.is_empty() && plan.datasets.is_empty());
    assert_eq!(
        (plan.runs_already_present, plan.models_already_present),
        (2, 1)
    );

    // Beside different work: clashing ids and names are renamed, and a version follows the
    // run that trained it to its new id.
    let mut other = file.clone();
    other.runs[0].run.name = "someone else's".into();
    other.versions[0].version.weights_sha256 = "other weights".into();
    other.datasets.clear();
    let plan = import_workspace(theirs, other).await.unwrap();
    assert_eq!((plan.runs_given_new_ids, plan.runs_already_present), (1, 1));
    assert_eq!(plan.models_given_new_names, 1);
    let renamed = &plan.models[0].name;
    assert_eq!(renamed, "iris-2");
    let moved: Vec<(&str, &str)> = plan
        .versions
        .iter()
        .map(|b| (b.version.model.as_str(), b.version.lineage.run_id.as_str()))
        .collect();
    assert_eq!(moved, [("iris-2", "a-2"), ("iris-2", "b")]);
    assert!(theirs.run("a-2").await.unwrap().is_some());
    assert_eq!(
        theirs.package("iris-2", 1).await.unwrap().as_deref(),
        Some(&b"package of iris v1"[..])
    );

    // All or nothing: a plan whose last version is taken writes nothing at all.
    let clashing = ImportPlan {
        runs: vec![bundle("fresh", "fresh", 9.0)],
        models: vec![RegisteredModel::new("fresh-model", 9.0).unwrap()],
        versions: vec![
            version_bundle("fresh-model", 1, "fresh", "w9"),
            version_bundle("iris", 1, "a", "w1"),
        ],
        ..ImportPlan::default()
    };
    assert!(matches!(
        theirs.add_import(&clashing).await,
        Err(StoreError::DuplicateVersion { .. })
    ));
    assert_eq!(theirs.run("fresh").await.unwrap(), None, "no run landed");
    assert!(
        theirs
            .models()
            .await
            .unwrap()
            .iter()
            .all(|m| m.name != "fresh-model"),
        "no model landed"
    );

    // A file of the first format (runs and datasets, no models) still imports.
    let old = Workspace {
        format: "kindling-workspace/1".into(),
        models: Vec::new(),
        versions: Vec::new(),
        hand_in: None,
        runs: vec![RunBundle {
            model: None,
            ..bundle("old", "from before", 0.5)
        }],
        ..file
    };
    let read = Workspace::from_json(old.to_json().as_bytes()).unwrap();
    let plan = import_workspace(theirs, read).await.unwrap();
    assert_eq!(plan.runs.len(), 1);
    assert_eq!(theirs.run_model("old").await.unwrap(), None);
}
