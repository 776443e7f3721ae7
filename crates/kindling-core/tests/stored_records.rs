//! Records written by Kindling 0.1 (before raw columns, whole workspaces and the current metric
//! names) still read, import and answer queries. The fixtures in `fixtures/stored-0.1` were
//! written by that version's own types (a run and an imported CSV as a workspace file, and a
//! registered model and version as IndexedDB stores them, which is JSON too); their README
//! says how.

use std::path::Path;

use kindling_core::data::prepare::dataset_id;
use kindling_core::registry::gates::evaluate;
use kindling_core::registry::{ModelVersion, RegisteredModel};
use kindling_core::tracking::contract::block_on;
use kindling_core::tracking::query::Query;
use kindling_core::tracking::store::RunStore;
use kindling_core::workspace::memory::MemoryStore;
use kindling_core::workspace::{Workspace, import_workspace};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stored-0.1")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn a_first_format_workspace_imports_with_todays_names_and_its_dataset_keeps_its_id() {
    let workspace = Workspace::from_json(&fixture("workspace-1.kindling.json")).unwrap();
    assert_eq!(workspace.format, "kindling-workspace/1");
    assert!(workspace.models.is_empty() && workspace.versions.is_empty());

    let run = &workspace.runs[0].run;
    let names: Vec<&str> = run.metrics.keys().map(String::as_str).collect();
    for (old, new) in [
        ("test_acc", "test_accuracy"),
        ("test_f1", "test_f1_macro"),
        ("test_auc", "test_roc_auc"),
        ("val_acc", "val_accuracy"),
        ("train_acc", "train_accuracy"),
    ] {
        assert!(!names.contains(&old), "{old} is read as {new}: {names:?}");
        assert!(names.contains(&new), "{new} in {names:?}");
    }
    assert_eq!(run.metrics["test_accuracy"], 0.75);

    // The one-hot columns the old import made stay plain numeric columns, and the dataset's
    // id (which its runs name) is unchanged, so re-running the run finds its data.
    let stored = &workspace.datasets[0];
    assert!(!stored.dataset.has_categories());
    assert_eq!(stored.dataset.feature_names[0], "site=east");
    assert_eq!(dataset_id(&stored.dataset), stored.entry.id);
    assert_eq!(run.dataset.id, stored.entry.id);

    let store = MemoryStore::default();
    let plan = block_on(import_workspace(&store, workspace)).unwrap();
    assert_eq!((plan.runs.len(), plan.datasets.len()), (1, 1));
    let runs = block_on(store.runs()).unwrap();
    let query = Query::parse("metrics.test_acc >= 0.75 and params.lr = 0.01").unwrap();
    assert!(query.matches(&runs[0]));
    assert_eq!(
        query.hints,
        [
            "metrics.test_acc is now called metrics.test_accuracy; read as that",
            "params.lr is now called params.learning_rate; read as that",
        ]
    );
    assert!(
        !Query::parse("metrics.test_accuracy > 0.8")
            .unwrap()
            .matches(&runs[0])
    );
    assert!(
        block_on(store.dataset(&runs[0].dataset.id))
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_registered_model_and_version_stored_by_0_1_read_and_gate_with_todays_names() {
    let model: RegisteredModel =
        serde_json::from_slice(&fixture("registered-model-1.json")).unwrap();
    let version: ModelVersion = serde_json::from_slice(&fixture("model-version-1.json")).unwrap();
    assert_eq!(model.gates[0].metric(), "test_accuracy");
    assert_eq!(model.aliases["champion"], 1);
    assert_eq!(
        version.metrics.keys().collect::<Vec<_>>(),
        ["test_accuracy"]
    );
    version.signature.validate().unwrap();
    assert_eq!(
        version.signature.input_size(),
        version.signature.column_count()
    );
    let report = evaluate(&model.gates, &version.metrics, None, Vec::new());
    assert!(report.passed(), "{report:?}");
}
