//! The model registry: named models, their numbered versions, aliases that point at one
//! version each, and the record of every alias move. A version is a run's model made durable:
//! its lineage (run, dataset version, recipe), its gate report and its package.
//!
//! The rules live here as plain functions over plain data, so they are tested natively and the
//! browser only stores what they return.
//!
//! A `RegisteredModel` has gates (`gates::Gate`: a metric threshold, or "beat the `champion` by
//! an absolute or relative margin" as MLflow's `MetricThreshold`), aliases (each points at one
//! version) and an append-only alias history (time, reason, and the written override when a
//! version that failed its gates takes an alias anyway). A `ModelVersion` keeps its lineage
//! (run, dataset version, recipe, app version), signature, test metrics, gate report, editable
//! card sections (`card`: Mitchell et al.'s nine sections; `card_text` renders them), the
//! package's sha256 and the weights' sha256 (how an uploaded copy is recognised). Versions are
//! archived, never deleted; an archived version takes no alias. Every edit of a stored model is
//! a `change::ModelChange`, applied by the store to what is stored at that moment (so two tabs
//! never undo each other's edits). `store::RegistryStore` keeps
//! them (`crate::workspace::memory` natively, IndexedDB in the browser), both held to
//! `contract`. `from_run::version_from_run` is what a version registered from a run records,
//! whoever registers it (the Register button, a pipeline in the tab or on the command line).

pub mod card;
pub mod card_text;
pub mod change;
pub mod contract;
#[doc(hidden)]
pub mod fixtures;
pub mod from_run;
pub mod gates;
pub mod model;
pub mod store;

pub use change::{Changed, ModelChange};
pub use from_run::version_from_run;
pub use model::{
    AliasChange, CHAMPION, Lineage, MetricsStanding, ModelVersion, RegisteredModel, RegistryError,
    VersionSource, check_alias, check_model_name,
};
