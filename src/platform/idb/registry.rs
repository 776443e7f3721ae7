//! The registry store on IndexedDB: models, versions and their packages.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use kindling_core::registry::store::{RegistryStore, VersionBundle};
use kindling_core::registry::{Changed, ModelChange, ModelVersion, RegisteredModel};
use kindling_core::storage::StoreError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbKeyRange, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::requests::{
    Write, commit, commit_in_slices, dom_error, finish, json, object_store, parse, put,
};
use super::{IdbStore, MODELS, PACKAGES, VERSIONS};

/// Every object store a model's bundle touches.
pub(super) const MODEL_STORES: &[&str] = &[MODELS, VERSIONS, PACKAGES];

pub(super) fn version_key(model: &str, version: u32) -> JsValue {
    Array::of2(
        &JsValue::from_str(model),
        &JsValue::from_f64(f64::from(version)),
    )
    .into()
}

/// Every version key of one model.
fn versions_range(model: &str) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound(
        &Array::of2(
            &JsValue::from_str(model),
            &JsValue::from_f64(f64::NEG_INFINITY),
        ),
        &Array::of2(&JsValue::from_str(model), &JsValue::from_f64(f64::INFINITY)),
    )
    .map_err(|error| dom_error(&error))
}

impl IdbStore {
    /// The clash that would refuse adding these models and versions, found before anything
    /// is written.
    pub(super) async fn model_clash(
        &self,
        models: &[RegisteredModel],
        versions: &[VersionBundle],
    ) -> Result<Option<StoreError>, StoreError> {
        if models.is_empty() && versions.is_empty() {
            return Ok(None);
        }
        let stored_models = self.models().await?;
        if let Some(model) = models
            .iter()
            .find(|model| stored_models.iter().any(|m| m.name == model.name))
        {
            return Ok(Some(StoreError::DuplicateModel(model.name.clone())));
        }
        let stored_versions = self.versions().await?;
        Ok(versions
            .iter()
            .find(|bundle| {
                stored_versions
                    .iter()
                    .any(|v| v.model == bundle.version.model && v.version == bundle.version.version)
            })
            .map(|bundle| StoreError::DuplicateVersion {
                model: bundle.version.model.clone(),
                version: bundle.version.version,
            }))
    }

    /// The writes that add whole models with their versions and packages (`add`: a key
    /// taken meanwhile aborts the transaction).
    pub(super) fn model_writes(
        models: &[RegisteredModel],
        versions: &[VersionBundle],
    ) -> Vec<Write> {
        let mut writes = Vec::new();
        for model in models {
            writes.push(Write::add(
                MODELS,
                JsValue::from_str(&model.name),
                json(model),
            ));
        }
        for bundle in versions {
            let key = version_key(&bundle.version.model, bundle.version.version);
            writes.push(Write::add(VERSIONS, key.clone(), json(&bundle.version)));
            writes.push(Write::put(
                PACKAGES,
                key,
                js_sys::Uint8Array::from(bundle.package.as_slice()).into(),
            ));
        }
        writes
    }
}

impl RegistryStore for IdbStore {
    async fn models(&self) -> Result<Vec<RegisteredModel>, StoreError> {
        self.read_all_readable(MODELS).await
    }

    async fn versions(&self) -> Result<Vec<ModelVersion>, StoreError> {
        self.read_all_readable(VERSIONS).await
    }

    async fn change_model(
        &self,
        name: &str,
        change: &ModelChange,
        package: Option<&[u8]>,
    ) -> Result<Changed, StoreError> {
        let stores: &[&str] = if package.is_some() {
            MODEL_STORES
        } else {
            &[MODELS, VERSIONS]
        };
        let transaction = self.transaction(stores, IdbTransactionMode::Readwrite)?;
        let read_model = object_store(&transaction, MODELS)?
            .get(&JsValue::from_str(name))
            .map_err(|error| dom_error(&error))?;
        let read_versions = object_store(&transaction, VERSIONS)?
            .get_all_with_key(&versions_range(name)?.into())
            .map_err(|error| dom_error(&error))?;
        // Requests of one transaction succeed in order, so when the versions are read the model
        // is too. The change is applied and written from that callback, inside the transaction
        // that read them: no other tab's write can come in between.
        let outcome = Rc::new(RefCell::new(None::<Result<Changed, StoreError>>));
        let on_read = Closure::once({
            let (outcome, transaction) = (outcome.clone(), transaction.clone());
            let (name, change) = (name.to_owned(), change.clone());
            let package = package.map(js_sys::Uint8Array::from);
            let read_versions = read_versions.clone();
            move || {
                let result = apply_and_write(
                    &transaction,
                    &name,
                    &change,
                    package.as_ref(),
                    &read_model,
                    &read_versions,
                );
                if result.is_err() {
                    let _ = transaction.abort();
                }
                *outcome.borrow_mut() = Some(result);
            }
        });
        read_versions.set_onsuccess(Some(on_read.as_ref().unchecked_ref()));
        let committed = finish(&transaction).await;
        read_versions.set_onsuccess(None);
        drop(on_read);
        match outcome.borrow_mut().take() {
            Some(Err(refused)) => Err(refused),
            Some(Ok(changed)) => committed.map(|()| changed),
            None => Err(committed.err().unwrap_or_else(|| {
                StoreError::Other("the browser ended the change before reading the model".into())
            })),
        }
    }

    async fn add_version(
        &self,
        model: &RegisteredModel,
        version: &ModelVersion,
        package: &[u8],
    ) -> Result<(), StoreError> {
        let key = version_key(&version.model, version.version);
        let name = JsValue::from_str(&model.name);
        let (model_value, version_value) = (json(model), json(version));
        let package = js_sys::Uint8Array::from(package);
        let transaction =
            self.transaction(&[MODELS, VERSIONS, PACKAGES], IdbTransactionMode::Readwrite)?;
        let models = object_store(&transaction, MODELS)?;
        let read = models.get(&name).map_err(|error| dom_error(&error))?;
        // The model is written only if it is not there yet, decided inside this transaction:
        // an alias moved meanwhile (by this tab or another) is never overwritten.
        let on_read = Closure::once({
            let (read, transaction) = (read.clone(), transaction.clone());
            move || {
                let absent = read.result().is_ok_and(|value| value.is_undefined());
                if absent && put(&models, &name, &model_value).is_err() {
                    let _ = transaction.abort();
                }
            }
        });
        read.set_onsuccess(Some(on_read.as_ref().unchecked_ref()));
        let outcome = commit(&transaction, || {
            // `add`, not `put`: a version number already taken aborts the whole transaction.
            object_store(&transaction, VERSIONS)?
                .add_with_key(&version_value, &key)
                .map_err(|error| dom_error(&error))?;
            put(&object_store(&transaction, PACKAGES)?, &key, &package)
        })
        .await;
        read.set_onsuccess(None);
        drop(on_read);
        outcome.map_err(|error| match error {
            StoreError::KeyTaken => StoreError::DuplicateVersion {
                model: version.model.clone(),
                version: version.version,
            },
            other => other,
        })
    }

    async fn package(&self, model: &str, version: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let transaction = self.transaction(&[PACKAGES], IdbTransactionMode::Readonly)?;
        let request = object_store(&transaction, PACKAGES)?
            .get(&version_key(model, version))
            .map_err(|error| dom_error(&error))?;
        finish(&transaction).await?;
        let value = request.result().map_err(|error| dom_error(&error))?;
        if value.is_undefined() {
            return Ok(None);
        }
        value
            .dyn_ref::<js_sys::Uint8Array>()
            .map(|bytes| Some(bytes.to_vec()))
            .ok_or_else(|| StoreError::Corrupt("a stored package is not bytes".into()))
    }

    async fn delete_model(&self, name: &str) -> Result<(), StoreError> {
        let transaction = self.transaction(MODEL_STORES, IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            object_store(&transaction, MODELS)?
                .delete(&JsValue::from_str(name))
                .map_err(|error| dom_error(&error))?;
            for store in [VERSIONS, PACKAGES] {
                object_store(&transaction, store)?
                    .delete(&versions_range(name)?.into())
                    .map_err(|error| dom_error(&error))?;
            }
            Ok(())
        })
        .await
    }

    async fn add_models(
        &self,
        models: &[RegisteredModel],
        versions: &[VersionBundle],
    ) -> Result<(), StoreError> {
        if let Some(clash) = self.model_clash(models, versions).await? {
            return Err(clash);
        }
        let transaction = self.transaction(MODEL_STORES, IdbTransactionMode::Readwrite)?;
        commit_in_slices(&transaction, Self::model_writes(models, versions))
            .await
            .map_err(|error| match error {
                StoreError::KeyTaken => {
                    StoreError::DuplicateModel("(written by another tab meanwhile)".into())
                }
                other => other,
            })
    }
}

/// Inside [`RegistryStore::change_model`]'s transaction: reads what its two requests found,
/// applies the change and issues the writes.
fn apply_and_write(
    transaction: &IdbTransaction,
    name: &str,
    change: &ModelChange,
    package: Option<&js_sys::Uint8Array>,
    read_model: &IdbRequest,
    read_versions: &IdbRequest,
) -> Result<Changed, StoreError> {
    let model = read_model.result().map_err(|error| dom_error(&error))?;
    let model: Option<RegisteredModel> = if model.is_undefined() {
        None
    } else {
        Some(parse(&model)?)
    };
    let versions: Array = read_versions
        .result()
        .map_err(|error| dom_error(&error))?
        .unchecked_into();
    let versions = versions
        .iter()
        .map(|value| parse::<ModelVersion>(&value))
        .collect::<Result<Vec<_>, _>>()?;
    let changed = change.apply_stored(name, model, &versions)?;
    put(
        &object_store(transaction, MODELS)?,
        &JsValue::from_str(name),
        &json(&changed.model),
    )?;
    if let Some(version) = &changed.version {
        let key = version_key(&version.model, version.version);
        put(&object_store(transaction, VERSIONS)?, &key, &json(version))?;
        if let Some(package) = package {
            put(&object_store(transaction, PACKAGES)?, &key, package)?;
        }
    }
    Ok(changed)
}
