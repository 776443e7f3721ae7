//! The state layer natively, against fake workers and the memory stores: a run's life and what
//! reaches the store, writes made before the store opens, runs a closed tab left running,
//! validate → register → alias, and undoing a delete.

use std::rc::Rc;

use kindling_core::data::synthetic::SyntheticSpec;
use kindling_core::evaluation::{Evaluation, Report, classification_report};
use kindling_core::metrics::EpochMetrics;
use kindling_core::protocol::{FromWorker, ModelRequest, ToWorker};
use kindling_core::registry::store::SharedRegistry;
use kindling_core::registry::{CHAMPION, RegisteredModel};
use kindling_core::session::RunStatus;
use kindling_core::spec::{DatasetSpec, TrainSpec};
use kindling_core::tracking::contract;
use kindling_core::tracking::shared::SharedStore;
use kindling_core::tracking::{RunModel, RunOutcome, RunState};
use kindling_core::workspace::SharedWorkspace;
use kindling_core::workspace::memory::MemoryStore;
use leptos::prelude::*;

use super::fakes::{
    AssetFiles, FakeWorker, advance_ms, now_ms, random_u32, run, settle, with_runtime,
};
use super::models::Models;
use super::registry::Registry;
use super::training::Training;
use super::workbench::{RunLabels, StoreStatus, Workbench};

/// The app's state wired as `app.rs` wires it, with fakes for the workers.
struct App {
    trainer: Rc<FakeWorker>,
    model_worker: Rc<FakeWorker>,
    workbench: Workbench,
    registry: Registry,
    training: Training,
}

impl App {
    fn new() -> Self {
        let trainer = Rc::new(FakeWorker::default());
        let model_worker = Rc::new(FakeWorker::default());
        let workbench = Workbench::new(now_ms);
        let models = Models::new(model_worker.spawner());
        let registry = Registry::new(workbench, models, Rc::new(AssetFiles), now_ms);
        let training = Training::new(trainer.spawner(), now_ms, random_u32, workbench);
        Self {
            trainer,
            model_worker,
            workbench,
            registry,
            training,
        }
    }

    /// Opens the stores as the app does once its chunk has loaded.
    fn attach(&self, store: &Rc<MemoryStore>) {
        let (workbench, this_registry) = (self.workbench, self.registry);
        let runs = Rc::clone(store) as Rc<dyn SharedStore>;
        let workspace = Rc::clone(store) as Rc<dyn SharedWorkspace>;
        let registry = Rc::clone(store) as Rc<dyn SharedRegistry>;
        run(async move {
            workbench.attach(runs, workspace).await;
            this_registry.attach(registry).await;
        });
    }

    fn start(&self) -> String {
        let synthetic = SyntheticSpec {
            sample_count: 40,
            ..SyntheticSpec::default()
        };
        let data = synthetic.generate().unwrap();
        let spec = TrainSpec {
            dataset: DatasetSpec::Synthetic(synthetic),
            ..TrainSpec::default()
        };
        let labels = RunLabels::from_fields("", "baseline, small", "first try");
        self.training.start(spec, data, labels).unwrap();
        let run_id = self
            .training
            .run
            .with_untracked(|run| run.as_ref().unwrap().run_id.clone());
        self.trainer.say(FromWorker::Ready {
            build: kindling_core::BUILD_ID.into(),
        });
        run_id
    }
}

fn epoch(number: usize) -> EpochMetrics {
    contract::epoch(number)
}

fn evaluation() -> Evaluation {
    Evaluation {
        best_epoch: 2,
        validation: None,
        test: Some(Report::Classification(classification_report(
            &[0, 1],
            &[0.9, 0.1, 0.2, 0.8],
            2,
        ))),
    }
}

fn run_model() -> RunModel {
    RunModel {
        signature: kindling_core::registry::fixtures::version("m", 1).signature,
        burnpack: vec![1, 2, 3],
        early_weights: None,
    }
}

fn finish(app: &App, run_id: &str) {
    app.trainer.say(FromWorker::Finished {
        run_id: run_id.to_owned(),
        outcome: RunOutcome::Completed,
        evaluation: Box::new(evaluation()),
        model: Some(Box::new(run_model())),
    });
    settle();
}

#[test]
fn a_run_is_stored_as_it_trains_and_whole_when_it_finishes() {
    with_runtime(|| {
        let app = App::new();
        let store = Rc::new(MemoryStore::default());
        app.attach(&store);
        let run_id = app.start();
        settle();
        assert!(matches!(
            app.trainer.sent.borrow().first(),
            Some(ToWorker::Train { run_id: sent, .. }) if *sent == run_id
        ));
        let stored = run(stored_run(&store, &run_id));
        assert_eq!(stored.state, RunState::Running);
        assert_eq!(stored.tags.len(), 2);

        app.trainer.say(FromWorker::Progress {
            run_id: run_id.clone(),
            epochs: vec![epoch(1), epoch(2)],
            fraction_done: 0.02,
        });
        settle();
        assert_eq!(run(history(&store, &run_id)).len(), 2);
        assert_eq!(
            app.workbench.shown_epochs(&run_id, 2),
            2,
            "stored epochs are shown"
        );

        finish(&app, &run_id);
        let stored = run(stored_run(&store, &run_id));
        assert_eq!(
            stored.state,
            RunState::Finished {
                early_stopped: false
            }
        );
        assert!(stored.metrics.contains_key("test_accuracy"));
        assert_eq!(
            app.workbench.saved_run.get_untracked(),
            Some(run_id.clone())
        );
        let model = run(async move { SharedStore::run_model(store.as_ref(), &run_id).await });
        assert_eq!(model.unwrap(), Some(run_model()));
        assert!(matches!(
            app.training.run.get_untracked().unwrap().status,
            RunStatus::Finished { .. }
        ));
    });
}

#[test]
fn a_crashed_trainer_leaves_an_interrupted_run_and_the_next_run_starts_a_new_one() {
    with_runtime(|| {
        let app = App::new();
        let store = Rc::new(MemoryStore::default());
        app.attach(&store);
        let run_id = app.start();
        app.trainer.say(FromWorker::Crashed {
            message: "out of memory".into(),
        });
        settle();
        let stored = run(stored_run(&store, &run_id));
        assert_eq!(stored.state, RunState::Interrupted);
        assert_eq!(
            stored.interrupted_because.as_deref(),
            Some("the trainer crashed: out of memory")
        );
        assert!(!app.training.is_active());
        advance_ms(10.0);
        app.start();
        assert_eq!(
            app.trainer.spawned.get(),
            2,
            "a crashed trainer is replaced"
        );
    });
}

#[test]
fn the_trainer_loaded_ahead_is_the_one_the_first_run_uses() {
    with_runtime(|| {
        let app = App::new();
        let store = Rc::new(MemoryStore::default());
        app.attach(&store);
        app.training.prepare();
        app.training.prepare();
        assert_eq!(
            app.trainer.spawned.get(),
            1,
            "one trainer, however often the form opens"
        );
        assert!(
            app.trainer.sent.borrow().is_empty(),
            "loading it sends nothing"
        );
        assert!(app.training.run.get_untracked().is_none());
        let run_id = app.start();
        settle();
        assert_eq!(
            app.trainer.spawned.get(),
            1,
            "the run did not wait for a second one"
        );
        assert!(matches!(
            app.trainer.sent.borrow().first(),
            Some(ToWorker::Train { run_id: sent, .. }) if *sent == run_id
        ));
    });
}

#[test]
fn a_trainer_that_cannot_be_reached_interrupts_the_run_with_the_reason() {
    with_runtime(|| {
        let app = App::new();
        let store = Rc::new(MemoryStore::default());
        app.attach(&store);
        let run_id = app.start();
        app.trainer
            .lose("the trainer stopped working: its code could not be loaded");
        settle();
        let stored = run(stored_run(&store, &run_id));
        assert_eq!(stored.state, RunState::Interrupted);
        assert!(
            stored
                .interrupted_because
                .unwrap()
                .contains("could not be loaded")
        );
        assert!(matches!(
            app.training.run.get_untracked().unwrap().status,
            RunStatus::Failed { .. }
        ));
    });
}

#[test]
fn a_run_started_before_the_store_opens_is_stored_once_it_does() {
    with_runtime(|| {
        let app = App::new();
        let run_id = app.start();
        app.trainer.say(FromWorker::Progress {
            run_id: run_id.clone(),
            epochs: vec![epoch(1)],
            fraction_done: 0.01,
        });
        settle();
        assert_eq!(app.workbench.status.get_untracked(), StoreStatus::Opening);
        assert_eq!(
            app.workbench.shown_epochs(&run_id, 1),
            0,
            "nothing unstored is shown"
        );
        let store = Rc::new(MemoryStore::default());
        app.attach(&store);
        settle();
        let stored = run(stored_run(&store, &run_id));
        assert_eq!(
            stored.state,
            RunState::Running,
            "the live run is not interrupted"
        );
        assert_eq!(run(history(&store, &run_id)).len(), 1);
        assert_eq!(app.workbench.status.get_untracked(), StoreStatus::Ready);
    });
}

#[test]
fn runs_a_closed_tab_left_running_are_marked_interrupted_when_the_store_opens() {
    with_runtime(|| {
        let store = Rc::new(MemoryStore::default());
        let left = contract::run("run-left", 1.0);
        let saved = left.clone();
        let writer = Rc::clone(&store);
        run(async move {
            SharedStore::save_run(writer.as_ref(), &saved)
                .await
                .unwrap()
        });
        let app = App::new();
        app.attach(&store);
        let stored = run(stored_run(&store, "run-left"));
        assert_eq!(stored.state, RunState::Interrupted);
        let listed = app.workbench.runs.get_untracked();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].state, RunState::Interrupted);
    });
}

#[test]
fn a_run_is_validated_registered_then_given_an_alias_in_that_order() {
    with_runtime(|| {
        let app = App::new();
        let store = Rc::new(MemoryStore::default());
        let registry_store = Rc::clone(&store);
        app.attach(&store);
        let run_id = app.start();
        let record = app.workbench.runs.with_untracked(|runs| runs[0].clone());
        let registry = app.registry;
        let error = run(async move { registry.validate(record, "spiral", Vec::new()).await });
        assert!(
            error.unwrap_err().contains("only a run that finished"),
            "a running run cannot be registered"
        );

        finish(&app, &run_id);
        let record = app.workbench.runs.with_untracked(|runs| runs[0].clone());
        let candidate =
            run(async move { registry.validate(record, "spiral", Vec::new()).await }).unwrap();
        assert!(candidate.report.passed());
        assert!(
            registry.model("spiral").is_none(),
            "validating registers nothing"
        );
        let version = run(async move { registry.register(candidate).await }).unwrap();
        assert_eq!(version.version, 1);
        assert_eq!(
            run(async move { registry.package("spiral", 1).await }).unwrap(),
            b"package of spiral v1"
        );
        let requests: Vec<&str> = app
            .model_worker
            .sent
            .borrow()
            .iter()
            .filter_map(|message| match message {
                ToWorker::Model { request, .. } => Some(match **request {
                    ModelRequest::Check { .. } => "check",
                    ModelRequest::Package { .. } => "package",
                    _ => "other",
                }),
                _ => None,
            })
            .collect();
        assert_eq!(requests, ["check", "package"]);
        let evidence = app
            .model_worker
            .sent
            .borrow()
            .iter()
            .find_map(|message| match message {
                ToWorker::Model { request, .. } => match &**request {
                    ModelRequest::Check { evidence, .. } => evidence.clone(),
                    _ => None,
                },
                _ => None,
            });
        let evidence = evidence.expect("the run's data is here, so it is sent to be checked");
        assert_eq!(
            kindling_core::data::prepare::dataset_id(&evidence.data),
            app.workbench
                .runs
                .with_untracked(|runs| runs[0].dataset.id.clone())
        );
        assert_eq!(evidence.claimed_metrics.get("test_accuracy"), Some(&1.0));

        run(async move {
            registry
                .move_alias("spiral", CHAMPION, 1, "first good model", None)
                .await
        })
        .unwrap();
        let stored: Vec<RegisteredModel> = run(async move {
            SharedRegistry::models(registry_store.as_ref())
                .await
                .unwrap()
        });
        assert_eq!(stored[0].aliases[CHAMPION], 1);
        assert_eq!(stored[0].alias_history.len(), 1);
    });
}

#[test]
fn a_deleted_run_comes_back_with_its_history_on_undo() {
    with_runtime(|| {
        let app = App::new();
        let store = Rc::new(MemoryStore::default());
        app.attach(&store);
        let run_id = app.start();
        app.trainer.say(FromWorker::Progress {
            run_id: run_id.clone(),
            epochs: vec![epoch(1)],
            fraction_done: 0.5,
        });
        finish(&app, &run_id);
        let workbench = app.workbench;
        let ids = vec![run_id.clone()];
        let removed = run(async move { workbench.delete_runs(ids).await }).unwrap();
        assert!(app.workbench.runs.with_untracked(Vec::is_empty));
        assert_eq!(removed.len(), 1);
        run(async move { workbench.restore_runs(removed).await }).unwrap();
        assert_eq!(app.workbench.runs.with_untracked(Vec::len), 1);
        assert_eq!(run(history(&store, &run_id)).len(), 1);
    });
}

async fn stored_run_of(store: Rc<MemoryStore>, id: String) -> kindling_core::tracking::RunRecord {
    SharedStore::runs(store.as_ref())
        .await
        .unwrap()
        .into_iter()
        .find(|run| run.id == id)
        .expect("the run is stored")
}

fn stored_run(
    store: &Rc<MemoryStore>,
    id: &str,
) -> impl Future<Output = kindling_core::tracking::RunRecord> + 'static {
    stored_run_of(Rc::clone(store), id.to_owned())
}

fn history(store: &Rc<MemoryStore>, id: &str) -> impl Future<Output = Vec<EpochMetrics>> + 'static {
    let (store, id) = (Rc::clone(store), id.to_owned());
    async move { SharedStore::history(store.as_ref(), &id).await.unwrap() }
}
