//! Runs and models into a real MLflow tracking server, over its REST API (`/api/2.0/mlflow/…`),
//! the same way from the tab (`fetch`) and from `kindling mlflow push` (a native HTTP client):
//! each implements only [`transport::MlflowTransport`]; [`sync::sync`] decides every request.
//!
//! What goes where:
//! - a run's Kindling experiment is its **experiment** (`kindling/Week 3`; runs in no other
//!   are in `kindling/Default`); a run moved to another experiment after it was synced stays
//!   where it is in MLflow, which cannot move runs;
//! - a **run** gets its name, start and end time, status (finished → `FINISHED`, failed →
//!   `FAILED`, stopped or interrupted → `KILLED`, training → `RUNNING`), its params as the Runs
//!   table shows them, every epoch's metrics as history (step = epoch, timestamp = start +
//!   training time), its final test scores at the last step, its tags (each a tag with an
//!   empty value), its note as `mlflow.note.content`, and its data as a dataset **input** (name,
//!   digest, rows) with the full content hash in `kindling.data_sha256`;
//! - a **registered model** per model, a **model version** per version with the package as
//!   artifacts (unzipped, it is an MLflow model: `package::mlflow`; the `.kindling.zip` beside
//!   it) and the card as its description, and every **alias**.
//!
//! Syncing twice creates nothing twice: every object carries its Kindling id as a tag
//! (`kindling.run_id`, `kindling.version`), the ids MLflow gave back are kept in the store
//! ([`ledger::SyncLedger`], saved every 50 runs, after each model and whenever a sync stops),
//! and metrics resume from the last step the server holds. A sync cut off anywhere resumes
//! where it stopped, even if the ledger was lost. Nothing is sent while no tracking URL is set.

mod api;
pub mod ledger;
mod payload;
mod registry_sync;
mod sync;
pub mod transport;
mod url;

#[cfg(test)]
mod fake_server;
#[cfg(test)]
mod sync_tests;
#[cfg(test)]
mod tests;

pub use api::{SyncError, SyncProgress, SyncReport, SyncSource, SyncTarget};
pub use ledger::{MlflowSettings, MlflowStore, SyncLedger, SyncedRun};
pub use sync::sync;
pub use transport::{Body, Method, MlflowTransport, Request, Response, TransportError};
pub use url::{TrackingUrl, UrlError};
