//! Settings → MLflow natively: what is kept, when a sync starts, and that nothing is sent
//! while no tracking URL is set. The sync's requests themselves are core's, tested against a
//! real MLflow server in kindling-cli's tests and the e2e layer.

use std::cell::RefCell;
use std::rc::Rc;

use kindling_core::data::synthetic::SyntheticSpec;
use kindling_core::mlflow::transport::TransportFuture;
use kindling_core::mlflow::{MlflowStore, MlflowTransport, Request, TransportError};
use kindling_core::spec::TrainSpec;
use kindling_core::tracking::{RunRecord, RunState};
use kindling_core::workspace::memory::MemoryStore;
use leptos::prelude::*;

use super::fakes::{AssetFiles, FakeWorker, now_ms, run, settle, with_runtime};
use super::mlflow::{Mlflow, MlflowLink, SyncStatus};
use super::models::Models;
use super::registry::Registry;
use super::workbench::Workbench;

/// A link to a server that never answers, recording every request it was asked to send.
#[derive(Default)]
struct NoServer {
    sent: RefCell<Vec<String>>,
}

impl MlflowTransport for NoServer {
    fn send<'a>(&'a self, request: Request<'a>) -> TransportFuture<'a> {
        self.sent.borrow_mut().push(request.url);
        Box::pin(async { Err(TransportError::NoAnswer("connection refused".into())) })
    }
}

impl MlflowLink for NoServer {
    fn transport(&self) -> &dyn MlflowTransport {
        self
    }
    fn page_origin(&self) -> String {
        "http://127.0.0.1:8080".into()
    }
    fn admits(&self, _origin: &str) -> bool {
        true
    }
    fn reload(&self) {}
}

struct Set {
    link: Rc<NoServer>,
    store: Rc<MemoryStore>,
    mlflow: Mlflow,
    workbench: Workbench,
}

fn set_up() -> Set {
    let link = Rc::new(NoServer::default());
    let store = Rc::new(MemoryStore::default());
    let mlflow = Mlflow::new(Rc::clone(&link) as Rc<dyn MlflowLink>, now_ms);
    let workbench = Workbench::new(now_ms);
    let models = Models::new(Rc::new(FakeWorker::default()).spawner());
    let registry = Registry::new(workbench, models, Rc::new(AssetFiles), now_ms);
    mlflow.sync_when_changed(workbench, registry);
    let attached = (Rc::clone(&store), Rc::clone(&store), Rc::clone(&store));
    run(async move {
        mlflow
            .attach(attached.0 as _, attached.1 as _, attached.2 as _)
            .await
    });
    Set {
        link,
        store,
        mlflow,
        workbench,
    }
}

fn finished_run(id: &str) -> RunRecord {
    let data = SyntheticSpec::default().generate().unwrap();
    let mut run = RunRecord::new(id.into(), id.into(), TrainSpec::default(), &data, 0.0);
    run.state = RunState::Finished {
        early_stopped: false,
    };
    run
}

#[test]
fn a_bad_url_is_refused_in_words_and_nothing_is_kept_or_sent() {
    with_runtime(|| {
        let set = set_up();
        let mlflow = set.mlflow;
        let refused = run(async move { mlflow.save("127.0.0.1:5000", true).await });
        assert!(refused.unwrap_err().contains("must start with http://"));
        let stored = run({
            let store = Rc::clone(&set.store);
            async move { store.mlflow_settings().await.unwrap() }
        });
        assert_eq!(stored.tracking_url, "");

        mlflow.sync_now();
        settle();
        assert!(
            matches!(mlflow.status.get_untracked(), SyncStatus::Failed(reason) if reason.contains("no MLflow tracking URL"))
        );
        // A run ending with no URL set sends nothing, even with "sync automatically" asked for.
        set.workbench
            .runs
            .update(|runs| runs.push(finished_run("a")));
        settle();
        assert!(set.link.sent.borrow().is_empty());
    });
}

#[test]
fn a_saved_url_is_kept_and_a_server_that_is_down_is_said_with_the_fix() {
    with_runtime(|| {
        let set = set_up();
        let mlflow = set.mlflow;
        run(async move { mlflow.save(" http://127.0.0.1:5055/ ", false).await }).unwrap();
        let stored = run({
            let store = Rc::clone(&set.store);
            async move { store.mlflow_settings().await.unwrap() }
        });
        assert_eq!(stored.tracking_url, "http://127.0.0.1:5055");
        assert!(!stored.sync_automatically);

        // Sync automatically is off: a run ending sends nothing.
        set.workbench
            .runs
            .update(|runs| runs.push(finished_run("a")));
        settle();
        assert!(set.link.sent.borrow().is_empty());

        mlflow.sync_now();
        settle();
        let SyncStatus::Failed(reason) = mlflow.status.get_untracked() else {
            panic!("{:?}", mlflow.status.get_untracked())
        };
        assert!(
            reason.contains("nothing answered at http://127.0.0.1:5055"),
            "{reason}"
        );
        assert!(
            reason.contains("--cors-allowed-origins http://127.0.0.1:8080"),
            "{reason}"
        );
        assert_eq!(
            *set.link.sent.borrow(),
            ["http://127.0.0.1:5055/api/2.0/mlflow/experiments/search?max_results=1"],
            "the first question is the only one asked of a server that does not answer"
        );
    });
}

#[test]
fn with_sync_automatically_a_run_ending_starts_a_sync() {
    with_runtime(|| {
        let set = set_up();
        let mlflow = set.mlflow;
        run(async move { mlflow.save("http://127.0.0.1:5055", true).await }).unwrap();
        settle();
        assert!(
            set.link.sent.borrow().is_empty(),
            "saving alone sends nothing"
        );
        set.workbench
            .runs
            .update(|runs| runs.push(finished_run("a")));
        settle();
        assert_eq!(set.link.sent.borrow().len(), 1);
        // A run that is still training is not a reason to sync.
        let mut training = finished_run("b");
        training.state = RunState::Running;
        set.workbench.runs.update(|runs| runs.push(training));
        settle();
        assert_eq!(set.link.sent.borrow().len(), 1);
    });
}
