//! A hand-in cut from a classroom's workspace, its refusals, and the leaderboard's order.

use super::*;
use crate::data::synthetic::{SyntheticKind, SyntheticSpec};
use crate::registry::RegisteredModel;
use crate::registry::fixtures::version;
use crate::registry::model::AliasChange;
use crate::registry::store::VersionBundle;
use crate::spec::{DatasetSpec, TrainSpec};
use crate::tracking::{RunBundle, RunRecord, StoredDataset};
use crate::workspace::WORKSPACE_FORMAT;

/// Week 1 holds a run on an upload (registered as iris v1) and one on a bundled set; Week 2
/// a run on another upload (registered as iris v2, the champion).
fn classroom() -> Workspace {
    let upload = |seed: u32| {
        SyntheticSpec {
            kind: SyntheticKind::Spiral,
            sample_count: 40,
            noise: 0.1,
            seed,
        }
        .generate()
        .unwrap()
    };
    let (week_1_data, week_2_data) = (upload(1), upload(2));
    let run = |id: &str, experiment: &str, data: &crate::data::Dataset| {
        let spec = TrainSpec {
            dataset: DatasetSpec::Imported { name: id.into() },
            ..TrainSpec::default()
        };
        let mut run = RunRecord::new(id.into(), id.into(), spec, data, 1.0);
        run.experiment = experiment.into();
        RunBundle {
            run,
            history: Vec::new(),
            evaluation: None,
            model: None,
        }
    };
    let mut bundled = run("bundled", "Week 1", &week_1_data);
    bundled.run.spec.dataset = DatasetSpec::Bundled(crate::data::bundled::BundledDataset::Iris);
    bundled.run.dataset.id = "bundled-iris".into();
    let registered = |number: u32, run_id: &str, data: &crate::data::Dataset| {
        let mut version = version("iris", number);
        version.lineage.run_id = run_id.into();
        version.lineage.dataset.id = crate::data::prepare::dataset_id(data);
        let package = format!("the package of v{number}").into_bytes();
        version.package_sha256 = crate::package::sha256_hex(&package);
        VersionBundle { version, package }
    };
    let mut iris = RegisteredModel::new("iris", 1.0).unwrap();
    iris.aliases.insert("champion".into(), 2);
    iris.aliases.insert("old".into(), 1);
    let change = |alias: &str, version: u32| AliasChange {
        alias: alias.into(),
        version: Some(version),
        previous: None,
        at_ms: 1.0,
        reason: String::new(),
        override_reason: None,
    };
    iris.alias_history = vec![change("old", 1), change("champion", 2)];
    Workspace {
        format: WORKSPACE_FORMAT.into(),
        app_version: "0.1.0".into(),
        exported_ms: 2.0,
        runs: vec![
            run("a", "Week 1", &week_1_data),
            bundled,
            run("b", "Week 2", &week_2_data),
        ],
        datasets: vec![
            StoredDataset::new(week_1_data.clone(), 1.0),
            StoredDataset::new(week_2_data.clone(), 1.0),
        ],
        models: vec![iris, RegisteredModel::new("unused", 1.0).unwrap()],
        versions: vec![
            registered(1, "a", &week_1_data),
            registered(2, "b", &week_2_data),
        ],
        hand_in: None,
    }
}

#[test]
fn a_hand_in_keeps_one_experiment_with_the_data_and_versions_it_needs() {
    let handed = classroom().hand_in("  Ada Lovelace ", "Week 1").unwrap();
    assert_eq!(
        handed.hand_in,
        Some(HandIn {
            student: "Ada Lovelace".into(),
            experiment: "Week 1".into()
        })
    );
    let runs: Vec<&str> = handed.runs.iter().map(|b| b.run.id.as_str()).collect();
    assert_eq!(runs, ["a", "bundled"]);
    assert_eq!(handed.datasets.len(), 1, "Week 2's upload stays home");
    assert_eq!(handed.datasets[0].entry.id, handed.runs[0].run.dataset.id);
    let versions: Vec<u32> = handed.versions.iter().map(|b| b.version.version).collect();
    assert_eq!(versions, [1]);
    assert_eq!(
        handed.models.len(),
        1,
        "a model with none of its versions is left out"
    );
    let iris = &handed.models[0];
    assert_eq!(iris.aliases.keys().collect::<Vec<_>>(), ["old"]);
    assert_eq!(iris.alias_history.len(), 1);

    // It is a workspace file: read back whole, with every check, and still a hand-in.
    let read = Workspace::from_json(handed.to_json().as_bytes()).unwrap();
    assert_eq!(read.handed_in().unwrap().student, "Ada Lovelace");
    let outline = super::super::WorkspaceOutline::of(handed.to_json().as_bytes()).unwrap();
    assert_eq!(outline.hand_in, handed.hand_in);
    assert_eq!(
        Workspace::from_json(classroom().to_json().as_bytes())
            .unwrap()
            .handed_in(),
        Err(HandInError::NotAHandIn)
    );
    assert!(!classroom().to_json().contains("hand_in"));

    let joined = handed.for_teacher().unwrap();
    assert!(
        joined
            .runs
            .iter()
            .all(|bundle| bundle.run.experiment == "Ada Lovelace · Week 1")
    );
    assert_eq!(classroom().for_teacher(), Err(HandInError::NotAHandIn));
}

#[test]
fn a_hand_in_needs_a_name_and_runs() {
    assert_eq!(
        classroom().hand_in("  ", "Week 1"),
        Err(HandInError::NoName)
    );
    assert_eq!(
        classroom().hand_in("Ada\nLovelace", "Week 1"),
        Err(HandInError::NameLineBreak)
    );
    assert_eq!(
        classroom().hand_in(&"a".repeat(81), "Week 1"),
        Err(HandInError::NameTooLong(81))
    );
    let empty = classroom().hand_in("Ada", "Week 9").unwrap_err();
    assert_eq!(
        empty.to_string(),
        "the experiment \"Week 9\" has no runs to hand in"
    );
    let handed = HandIn {
        student: "Ada O'Brien".into(),
        experiment: "Week 1/2".into(),
    };
    assert_eq!(file_name(&handed), "hand-in-Ada-O-Brien-Week-1-2.json");
}

fn scored(student: &str, version: u32, accuracy: Option<f64>) -> ScoredVersion {
    ScoredVersion {
        student: student.into(),
        model: "iris".into(),
        version,
        claimed: BTreeMap::from([("test_accuracy".to_owned(), 0.99)]),
        scored: accuracy
            .map(|value| BTreeMap::from([("test_accuracy".to_owned(), value)]))
            .ok_or_else(|| "the data has no column 'x'".to_owned()),
    }
}

#[test]
fn the_leaderboard_ranks_each_students_best_version_and_shares_ties() {
    let students: Vec<String> = ["Cy", "Ada", "Bo", "Di", "Ed"]
        .into_iter()
        .map(String::from)
        .collect();
    let versions = [
        scored("Ada", 1, Some(0.80)),
        scored("Ada", 2, Some(0.93)),
        scored("Bo", 1, Some(0.93)),
        scored("Cy", 1, Some(0.97)),
        scored("Di", 1, None),
    ];
    let board = leaderboard(&students, &versions, "test_accuracy");
    let places: Vec<(Option<usize>, &str)> = board
        .iter()
        .map(|standing| (standing.place, standing.student.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            (Some(1), "Cy"),
            (Some(2), "Ada"),
            (Some(2), "Bo"),
            (None, "Di"),
            (None, "Ed")
        ]
    );
    assert_eq!(board[1].best, Some(("iris".into(), 2, 0.93)));

    let errors = [
        ScoredVersion {
            scored: Ok(BTreeMap::from([("test_rmse".to_owned(), 3.0)])),
            ..scored("Ada", 1, None)
        },
        ScoredVersion {
            scored: Ok(BTreeMap::from([("test_rmse".to_owned(), 1.5)])),
            ..scored("Bo", 1, None)
        },
    ];
    let board = leaderboard(&students[1..3], &errors, "test_rmse");
    assert_eq!(board[0].student, "Bo", "a smaller error is better");
    assert_eq!(board[1].place, Some(2));
}
