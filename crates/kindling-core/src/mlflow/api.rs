//! MLflow's REST API as the sync calls it (JSON in and out, MLflow's errors in words), and
//! the values a sync is given and gives back.

use std::cell::Cell;

use serde_json::{Value as Json, json};
use thiserror::Error;

use super::ledger::{MlflowStore, SyncedRun};
use super::transport::{Body, Method, MlflowTransport, Request, Response, TransportError};
use super::url::TrackingUrl;
use crate::percent::encode_query_value as encode;
use crate::registry::store::SharedRegistry;
use crate::storage::StoreError;
use crate::tracking::RunRecord;
use crate::tracking::shared::SharedStore;

const API: &str = "/api/2.0/mlflow";

/// Why a sync stopped. What was sent before it stays sent and is not sent again.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SyncError {
    #[error(
        "nothing answered at {url} ({detail}). Is the MLflow server running? Start one with \
         `mlflow server --host 127.0.0.1 --port 5000{cors}`, then sync again; what was sent \
         before is kept"
    )]
    NoAnswer {
        url: String,
        detail: String,
        cors: String,
    },
    #[error(
        "the MLflow server at {url} answered, but does not allow this page ({origin}) to use it. \
         Restart it with `--cors-allowed-origins {origin}`, then sync again"
    )]
    CorsRefused { url: String, origin: String },
    #[error(
        "this page does not allow connections to {origin} yet: reload it (the page admits the \
         tracking server's origin when it loads), then sync again"
    )]
    NotAdmitted { origin: String },
    #[error("MLflow refused to {what}: {message} (HTTP {status}{code})")]
    Refused {
        what: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error(
        "{url} answered, but not as an MLflow tracking server does: check the URL (the \
         address `mlflow server` prints, without /api or a page path)"
    )]
    NotMlflow { url: String },
    #[error("MLflow's answer to {what} could not be read: {detail}")]
    BadAnswer { what: String, detail: String },
    #[error(
        "the MLflow server does not take artifact uploads (its artifacts go to {uri}): start it \
         with artifact serving, the default (not --no-serve-artifacts), then sync again"
    )]
    NoArtifactUploads { uri: String },
    #[error("the workbench's store: {0}")]
    Store(#[from] StoreError),
}

/// Where the sync is, for a progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncProgress {
    pub done: usize,
    pub total: usize,
    pub doing: String,
}

/// What one sync did. All zero when the server already held everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub runs_created: usize,
    pub runs_updated: usize,
    pub metrics_logged: usize,
    pub models_created: usize,
    pub versions_created: usize,
    pub aliases_changed: usize,
    pub requests: usize,
}

impl SyncReport {
    pub fn sent_nothing(&self) -> bool {
        self.runs_created
            + self.runs_updated
            + self.models_created
            + self.versions_created
            + self.aliases_changed
            == 0
    }

    /// One line for a person.
    pub fn summary(&self) -> String {
        if self.sent_nothing() {
            return "MLflow already had everything; nothing was sent".into();
        }
        format!(
            "{} run(s) created and {} updated ({} metric points), {} model(s), {} version(s) and \
             {} alias change(s) sent in {} requests",
            self.runs_created,
            self.runs_updated,
            self.metrics_logged,
            self.models_created,
            self.versions_created,
            self.aliases_changed,
            self.requests
        )
    }
}

/// The stores a sync reads and writes.
pub struct SyncSource<'a> {
    pub runs: &'a dyn SharedStore,
    pub registry: &'a dyn SharedRegistry,
    pub ledgers: &'a dyn MlflowStore,
}

/// The server and how to reach it. `app_origin` is the page's origin (for the CORS advice);
/// `None` natively.
pub struct SyncTarget<'a> {
    pub transport: &'a dyn MlflowTransport,
    pub url: &'a TrackingUrl,
    pub app_origin: Option<&'a str>,
}

/// MLflow's REST API as the sync uses it: JSON in and out, errors in words.
pub(super) struct Api<'a> {
    target: &'a SyncTarget<'a>,
    requests: Cell<usize>,
}

impl<'a> Api<'a> {
    pub fn new(target: &'a SyncTarget<'a>) -> Self {
        Self {
            target,
            requests: Cell::new(0),
        }
    }

    /// How many requests were sent.
    pub fn requests(&self) -> usize {
        self.requests.get()
    }
}

impl Api<'_> {
    /// Calls `path` below `/api/2.0/mlflow`; `what` names the action in an error.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Json,
        what: &str,
    ) -> Result<Json, SyncError> {
        self.call_allowing(method, path, body, what, None)
            .await
            .map(|answer| answer.unwrap_or(Json::Null))
    }

    /// As [`Api::call`], but an error with MLflow's code `allowed` answers `None`.
    pub async fn call_allowing(
        &self,
        method: Method,
        path: &str,
        body: Json,
        what: &str,
        allowed: Option<&str>,
    ) -> Result<Option<Json>, SyncError> {
        let url = self.target.url.join(&format!("{API}{path}"));
        let body = match method {
            Method::Get => Body::Empty,
            _ => Body::Json(body.to_string()),
        };
        let response = self.send(method, url, body).await?;
        let answer: Json = if response.body.is_empty() {
            Json::Null
        } else {
            serde_json::from_slice(&response.body).map_err(|error| SyncError::BadAnswer {
                what: what.to_owned(),
                detail: format!("HTTP {}: not JSON ({error})", response.status),
            })?
        };
        if (200..300).contains(&response.status) {
            return Ok(Some(answer));
        }
        let code = answer["error_code"].as_str().unwrap_or_default().to_owned();
        if allowed.is_some_and(|allowed| allowed == code) {
            return Ok(None);
        }
        let message = answer["message"]
            .as_str()
            .unwrap_or("no message")
            .to_owned();
        Err(SyncError::Refused {
            what: what.to_owned(),
            status: response.status,
            code: if code.is_empty() {
                code
            } else {
                format!(", {code}")
            },
            message: message.lines().next().unwrap_or_default().to_owned(),
        })
    }

    /// Uploads one artifact through the server's artifact proxy; `uri` is an
    /// `mlflow-artifacts:/…` address.
    pub async fn put_artifact(&self, uri: &str, bytes: &[u8]) -> Result<(), SyncError> {
        let path =
            uri.strip_prefix("mlflow-artifacts:/")
                .ok_or_else(|| SyncError::NoArtifactUploads {
                    uri: uri.to_owned(),
                })?;
        let url = self.target.url.join(&format!(
            "/api/2.0/mlflow-artifacts/artifacts/{}",
            path.trim_start_matches('/')
        ));
        let response = self.send(Method::Put, url, Body::Bytes(bytes)).await?;
        if (200..300).contains(&response.status) {
            return Ok(());
        }
        Err(SyncError::Refused {
            what: format!("store the artifact {uri}"),
            status: response.status,
            code: String::new(),
            message: String::from_utf8_lossy(&response.body)
                .chars()
                .take(300)
                .collect(),
        })
    }

    async fn send(
        &self,
        method: Method,
        url: String,
        body: Body<'_>,
    ) -> Result<Response, SyncError> {
        self.requests.set(self.requests.get() + 1);
        let target = self.target;
        target
            .transport
            .send(Request { method, url, body })
            .await
            .map_err(|error| match error {
                TransportError::NoAnswer(detail) => SyncError::NoAnswer {
                    url: target.url.as_str().to_owned(),
                    detail,
                    cors: target
                        .app_origin
                        .map(|origin| format!(" --cors-allowed-origins {origin}"))
                        .unwrap_or_default(),
                },
                TransportError::CorsRefused => SyncError::CorsRefused {
                    url: target.url.as_str().to_owned(),
                    origin: target.app_origin.unwrap_or("this page's origin").to_owned(),
                },
                TransportError::NotAdmitted(origin) => SyncError::NotAdmitted { origin },
            })
    }

    /// The id of the experiment called `name`, created if the server has none.
    pub async fn experiment(&self, name: &str) -> Result<String, SyncError> {
        let query = format!("/experiments/get-by-name?experiment_name={}", encode(name));
        let found = self
            .call_allowing(
                Method::Get,
                &query,
                Json::Null,
                "find an experiment",
                Some("RESOURCE_DOES_NOT_EXIST"),
            )
            .await?;
        let answer = match found {
            Some(answer) => answer["experiment"]["experiment_id"].clone(),
            None => {
                let created = self
                    .call(
                        Method::Post,
                        "/experiments/create",
                        json!({ "name": name, "tags": [{ "key": "mlflow.note.content", "value": "Runs synced from Kindling's experiment of the same name." }] }),
                        "create an experiment",
                    )
                    .await?;
                created["experiment_id"].clone()
            }
        };
        answer
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SyncError::BadAnswer {
                what: "an experiment".into(),
                detail: "it has no experiment_id".into(),
            })
    }

    /// The MLflow run tagged with this Kindling run id, if a sync created one before.
    pub async fn find_run(
        &self,
        experiment_id: &str,
        kindling_id: &str,
    ) -> Result<Option<SyncedRun>, SyncError> {
        let filter = format!(
            "tags.`kindling.run_id` = '{}'",
            kindling_id.replace('\'', "\\'")
        );
        let answer = self
            .call(
                Method::Post,
                "/runs/search",
                json!({ "experiment_ids": [experiment_id], "filter": filter, "max_results": 1 }),
                "look for a run synced before",
            )
            .await?;
        Ok(answer["runs"]
            .get(0)
            .map(|run| synced_run(&run["info"], experiment_id)))
    }

    pub async fn create_run(
        &self,
        experiment_id: &str,
        run: &RunRecord,
    ) -> Result<SyncedRun, SyncError> {
        let answer = self
            .call(
                Method::Post,
                "/runs/create",
                json!({
                    "experiment_id": experiment_id,
                    "run_name": run.name,
                    "start_time": run.started_ms.round() as i64,
                    "tags": [{ "key": "kindling.run_id", "value": run.id }],
                }),
                "create a run",
            )
            .await?;
        let synced = synced_run(&answer["run"]["info"], experiment_id);
        if synced.mlflow_run_id.is_empty() {
            return Err(SyncError::BadAnswer {
                what: "creating a run".into(),
                detail: "it names no run_id".into(),
            });
        }
        Ok(synced)
    }

    /// The last step the server holds of a run's metric, if any.
    pub async fn last_step(&self, run_id: &str, key: &str) -> Result<Option<usize>, SyncError> {
        let query = format!(
            "/metrics/get-history?run_id={}&metric_key={}",
            encode(run_id),
            encode(key)
        );
        let answer = self
            .call(Method::Get, &query, Json::Null, "read a metric's history")
            .await?;
        Ok(answer["metrics"]
            .as_array()
            .and_then(|points| {
                points
                    .iter()
                    .filter_map(|point| point["step"].as_u64())
                    .max()
            })
            .map(|step| step as usize))
    }
}

fn synced_run(info: &Json, experiment_id: &str) -> SyncedRun {
    SyncedRun {
        mlflow_run_id: info["run_id"].as_str().unwrap_or_default().to_owned(),
        experiment_id: experiment_id.to_owned(),
        artifact_uri: info["artifact_uri"].as_str().unwrap_or_default().to_owned(),
        ..SyncedRun::default()
    }
}
