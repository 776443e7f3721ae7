//! Requests about trained models (gate checks, packages, upload checks, predictions) and CSV
//! files to read, answered by a worker of their own. The UI does not link Burn, so anything that
//! needs a network happens there, and a large file is read there so the page never freezes; a
//! second worker, not the trainer, so the playground answers while a run trains and a run's
//! state never mixes with a request's.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;

use kindling_core::data::Dataset;
use kindling_core::data::csv::ImportOptions;
use kindling_core::package::Manifest;
use kindling_core::protocol::{
    CsvPreview, Evidence, FromWorker, ModelReply, ModelRequest, ModelSource, ToWorker,
};
use kindling_core::registry::ModelVersion;
use kindling_core::registry::gates::CheckResult;
use kindling_core::signature::{ModelSignature, Prediction};
use kindling_core::workspace::WorkspaceOutline;
use leptos::prelude::*;

use crate::state::training::{SpawnTrainer, TrainerEvent, TrainerLink};

type Answer = Result<ModelReply, String>;

#[derive(Default)]
struct Inner {
    link: Option<Box<dyn TrainerLink>>,
    next_id: u32,
    waiting: HashMap<u32, oneshot::Sender<Answer>>,
}

/// The model worker, started on first use; app-wide (context).
#[derive(Clone, Copy)]
pub struct Models {
    inner: StoredValue<Rc<RefCell<Inner>>, LocalStorage>,
    spawn: StoredValue<SpawnTrainer, LocalStorage>,
}

impl Models {
    pub fn new(spawn: SpawnTrainer) -> Self {
        Self {
            inner: StoredValue::new_local(Rc::default()),
            spawn: StoredValue::new_local(spawn),
        }
    }

    async fn ask(&self, request: ModelRequest) -> Answer {
        let inner = self.inner.get_value();
        if inner.borrow().link.is_none() {
            let on_event: Rc<dyn Fn(TrainerEvent)> = {
                let inner = Rc::downgrade(&inner);
                Rc::new(move |event| {
                    if let Some(inner) = inner.upgrade() {
                        on_event(&inner, event);
                    }
                })
            };
            let link = (self.spawn.get_value())(on_event)?;
            inner.borrow_mut().link = Some(link);
        }
        let (answer, reply) = oneshot::channel();
        let sent = {
            let mut state = inner.borrow_mut();
            state.next_id = state.next_id.wrapping_add(1);
            let request_id = state.next_id;
            state.waiting.insert(request_id, answer);
            let message = ToWorker::Model {
                request_id,
                request: Box::new(request),
            };
            state
                .link
                .as_ref()
                .map(|link| link.send(&message))
                .unwrap_or_else(|| Err("the model worker is not running".into()))
        };
        if let Err(reason) = sent {
            lose(&inner, &reason);
        }
        reply
            .await
            .unwrap_or_else(|_| Err("the model worker stopped before answering".into()))
    }

    /// The automatic gate checks for a model, with the evidence of its data when this browser
    /// holds it.
    pub async fn check(
        &self,
        source: ModelSource,
        registered: Option<ModelSignature>,
        evidence: Option<Evidence>,
    ) -> Result<Vec<CheckResult>, String> {
        let request = ModelRequest::Check {
            source,
            registered,
            evidence: evidence.map(Box::new),
        };
        match self.ask(request).await? {
            ModelReply::Checks(checks) => Ok(checks),
            _ => Err(unexpected()),
        }
    }

    /// The package of `version` and the sha256 of its weights.
    pub async fn package(
        &self,
        source: ModelSource,
        version: ModelVersion,
    ) -> Result<(Vec<u8>, String), String> {
        let request = ModelRequest::Package {
            source,
            version: Box::new(version),
        };
        match self.ask(request).await? {
            ModelReply::Package {
                bytes,
                weights_sha256,
            } => Ok((bytes, weights_sha256)),
            _ => Err(unexpected()),
        }
    }

    /// Every upload check; the manifest and the package's sha256 when all pass.
    pub async fn open(&self, bytes: Vec<u8>) -> Result<(Manifest, String), String> {
        match self.ask(ModelRequest::Open { bytes }).await? {
            ModelReply::Opened { manifest, sha256 } => Ok((*manifest, sha256)),
            _ => Err(unexpected()),
        }
    }

    /// Answers for raw row-major inputs. `key` names the model: the worker keeps a few loaded,
    /// so `source` (a whole package) is only made and sent when it does not hold this one.
    pub async fn predict(
        &self,
        key: String,
        source: impl FnOnce() -> ModelSource,
        rows: Vec<f32>,
    ) -> Result<Vec<Prediction>, String> {
        let request = ModelRequest::Predict {
            key: key.clone(),
            source: None,
            rows: rows.clone(),
        };
        let reply = match self.ask(request).await? {
            ModelReply::NotLoaded => {
                let source = Some(source());
                self.ask(ModelRequest::Predict { key, source, rows })
                    .await?
            }
            reply => reply,
        };
        match reply {
            ModelReply::Predictions(predictions) => Ok(predictions),
            _ => Err(unexpected()),
        }
    }

    /// Reads and profiles a CSV file in the worker, which keeps it for [`Models::import_csv`].
    /// `url` is a `blob:` address of the file, valid until this returns.
    pub async fn read_csv(&self, url: String) -> Result<CsvPreview, String> {
        match self.ask(ModelRequest::ReadCsv { url }).await? {
            ModelReply::CsvRead(preview) => Ok(*preview),
            _ => Err(unexpected()),
        }
    }

    /// Has the worker read and check a workspace file (`url`, a `blob:` address valid until
    /// this returns) and say where its records lie.
    pub async fn outline_workspace(&self, url: String) -> Result<WorkspaceOutline, String> {
        match self.ask(ModelRequest::OutlineWorkspace { url }).await? {
            ModelReply::WorkspaceOutlined(outline) => Ok(*outline),
            _ => Err(unexpected()),
        }
    }

    /// The dataset made from the last file read, with the rows and columns it left out.
    pub async fn import_csv(
        &self,
        name: String,
        options: ImportOptions,
    ) -> Result<(Dataset, usize, Vec<String>), String> {
        match self.ask(ModelRequest::ImportCsv { name, options }).await? {
            ModelReply::CsvImported {
                dataset,
                dropped_rows,
                ignored_columns,
            } => Ok((*dataset, dropped_rows, ignored_columns)),
            _ => Err(unexpected()),
        }
    }
}

fn unexpected() -> String {
    "the model worker answered a different question; reload the page".into()
}

fn on_event(inner: &Rc<RefCell<Inner>>, event: TrainerEvent) {
    match event {
        TrainerEvent::Message(FromWorker::Reply { request_id, result }) => {
            let waiting = inner.borrow_mut().waiting.remove(&request_id);
            if let Some(answer) = waiting {
                // A request whose asker has gone (its page closed) needs no answer.
                let _ = answer.send(result);
            }
        }
        TrainerEvent::Message(FromWorker::Crashed { message }) => {
            lose(inner, &format!("the model worker crashed: {message}"));
        }
        TrainerEvent::Message(_) => {}
        TrainerEvent::Lost(reason) => lose(inner, &reason),
    }
}

/// Every waiting request fails with `reason`; the next request starts a fresh worker.
fn lose(inner: &Rc<RefCell<Inner>>, reason: &str) {
    let (waiting, link) = {
        let mut state = inner.borrow_mut();
        (std::mem::take(&mut state.waiting), state.link.take())
    };
    for answer in waiting.into_values() {
        let _ = answer.send(Err(reason.to_owned()));
    }
    // Dropping a link terminates its worker and frees the callback that may be running this
    // very code, so it is dropped later, from the event loop.
    leptos::task::spawn_local(async move { drop(link) });
}
