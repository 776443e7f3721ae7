//! What every [`RunStore`] must do, as one async check run against each implementation: the
//! memory store natively, the IndexedDB store in Chromium (`tests/browser_store.rs`). A store
//! that passes here can back the workbench.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::run::{RunOutcome, RunRecord, RunState};
use super::store::{RunStore, bundles};
use super::stored::{RunBundle, RunModel, StoredDataset};
use crate::data::synthetic::{SyntheticKind, SyntheticSpec};
use crate::evaluation::{Evaluation, Report, classification_report};
use crate::metrics::EpochMetrics;
use crate::spec::TrainSpec;
use crate::storage::StoreError;

/// A new run record (running, default spec, a small spiral), for a store's own tests as well as
/// the contract.
pub fn run(id: &str, started_ms: f64) -> RunRecord {
    let data = SyntheticSpec {
        sample_count: 40,
        ..SyntheticSpec::default()
    }
    .generate()
    .expect("a small spiral");
    RunRecord::new(
        id.into(),
        format!("run {id}"),
        TrainSpec::default(),
        &data,
        started_ms,
    )
}

/// One epoch's metrics, distinct per epoch, for a store's own tests as well as the contract.
pub fn epoch(epoch: usize) -> EpochMetrics {
    EpochMetrics {
        epoch,
        learning_rate: 0.01,
        train_loss: 1.0 / epoch as f64,
        train_accuracy: Some(0.5 + epoch as f64 / 100.0),
        val_loss: Some(0.75),
        val_accuracy: Some(0.625),
        val_r2: None,
        elapsed_ms: 12.5 * epoch as f64,
    }
}

fn run_model() -> RunModel {
    let version = crate::registry::fixtures::version("m", 1);
    RunModel {
        signature: version.signature,
        burnpack: (0..=255).collect(),
        early_weights: None,
    }
}

fn evaluation() -> Evaluation {
    let report = classification_report(&[0, 1, 1], &[0.75, 0.25, 0.5, 0.5, 0.125, 0.875], 2);
    Evaluation {
        best_epoch: 3,
        validation: Some(Report::Classification(report.clone())),
        test: Some(Report::Classification(report)),
    }
}

fn dataset(kind: SyntheticKind, added_ms: f64) -> StoredDataset {
    let data = SyntheticSpec {
        kind,
        sample_count: 30,
        ..SyntheticSpec::default()
    }
    .generate()
    .expect("a small synthetic set");
    StoredDataset::new(data, added_ms)
}

/// Runs every case against `store`, which must start empty; panics naming the first broken
/// promise.
pub async fn check_store(store: &impl RunStore) {
    let ok = |result: Result<(), StoreError>, what: &str| {
        if let Err(error) = result {
            panic!("{what} failed: {error}");
        }
    };
    assert!(
        store.runs().await.unwrap().is_empty(),
        "a new store is empty"
    );
    assert_eq!(store.run("nope").await.unwrap(), None);
    assert!(store.history("nope").await.unwrap().is_empty());
    assert_eq!(store.evaluation("nope").await.unwrap(), None);

    // Runs list oldest first whatever their ids, and saving again replaces the summary.
    let mut later = run("a-later", 2_000.0);
    let mut earlier = run("z-earlier", 1_000.0);
    ok(store.save_run(&later).await, "save_run");
    ok(store.save_run(&earlier).await, "save_run");
    later.name = "renamed".into();
    later.tags.insert("baseline".into());
    later.note = "first try".into();
    ok(store.save_run(&later).await, "save_run again");
    let listed = store.runs().await.unwrap();
    assert_eq!(
        listed,
        vec![earlier.clone(), later.clone()],
        "oldest first, replaced"
    );

    // Epochs append in order with the summary that reflects them.
    later.record_epochs(&[epoch(1), epoch(2)]);
    ok(
        store.append_epochs(&later, &[epoch(1), epoch(2)]).await,
        "append_epochs",
    );
    later.record_epochs(&[epoch(3)]);
    ok(
        store.append_epochs(&later, &[epoch(3)]).await,
        "append_epochs",
    );
    assert_eq!(
        store.history("a-later").await.unwrap(),
        vec![epoch(1), epoch(2), epoch(3)]
    );
    assert_eq!(store.run("a-later").await.unwrap().unwrap().epochs_done, 3);
    assert!(store.history("z-earlier").await.unwrap().is_empty());

    // Finishing keeps the evaluation and the model beside the run.
    later.finish(RunOutcome::Completed, &evaluation(), 3_000.0);
    let model = run_model();
    ok(
        store
            .finish_run(&later, Some(&evaluation()), Some(&model))
            .await,
        "finish_run",
    );
    assert_eq!(store.run("a-later").await.unwrap(), Some(later.clone()));
    assert_eq!(
        store.evaluation("a-later").await.unwrap(),
        Some(evaluation())
    );
    assert_eq!(store.run_model("a-later").await.unwrap(), Some(model));
    assert_eq!(store.run_model("z-earlier").await.unwrap(), None);

    // A reload interrupts running runs except the live one, and keeps their epochs.
    earlier.record_epochs(&[epoch(1)]);
    ok(
        store.append_epochs(&earlier, &[epoch(1)]).await,
        "append_epochs",
    );
    let live = run("live", 2_500.0);
    ok(store.save_run(&live).await, "save_run");
    assert_eq!(store.interrupt_running(Some("live")).await.unwrap(), 1);
    let interrupted = store.run("z-earlier").await.unwrap().unwrap();
    assert_eq!(interrupted.state, RunState::Interrupted);
    assert_eq!(store.history("z-earlier").await.unwrap(), vec![epoch(1)]);
    assert_eq!(
        store.run("live").await.unwrap().unwrap().state,
        RunState::Running
    );
    assert_eq!(
        store.run("a-later").await.unwrap().unwrap().state,
        RunState::Finished {
            early_stopped: false
        }
    );

    // Delete removes a run with everything stored with it; undo puts back the same bundle,
    // its model included, so a run brought back can still be registered.
    let saved: Vec<RunBundle> = bundles(store, &["a-later".into()]).await.unwrap();
    assert_eq!(
        saved[0].model,
        Some(run_model()),
        "the bundle carries the weights"
    );
    ok(
        store
            .delete_runs(&["a-later".into(), "unknown".into()])
            .await,
        "delete_runs",
    );
    assert_eq!(store.run("a-later").await.unwrap(), None);
    assert!(store.history("a-later").await.unwrap().is_empty());
    assert_eq!(store.run_model("a-later").await.unwrap(), None);
    assert_eq!(store.evaluation("a-later").await.unwrap(), None);
    assert_eq!(store.runs().await.unwrap().len(), 2, "other runs stay");
    ok(store.add_bundles(&saved, &[]).await, "add_bundles");
    assert_eq!(bundles(store, &["a-later".into()]).await.unwrap(), saved);
    assert_eq!(store.run_model("a-later").await.unwrap(), Some(run_model()));

    // Adding bundles is all or nothing: one stored id refuses the whole batch.
    let fresh = RunBundle {
        run: run("fresh", 4_000.0),
        history: vec![epoch(1)],
        evaluation: None,
        model: None,
    };
    let circles = dataset(SyntheticKind::Circles, 5.0);
    let refused = store
        .add_bundles(
            &[fresh.clone(), saved[0].clone()],
            std::slice::from_ref(&circles),
        )
        .await;
    assert_eq!(refused, Err(StoreError::DuplicateRun("a-later".into())));
    assert_eq!(store.run("fresh").await.unwrap(), None, "nothing written");
    assert!(store.history("fresh").await.unwrap().is_empty());
    assert_eq!(store.dataset(&circles.entry.id).await.unwrap(), None);
    ok(
        store
            .add_bundles(std::slice::from_ref(&fresh), std::slice::from_ref(&circles))
            .await,
        "add_bundles",
    );
    assert_eq!(store.history("fresh").await.unwrap(), vec![epoch(1)]);

    // Datasets are kept by content: the same rows twice are one entry, read back exactly.
    let moons = dataset(SyntheticKind::Moons, 1.0);
    ok(store.save_dataset(&moons).await, "save_dataset");
    let mut renamed = moons.clone();
    renamed.entry.added_ms = 9.0;
    ok(store.save_dataset(&renamed).await, "save_dataset again");
    assert_eq!(
        store.dataset(&moons.entry.id).await.unwrap(),
        Some(moons.clone())
    );
    let entries = store.dataset_entries().await.unwrap();
    assert_eq!(entries, vec![moons.entry.clone(), circles.entry.clone()]);
    assert_eq!(store.dataset("nope").await.unwrap(), None);

    // A dataset can be removed on its own; the runs on it stay.
    ok(
        store.delete_dataset(&moons.entry.id).await,
        "delete_dataset",
    );
    ok(
        store.delete_dataset("unknown").await,
        "delete_dataset of nothing",
    );
    assert_eq!(store.dataset(&moons.entry.id).await.unwrap(), None);
    assert_eq!(
        store.dataset_entries().await.unwrap(),
        vec![circles.entry.clone()]
    );
    assert!(store.run("fresh").await.unwrap().is_some());
}

/// Drives a future whose work never waits on anything outside it, as the memory store's
/// never does; for native tests without an async runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("block_on is only for futures that never wait"),
    }
}
