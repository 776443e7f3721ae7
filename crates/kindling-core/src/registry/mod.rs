//! The model registry: named models, their numbered versions, aliases that point at one
//! version each, and the record of every alias move. A version is a run's model made durable:
//! its lineage (run, dataset version, recipe), its gate report and its package.
//!
//! The rules live here as plain functions over plain data, so they are tested natively and the
//! browser only stores what they return.

pub mod card;
pub mod card_text;
pub mod contract;
#[doc(hidden)]
pub mod fixtures;
pub mod gates;
pub mod memory;
pub mod model;
pub mod store;

pub use model::{
    AliasChange, CHAMPION, Lineage, ModelVersion, RegisteredModel, RegistryError, VersionSource,
    check_alias, check_model_name,
};
