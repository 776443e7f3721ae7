//! Where registered models, their versions and packages are kept: IndexedDB in the browser
//! (`src/platform/idb.rs`, the same database as the runs), memory in native tests. Both pass
//! [`check_registry`]. Every method is one transaction.

use super::{ModelVersion, RegisteredModel};
use crate::tracking::store::{StoreError, StoreFuture};

#[allow(async_fn_in_trait)]
pub trait RegistryStore {
    async fn models(&self) -> Result<Vec<RegisteredModel>, StoreError>;

    /// Every version of every model, without packages.
    async fn versions(&self) -> Result<Vec<ModelVersion>, StoreError>;

    /// Creates or replaces a model (its gates, aliases and alias history).
    async fn save_model(&self, model: &RegisteredModel) -> Result<(), StoreError>;

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

    /// Replaces a version's record (archived, card) and, when given, its package, together.
    async fn update_version(
        &self,
        version: &ModelVersion,
        package: Option<&[u8]>,
    ) -> Result<(), StoreError>;

    async fn package(&self, model: &str, version: u32) -> Result<Option<Vec<u8>>, StoreError>;
}

/// [`RegistryStore`] as a trait object, like [`crate::tracking::store::SharedStore`].
pub trait SharedRegistry {
    fn models(&self) -> StoreFuture<'_, Vec<RegisteredModel>>;
    fn versions(&self) -> StoreFuture<'_, Vec<ModelVersion>>;
    fn save_model<'a>(&'a self, model: &'a RegisteredModel) -> StoreFuture<'a, ()>;
    fn add_version<'a>(
        &'a self,
        model: &'a RegisteredModel,
        version: &'a ModelVersion,
        package: &'a [u8],
    ) -> StoreFuture<'a, ()>;
    fn update_version<'a>(
        &'a self,
        version: &'a ModelVersion,
        package: Option<&'a [u8]>,
    ) -> StoreFuture<'a, ()>;
    fn package<'a>(&'a self, model: &'a str, version: u32) -> StoreFuture<'a, Option<Vec<u8>>>;
}

impl<S: RegistryStore> SharedRegistry for S {
    fn models(&self) -> StoreFuture<'_, Vec<RegisteredModel>> {
        Box::pin(RegistryStore::models(self))
    }
    fn versions(&self) -> StoreFuture<'_, Vec<ModelVersion>> {
        Box::pin(RegistryStore::versions(self))
    }
    fn save_model<'a>(&'a self, model: &'a RegisteredModel) -> StoreFuture<'a, ()> {
        Box::pin(RegistryStore::save_model(self, model))
    }
    fn add_version<'a>(
        &'a self,
        model: &'a RegisteredModel,
        version: &'a ModelVersion,
        package: &'a [u8],
    ) -> StoreFuture<'a, ()> {
        Box::pin(RegistryStore::add_version(self, model, version, package))
    }
    fn update_version<'a>(
        &'a self,
        version: &'a ModelVersion,
        package: Option<&'a [u8]>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(RegistryStore::update_version(self, version, package))
    }
    fn package<'a>(&'a self, model: &'a str, version: u32) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(RegistryStore::package(self, model, version))
    }
}

/// What every [`RegistryStore`] must do; run natively against the memory store and in
/// Chromium against IndexedDB.
pub async fn check_registry(store: &impl RegistryStore) {
    use super::tests_support::version;
    assert!(store.models().await.unwrap().is_empty(), "starts empty");
    let mut model = RegisteredModel::new("iris", 1.0).unwrap();
    let one = version("iris", 1);
    store
        .add_version(&model, &one, b"package one")
        .await
        .unwrap();
    assert_eq!(store.models().await.unwrap(), [model.clone()]);
    assert_eq!(store.versions().await.unwrap(), std::slice::from_ref(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..])
    );
    assert_eq!(store.package("iris", 2).await.unwrap(), None);

    let mut clash = one.clone();
    clash.archived = true;
    model.description = "changed by the failed call".into();
    assert_eq!(
        store.add_version(&model, &clash, b"other").await,
        Err(StoreError::DuplicateVersion {
            model: "iris".into(),
            version: 1
        })
    );
    assert_eq!(store.models().await.unwrap()[0].description, "");
    assert_eq!(store.versions().await.unwrap(), std::slice::from_ref(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..]),
        "a refused version leaves the stored package as it was"
    );

    let two = version("iris", 2);
    store
        .add_version(&model, &two, b"package two")
        .await
        .unwrap();
    model
        .move_alias("champion", &two, "better", None, 2.0)
        .unwrap();
    store.save_model(&model).await.unwrap();
    let mut stale = RegisteredModel::new("iris", 1.0).unwrap();
    stale.description = "an older copy".into();
    store
        .add_version(&stale, &version("iris", 3), b"package three")
        .await
        .unwrap();
    assert!(
        store.models().await.unwrap().contains(&model),
        "adding a version leaves a stored model (and its alias moves) as it is"
    );
    store
        .add_version(
            &RegisteredModel::new("wine", 3.0).unwrap(),
            &version("wine", 1),
            b"w",
        )
        .await
        .unwrap();
    let models = store.models().await.unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(
        models.iter().find(|m| m.name == "iris").unwrap().aliases["champion"],
        2
    );

    let mut archived = one.clone();
    archived.archived = true;
    archived.card.caveats = "superseded".into();
    store.update_version(&archived, None).await.unwrap();
    let versions = store.versions().await.unwrap();
    assert_eq!(versions.len(), 4);
    assert!(versions.contains(&archived) && !versions.contains(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..]),
        "no new package keeps the old one"
    );
    store
        .update_version(&archived, Some(b"rebuilt"))
        .await
        .unwrap();
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"rebuilt"[..])
    );

    model.description = "saved".into();
    store.save_model(&model).await.unwrap();
    assert!(store.models().await.unwrap().contains(&model));
}
