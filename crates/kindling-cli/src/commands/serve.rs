//! `kindling serve PACKAGE [--port N]`: the package as an HTTP prediction server speaking
//! MLflow's scoring protocol (core's `scoring::invocations`), so a client written for
//! `mlflow models serve` works unchanged:
//!
//! - `POST /invocations`: `dataframe_split`, `dataframe_records`, `instances` or `inputs` in,
//!   `{"predictions": [...]}` out; a bad request is a 400 with `{"error_code": "BAD_REQUEST",
//!   "message": ...}` (MLflow's error shape) saying what is wrong;
//! - `GET /ping` and `GET /health`: 200 once the model is loaded (it is loaded before the port
//!   opens); `GET /version`: Kindling's version, and the model's name and version.
//!
//! The package passes every upload check first, as `verify` checks it. Bodies over
//! [`MAX_REQUEST_BYTES`] are refused with a 413. Ctrl-C (or SIGTERM) lets requests in flight
//! finish, then the server stops. It listens on 127.0.0.1 only: serving beyond this machine
//! is a decision for a reverse proxy, not a default.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use kindling_core::registry::ModelVersion;
use kindling_core::scoring::invocations::{MAX_REQUEST_BYTES, answer, features, read_request};
use kindling_ml::TrainedModel;
use serde_json::json;

use crate::args::ServeArgs;
use crate::clock::now_ms;
use crate::error::CliError;
use crate::package_file;

struct Served {
    model: TrainedModel,
    version: ModelVersion,
}

pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    let (opened, model) = package_file::open(&args.package)?;
    let version = opened.manifest.to_version(
        opened.sha256.clone(),
        &package_file::file_name(&args.package),
        now_ms(),
    );
    let served = Arc::new(Served { model, version });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Input(format!("the server could not start: {error}")))?;
    runtime.block_on(serve(served, args.port))
}

async fn serve(served: Arc<Served>, port: u16) -> Result<(), CliError> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| {
            CliError::Input(format!(
                "port {port} on 127.0.0.1 cannot be used ({error}); choose another with --port"
            ))
        })?;
    let bound = listener
        .local_addr()
        .map_err(|error| CliError::Input(error.to_string()))?;
    eprintln!(
        "serving {} v{} on http://{bound} (POST /invocations); Ctrl-C stops",
        served.version.model, served.version.version
    );
    let app = Router::new()
        .route("/invocations", post(invocations))
        .route("/ping", get(healthy))
        .route("/health", get(healthy))
        .route("/version", get(version))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(served);
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_requested())
        .await
        .map_err(|error| CliError::Refused(format!("the server stopped: {error}")))
}

/// Ctrl-C, or SIGTERM where there is one (a service manager's stop).
async fn stop_requested() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    eprintln!("stopping: finishing the requests in flight");
}

async fn healthy() -> &'static str {
    "\n"
}

async fn version(State(served): State<Arc<Served>>) -> Json<serde_json::Value> {
    Json(json!({
        "kindling": kindling_core::APP_VERSION,
        "model": served.version.model,
        "model_version": served.version.version,
    }))
}

async fn invocations(State(served): State<Arc<Served>>, body: Bytes) -> Response {
    let signature = &served.version.signature;
    let scored = read_request(&body, signature)
        .and_then(|table| features(signature, &table))
        .map(|rows| answer(signature, &served.model.predict(&rows)));
    match scored {
        Ok(answered) => Json(answered).into_response(),
        Err(message) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error_code": "BAD_REQUEST", "message": message })),
        )
            .into_response(),
    }
}
