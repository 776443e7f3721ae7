//! Where registered models, their versions and packages are kept: IndexedDB in the browser
//! (`src/platform/idb.rs`, the same database as the runs), memory in native tests. Both pass
//! [`super::contract::check_registry`]. Every method is one transaction.

use serde::{Deserialize, Serialize};

use super::change::{Changed, ModelChange};
use super::model::{ModelVersion, RegisteredModel};
use crate::storage::{StoreError, StoreFuture};

/// A version with its package: what a workspace file carries and an undone delete puts back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionBundle {
    pub version: ModelVersion,
    #[serde(with = "crate::base64::serde_bytes")]
    pub package: Vec<u8>,
}

#[allow(async_fn_in_trait)]
pub trait RegistryStore {
    async fn models(&self) -> Result<Vec<RegisteredModel>, StoreError>;

    /// Every version of every model, without packages.
    async fn versions(&self) -> Result<Vec<ModelVersion>, StoreError>;

    /// Applies `change` to the model called `name` and its versions as stored at this moment,
    /// and writes what it changed (with `package`, the named version's rebuilt package) in
    /// one transaction. What the stored state refuses fails with [`StoreError::Refused`] and
    /// writes nothing; an unknown name fails with [`StoreError::NoSuchModel`].
    async fn change_model(
        &self,
        name: &str,
        change: &ModelChange,
        package: Option<&[u8]>,
    ) -> Result<Changed, StoreError>;

    /// Stores a new version and its package together, and `model` if no model of that name is
    /// stored yet (a stored one is left as it is: its aliases may have moved meanwhile). A
    /// version number already taken fails with [`StoreError::DuplicateVersion`] and writes
    /// nothing.
    async fn add_version(
        &self,
        model: &RegisteredModel,
        version: &ModelVersion,
        package: &[u8],
    ) -> Result<(), StoreError>;

    async fn package(&self, model: &str, version: u32) -> Result<Option<Vec<u8>>, StoreError>;

    /// Removes a model with every version and package it has; an unknown name changes nothing.
    async fn delete_model(&self, name: &str) -> Result<(), StoreError>;

    /// Adds whole models with their versions and packages at once (undoing a delete, a
    /// workspace import). A model name or version already stored fails the whole call with
    /// [`StoreError::DuplicateModel`] or [`StoreError::DuplicateVersion`] and writes nothing.
    async fn add_models(
        &self,
        models: &[RegisteredModel],
        versions: &[VersionBundle],
    ) -> Result<(), StoreError>;
}

/// Everything stored of one model, for undoing its delete.
pub async fn model_bundle(
    store: &impl RegistryStore,
    name: &str,
) -> Result<Option<(RegisteredModel, Vec<VersionBundle>)>, StoreError> {
    let Some(model) = store.models().await?.into_iter().find(|m| m.name == name) else {
        return Ok(None);
    };
    let mut versions = Vec::new();
    for version in store
        .versions()
        .await?
        .into_iter()
        .filter(|v| v.model == name)
    {
        let package = store
            .package(name, version.version)
            .await?
            .unwrap_or_default();
        versions.push(VersionBundle { version, package });
    }
    Ok(Some((model, versions)))
}

/// [`RegistryStore`] as a trait object, like [`crate::tracking::shared::SharedStore`].
pub trait SharedRegistry {
    fn models(&self) -> StoreFuture<'_, Vec<RegisteredModel>>;
    fn versions(&self) -> StoreFuture<'_, Vec<ModelVersion>>;
    fn change_model<'a>(
        &'a self,
        name: &'a str,
        change: &'a ModelChange,
        package: Option<&'a [u8]>,
    ) -> StoreFuture<'a, Changed>;
    fn add_version<'a>(
        &'a self,
        model: &'a RegisteredModel,
        version: &'a ModelVersion,
        package: &'a [u8],
    ) -> StoreFuture<'a, ()>;
    fn package<'a>(&'a self, model: &'a str, version: u32) -> StoreFuture<'a, Option<Vec<u8>>>;
    fn delete_model<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()>;
    fn add_models<'a>(
        &'a self,
        models: &'a [RegisteredModel],
        versions: &'a [VersionBundle],
    ) -> StoreFuture<'a, ()>;
    fn model_bundle<'a>(
        &'a self,
        name: &'a str,
    ) -> StoreFuture<'a, Option<(RegisteredModel, Vec<VersionBundle>)>>;
}

impl<S: RegistryStore> SharedRegistry for S {
    fn models(&self) -> StoreFuture<'_, Vec<RegisteredModel>> {
        Box::pin(RegistryStore::models(self))
    }
    fn versions(&self) -> StoreFuture<'_, Vec<ModelVersion>> {
        Box::pin(RegistryStore::versions(self))
    }
    fn change_model<'a>(
        &'a self,
        name: &'a str,
        change: &'a ModelChange,
        package: Option<&'a [u8]>,
    ) -> StoreFuture<'a, Changed> {
        Box::pin(RegistryStore::change_model(self, name, change, package))
    }
    fn add_version<'a>(
        &'a self,
        model: &'a RegisteredModel,
        version: &'a ModelVersion,
        package: &'a [u8],
    ) -> StoreFuture<'a, ()> {
        Box::pin(RegistryStore::add_version(self, model, version, package))
    }
    fn package<'a>(&'a self, model: &'a str, version: u32) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(RegistryStore::package(self, model, version))
    }
    fn delete_model<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(RegistryStore::delete_model(self, name))
    }
    fn add_models<'a>(
        &'a self,
        models: &'a [RegisteredModel],
        versions: &'a [VersionBundle],
    ) -> StoreFuture<'a, ()> {
        Box::pin(RegistryStore::add_models(self, models, versions))
    }
    fn model_bundle<'a>(
        &'a self,
        name: &'a str,
    ) -> StoreFuture<'a, Option<(RegisteredModel, Vec<VersionBundle>)>> {
        Box::pin(model_bundle(self, name))
    }
}
