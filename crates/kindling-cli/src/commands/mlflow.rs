//! `kindling mlflow push WORKSPACE --tracking-uri URL`: the browser's Settings → Sync from the
//! command line, through the same core sync (`kindling_core::mlflow`): the workspace file is
//! read into memory stores, a blocking HTTP client (ureq) is the transport, and the MLflow ids
//! are kept in `<WORKSPACE>.mlflow.json` so pushing again sends only what changed.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kindling_core::mlflow::transport::TransportFuture;
use kindling_core::mlflow::{
    Body, Method, MlflowSettings, MlflowStore, MlflowTransport, Request, Response, SyncLedger,
    SyncProgress, TrackingUrl, TransportError, sync,
};
use kindling_core::mlflow::{SyncSource, SyncTarget};
use kindling_core::storage::{StoreError, StoreFuture};
use kindling_core::tracking::contract::block_on;
use kindling_core::workspace::memory::MemoryStore;
use kindling_core::workspace::{MAX_WORKSPACE_BYTES, Workspace, import_workspace};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::args::MlflowPushArgs;
use crate::clock::now_ms;
use crate::error::CliError;
use crate::files::{io_words, read_limited};
use crate::output::Output;

const IDS_FORMAT: &str = "kindling-mlflow-ids/1";

pub fn push(args: &MlflowPushArgs) -> Result<(), CliError> {
    let out = Output { json: args.json };
    let typed = match &args.tracking_uri {
        Some(uri) => uri.clone(),
        None => std::env::var("MLFLOW_TRACKING_URI").map_err(|_| {
            CliError::Input(
                "say which MLflow server to push to: --tracking-uri http://127.0.0.1:5000 (or set \
                 MLFLOW_TRACKING_URI)"
                    .into(),
            )
        })?,
    };
    let url = TrackingUrl::parse(&typed).map_err(|error| CliError::Input(error.to_string()))?;
    let bytes = read_limited(&args.workspace, MAX_WORKSPACE_BYTES, "a workspace file")?;
    let workspace = Workspace::from_json(&bytes)
        .map_err(|error| CliError::Input(format!("{}: {error}", args.workspace.display())))?;
    let store = MemoryStore::default();
    block_on(import_workspace(&store, workspace))
        .map_err(|error| CliError::Input(format!("{}: {error}", args.workspace.display())))?;
    let ids = IdsFile::open(ids_path(&args.workspace))?;
    let transport = Ureq::default();
    let mut shown = String::new();
    let report = block_on(sync(
        SyncTarget {
            transport: &transport,
            url: &url,
            app_origin: None,
        },
        SyncSource {
            runs: &store,
            registry: &store,
            ledgers: &ids,
        },
        now_ms(),
        &mut |progress: SyncProgress| {
            if progress.doing != shown {
                out.note(format!(
                    "[{}/{}] {}",
                    progress.done, progress.total, progress.doing
                ));
                shown = progress.doing;
            }
        },
    ))
    .map_err(|error| CliError::Refused(format!("{}: {error}", url.as_str())))?;
    out.json(&json!({
        "ok": true,
        "tracking_uri": url.as_str(),
        "runs_created": report.runs_created,
        "runs_updated": report.runs_updated,
        "metrics_logged": report.metrics_logged,
        "models_created": report.models_created,
        "versions_created": report.versions_created,
        "aliases_changed": report.aliases_changed,
        "requests": report.requests,
        "ids_file": ids.path.display().to_string(),
    }));
    out.line(format!("{}: {}", url.as_str(), report.summary()));
    out.note(format!("MLflow ids kept in {}", ids.path.display()));
    Ok(())
}

fn ids_path(workspace: &Path) -> PathBuf {
    let mut name = workspace.file_name().unwrap_or_default().to_os_string();
    name.push(".mlflow.json");
    workspace.with_file_name(name)
}

/// `<WORKSPACE>.mlflow.json`: one ledger per tracking URL, rewritten whole (through a
/// temporary file) whenever the sync keeps its ledger.
struct IdsFile {
    path: PathBuf,
    ledgers: RefCell<BTreeMap<String, SyncLedger>>,
}

#[derive(Serialize, Deserialize)]
struct IdsDocument {
    format: String,
    ledgers: BTreeMap<String, SyncLedger>,
}

impl IdsFile {
    fn open(path: PathBuf) -> Result<Self, CliError> {
        let ledgers = match std::fs::read(&path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(error) => {
                return Err(CliError::Input(format!(
                    "{}: {}",
                    path.display(),
                    io_words(&error)
                )));
            }
            Ok(bytes) => {
                let document: IdsDocument = serde_json::from_slice(&bytes)
                    .ok()
                    .filter(|document: &IdsDocument| document.format == IDS_FORMAT)
                    .ok_or_else(|| {
                        CliError::Input(format!(
                            "{}: not a file of MLflow ids this version reads ({IDS_FORMAT}); \
                             move it away and push again (what the server holds is found again \
                             by its tags)",
                            path.display()
                        ))
                    })?;
                document.ledgers
            }
        };
        Ok(Self {
            path,
            ledgers: RefCell::new(ledgers),
        })
    }

    fn write(&self) -> Result<(), StoreError> {
        let document = IdsDocument {
            format: IDS_FORMAT.into(),
            ledgers: self.ledgers.borrow().clone(),
        };
        let text = serde_json::to_vec_pretty(&document).expect("ledgers serialise");
        let temporary = self.path.with_extension("json.partial");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|error| {
                StoreError::Other(format!("{}: {}", self.path.display(), io_words(&error)))
            })
    }
}

impl MlflowStore for IdsFile {
    fn mlflow_settings(&self) -> StoreFuture<'_, MlflowSettings> {
        Box::pin(async { Ok(MlflowSettings::default()) })
    }

    fn save_mlflow_settings<'a>(&'a self, _: &'a MlflowSettings) -> StoreFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn mlflow_ledger<'a>(&'a self, tracking_url: &'a str) -> StoreFuture<'a, SyncLedger> {
        let ledger = self
            .ledgers
            .borrow()
            .get(tracking_url)
            .cloned()
            .unwrap_or_default();
        Box::pin(async move { Ok(ledger) })
    }

    fn save_mlflow_ledger<'a>(&'a self, ledger: &'a SyncLedger) -> StoreFuture<'a, ()> {
        self.ledgers
            .borrow_mut()
            .insert(ledger.tracking_url.clone(), ledger.clone());
        Box::pin(async move { self.write() })
    }
}

/// ureq, blocking: the command does one thing at a time.
struct Ureq {
    agent: ureq::Agent,
}

impl Default for Ureq {
    fn default() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(120)))
            .build();
        Self {
            agent: config.into(),
        }
    }
}

impl MlflowTransport for Ureq {
    fn send<'a>(&'a self, request: Request<'a>) -> TransportFuture<'a> {
        Box::pin(async move {
            let url = request.url.as_str();
            let answered = match (request.method, request.body) {
                (Method::Get, _) => self.agent.get(url).call(),
                (Method::Delete, Body::Json(json)) => self
                    .agent
                    .delete(url)
                    .force_send_body()
                    .header("content-type", "application/json")
                    .send(json.as_bytes()),
                (Method::Delete, _) => self.agent.delete(url).call(),
                (method, body) => {
                    let builder = match method {
                        Method::Put => self.agent.put(url),
                        _ => self.agent.post(url),
                    };
                    match body {
                        Body::Json(json) => builder
                            .header("content-type", "application/json")
                            .send(json.as_bytes()),
                        Body::Bytes(bytes) => builder
                            .header("content-type", "application/octet-stream")
                            .send(bytes),
                        Body::Empty => builder.send_empty(),
                    }
                }
            };
            let mut response =
                answered.map_err(|error| TransportError::NoAnswer(error.to_string()))?;
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .read_to_vec()
                .map_err(|error| TransportError::NoAnswer(error.to_string()))?;
            Ok(Response { status, body })
        })
    }
}
