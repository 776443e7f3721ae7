//! The sync against an in-memory MLflow (`fake_server`): everything once, nothing twice,
//! changes followed, and a sync cut off at every request resuming to the same server.

use std::collections::BTreeMap;

use super::fake_server::FakeMlflow;
use super::*;
use crate::registry::fixtures::version;
use crate::registry::store::{RegistryStore, VersionBundle};
use crate::registry::{ModelChange, RegisteredModel};
use crate::tracking::RunState;
use crate::tracking::contract::{block_on, epoch, run};
use crate::tracking::store::RunStore;
use crate::workspace::memory::MemoryStore;

const URL: &str = "http://127.0.0.1:5000";

/// Two runs (one finished after 400 epochs, tagged and noted; one still training) and a model
/// whose v1 came from the first run and v2 from a run this browser does not hold.
fn workbench() -> MemoryStore {
    let store = MemoryStore::default();
    block_on(async {
        let mut finished = run("run-a", 1_000.0);
        finished.tags.insert("baseline".into());
        finished.tags.insert("week 1: first".into());
        finished.note = "the one that goes to the team".into();
        finished.experiment = "Week 1".into();
        store.save_run(&finished).await.unwrap();
        let history: Vec<_> = (1..=400).map(epoch).collect();
        store.append_epochs(&finished, &history).await.unwrap();
        finished.epochs_done = 400;
        finished.state = RunState::Finished {
            early_stopped: false,
        };
        finished.ended_ms = Some(9_000.0);
        finished.metrics = BTreeMap::from([
            ("train_loss".to_owned(), 0.0025),
            ("test_accuracy".to_owned(), 0.875),
            ("test_loss".to_owned(), 0.25),
        ]);
        store.finish_run(&finished, None, None).await.unwrap();

        let mut training = run("run-b", 2_000.0);
        store.save_run(&training).await.unwrap();
        store
            .append_epochs(&training, &[epoch(1), epoch(2)])
            .await
            .unwrap();
        training.epochs_done = 2;
        store.save_run(&training).await.unwrap();

        let mut model = RegisteredModel::new("m", 5.0).unwrap();
        model.aliases.insert("champion".into(), 1);
        let mut v1 = version("m", 1);
        v1.lineage.run_id = "run-a".into();
        let mut v2 = version("m", 2);
        v2.lineage.run_id = "run-elsewhere".into();
        let package = |name: &str| {
            crate::package::zip::write(&[
                ("MLmodel", b"flavors: {}\n"),
                ("model.onnx", name.as_bytes()),
            ])
        };
        let bundles = [
            VersionBundle {
                package: package("one"),
                version: v1,
            },
            VersionBundle {
                package: package("two"),
                version: v2,
            },
        ];
        store.add_models(&[model], &bundles).await.unwrap();
    });
    store
}

fn push(server: &FakeMlflow, store: &MemoryStore) -> Result<SyncReport, SyncError> {
    let url = TrackingUrl::parse(URL).unwrap();
    block_on(sync(
        SyncTarget {
            transport: server,
            url: &url,
            app_origin: Some("http://127.0.0.1:8080"),
        },
        SyncSource {
            runs: store,
            registry: store,
            ledgers: store,
        },
        10_000.0,
        &mut |_| {},
    ))
}

#[test]
fn everything_is_sent_once_and_a_second_sync_sends_nothing() {
    let server = FakeMlflow::default();
    let store = workbench();
    let first = push(&server, &store).unwrap();
    assert_eq!(
        (
            first.runs_created,
            first.models_created,
            first.versions_created,
            first.aliases_changed
        ),
        (2, 1, 2, 1),
        "{first:?}"
    );
    let held = server.snapshot();
    let finished = &held["runs"]["run-a"];
    assert_eq!(finished["status"], "FINISHED");
    assert_eq!(finished["end"], 9_000);
    assert_eq!(finished["experiment"], "kindling/Week 1");
    assert_eq!(held["runs"]["run-b"]["experiment"], "kindling/Default");
    assert_eq!(
        finished["tags"]["mlflow.note.content"],
        "the one that goes to the team"
    );
    assert_eq!(finished["tags"]["week 1_ first"], "");
    assert_eq!(
        finished["tags"]["kindling.tags"],
        r#"["baseline","week 1: first"]"#
    );
    assert_eq!(
        finished["params"]["epochs"],
        crate::spec::TrainSpec::default().epochs.to_string()
    );
    let metrics = finished["metrics"].as_array().unwrap();
    let steps_of = |key: &str| {
        metrics
            .iter()
            .filter(|m| m[0] == key)
            .map(|m| m[1].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(steps_of("train_loss"), (1..=400).collect::<Vec<_>>());
    assert_eq!(steps_of("val_accuracy").len(), 400);
    assert_eq!(steps_of("test_accuracy"), [400]);
    assert!(
        steps_of("val_r2").is_empty(),
        "a metric the epochs do not have is not invented"
    );
    assert_eq!(finished["inputs"].as_array().unwrap().len(), 1);
    assert_eq!(held["runs"]["run-b"]["status"], "RUNNING");
    assert_eq!(held["versions"]["m"][0]["run"], "run-a");
    assert_eq!(held["versions"]["m"][1]["run"], serde_json::Value::Null);
    assert_eq!(held["aliases"]["m"]["champion"], "1");
    assert!(
        held["artifacts"].as_u64().unwrap() >= 6,
        "each package unzipped and whole"
    );

    let before = server.requests.get();
    let second = push(&server, &store).unwrap();
    assert!(second.sent_nothing(), "{second:?}");
    assert_eq!(
        server.requests.get() - before,
        1,
        "one question, and nothing else"
    );
    assert_eq!(server.snapshot(), held);
}

#[test]
fn what_changes_after_a_sync_is_followed_by_the_next() {
    let server = FakeMlflow::default();
    let store = workbench();
    push(&server, &store).unwrap();
    block_on(async {
        let mut training = store.run("run-b").await.unwrap().unwrap();
        store
            .append_epochs(&training, &[epoch(3), epoch(4)])
            .await
            .unwrap();
        training.epochs_done = 4;
        training.state = RunState::Stopped;
        training.ended_ms = Some(7_000.0);
        store.finish_run(&training, None, None).await.unwrap();
        let mut finished = store.run("run-a").await.unwrap().unwrap();
        finished.tags.remove("baseline");
        finished.note = "superseded".into();
        store.save_run(&finished).await.unwrap();
        let moved = ModelChange::MoveAlias {
            alias: "champion".into(),
            version: 2,
            reason: "better".into(),
            override_reason: None,
            at_ms: 11_000.0,
        };
        store.change_model("m", &moved, None).await.unwrap();
    });
    let report = push(&server, &store).unwrap();
    assert_eq!(
        (
            report.runs_created,
            report.runs_updated,
            report.aliases_changed
        ),
        (0, 2, 1)
    );
    let held = server.snapshot();
    let stopped = &held["runs"]["run-b"];
    assert_eq!(stopped["status"], "KILLED");
    let steps: Vec<u64> = stopped["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m[0] == "train_loss")
        .map(|m| m[1].as_u64().unwrap())
        .collect();
    assert_eq!(
        steps,
        [1, 2, 3, 4],
        "the history resumed without repeating a step"
    );
    let finished = &held["runs"]["run-a"];
    assert_eq!(finished["tags"]["mlflow.note.content"], "superseded");
    assert!(
        finished["tags"].get("baseline").is_none(),
        "a tag removed in Kindling is removed"
    );
    assert_eq!(held["aliases"]["m"]["champion"], "2");
}

#[test]
fn a_sync_cut_off_at_any_request_resumes_to_the_same_server_with_or_without_its_ledger() {
    let reference = FakeMlflow::default();
    push(&reference, &workbench()).unwrap();
    let whole = reference.snapshot();
    let requests = reference.requests.get();
    for cut in 0..requests {
        for keep_ledger in [true, false] {
            let server = FakeMlflow::default();
            server.answers_left.set(Some(cut));
            let store = workbench();
            let stopped = push(&server, &store).unwrap_err();
            assert!(matches!(stopped, SyncError::NoAnswer { .. }), "{stopped}");
            server.answers_left.set(None);
            let resumed_in = if keep_ledger { store } else { workbench() };
            push(&server, &resumed_in).unwrap_or_else(|error| panic!("cut at {cut}: {error}"));
            assert_eq!(
                server.snapshot(),
                whole,
                "cut at request {cut} of {requests}, ledger kept: {keep_ledger}"
            );
        }
    }
}

#[test]
fn a_refusal_is_said_with_what_was_being_done_in_mlflows_words() {
    let server = FakeMlflow::default();
    push(&server, &workbench()).unwrap();
    // Params are immutable in MLflow: someone changed one on the server, and a workbench
    // without the ledger sends the run's params again.
    server.state.borrow_mut().runs.values_mut().for_each(|run| {
        run.params.insert("epochs".into(), "7".into());
    });
    let error = push(&server, &workbench()).unwrap_err();
    let SyncError::Refused { what, status, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (what.as_str(), *status),
        ("log a run's params, tags and metrics", 400)
    );
    assert!(
        error
            .to_string()
            .starts_with("MLflow refused to log a run's params, tags and metrics: INVALID_PARAMETER_VALUE (fake) (HTTP 400, INVALID_PARAMETER_VALUE)"),
        "{error}"
    );
}
