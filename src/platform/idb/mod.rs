//! The IndexedDB [`RunStore`] and [`RegistryStore`]: runs, their epochs, evaluations and
//! models, imported datasets, and the model registry with its packages, kept in this browser
//! profile.
//!
//! Values are stored as JSON strings of core's types, so the schema below is only the object
//! stores and keys; a field added to a type is read from old records through serde defaults,
//! and a change of stores is a new step in [`upgrade`]. Each method issues all its requests in
//! one transaction and awaits nothing else until that transaction ends, because IndexedDB
//! commits a transaction as soon as it has no pending request.
//!
//! A record this tab keeps live (a run training, a pipeline running) is held by a Web Lock
//! named for it while it is, so another tab opening the store leaves it running.
//!
//! `runs` implements the run store, `registry` the registry store, `pipelines` the pipeline
//! store, `deployments` the deployment store, `mlflow` the MLflow settings and sync ledgers,
//! `lessons` the lesson progress, `workspace` a whole import
//! across both in one transaction, `requests` the request and transaction plumbing they use.

mod deployments;
mod lessons;
mod mlflow;
mod pipelines;
mod registry;
mod requests;
mod runs;
mod workspace;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use js_sys::Array;
use kindling_core::storage::StoreError;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    IdbDatabase, IdbKeyRange, IdbOpenDbRequest, IdbTransaction, IdbTransactionMode,
    IdbVersionChangeEvent,
};

use crate::platform::locks::{self, HeldLock};
use crate::platform::tasks::TimeSlice;
use requests::{
    SLICE_MS, commit, describe, dom_error, finish, object_store, parse, put, wait_for_request,
};

/// The workbench's database; tests open others by name.
pub const DATABASE_NAME: &str = "kindling";
/// Bump with a new step in [`upgrade`].
const SCHEMA_VERSION: u32 = 5;

const RUNS: &str = "runs";
/// Keyed `[run_id, epoch]`, so one key range reads or deletes a run's history in order.
const EPOCHS: &str = "epochs";
const EVALUATIONS: &str = "evaluations";
/// Entries are kept apart from the rows so listing datasets does not read them all.
const DATASET_ENTRIES: &str = "dataset_entries";
const DATASETS: &str = "datasets";
/// Version 2: a finished run's model, keyed by run id.
const RUN_MODELS: &str = "run_models";
/// Version 2: registered models by name; versions and packages keyed `[model, version]`.
/// Packages are stored as bytes, not JSON, and apart from versions so listing reads none.
const MODELS: &str = "models";
const VERSIONS: &str = "versions";
const PACKAGES: &str = "packages";
/// Version 3: pipelines by name, their runs keyed `[pipeline, run id]`.
const PIPELINES: &str = "pipelines";
const PIPELINE_RUNS: &str = "pipeline_runs";
/// Version 4: deployments by id, each with its monitor window and history.
const DEPLOYMENTS: &str = "deployments";
/// Version 5: settings by name (`mlflow`), and each MLflow tracking server's sync ledger by URL.
const SETTINGS: &str = "settings";
const MLFLOW_LEDGERS: &str = "mlflow_ledgers";

pub struct IdbStore {
    database: IdbDatabase,
    /// A Web Lock per record this tab keeps live (a run training, a pipeline running), so a
    /// tab that opens the store meanwhile does not mark it interrupted (`platform::locks`).
    live_locks: RefCell<HashMap<String, HeldLock>>,
}

impl IdbStore {
    /// Opens (creating or upgrading) the named database. `on_blocked` is told when another
    /// tab holds an older version open; the open then waits until that tab lets go.
    pub async fn open(name: &str, on_blocked: impl FnOnce() + 'static) -> Result<Self, StoreError> {
        let factory = web_sys::window()
            .and_then(|window| window.indexed_db().ok().flatten())
            .ok_or_else(|| StoreError::Unavailable("IndexedDB is not available".into()))?;
        let request = factory
            .open_with_u32(name, SCHEMA_VERSION)
            .map_err(|error| StoreError::Unavailable(describe(&error)))?;
        let on_upgrade = Closure::<dyn FnMut(IdbVersionChangeEvent)>::new({
            let request = request.clone();
            move |event: IdbVersionChangeEvent| {
                if let Ok(result) = request.result() {
                    upgrade(&result.unchecked_into(), event.old_version() as u32);
                }
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let on_blocked = Closure::once(on_blocked);
        request.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));
        let opened = wait_for_request(&request).await;
        // Only now, with the request settled, may its callbacks go.
        request.set_onupgradeneeded(None);
        request.set_onblocked(None);
        drop((on_upgrade, on_blocked));
        let database: IdbDatabase = opened?.unchecked_into();
        // Another tab upgrading the schema asks this one to let go; holding on would block it.
        let on_version_change = Closure::<dyn FnMut()>::new({
            let database = database.clone();
            move || database.close()
        });
        database.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget();
        Ok(Self {
            database,
            live_locks: RefCell::default(),
        })
    }

    /// Deletes a whole database (tests clean up after themselves with it).
    pub async fn delete(name: &str) -> Result<(), StoreError> {
        let factory = web_sys::window()
            .and_then(|window| window.indexed_db().ok().flatten())
            .ok_or_else(|| StoreError::Unavailable("IndexedDB is not available".into()))?;
        let request: IdbOpenDbRequest = factory
            .delete_database(name)
            .map_err(|error| StoreError::Other(describe(&error)))?;
        wait_for_request(&request).await.map(|_| ())
    }

    pub fn close(&self) {
        self.database.close();
    }

    /// The locks other tabs (other stores) hold: records this store keeps live are this tab's
    /// own business, told apart by the caller.
    async fn held_elsewhere(&self) -> HashSet<String> {
        let mut held = locks::held_names().await;
        held.retain(|name| !self.live_locks.borrow().contains_key(name));
        held
    }

    /// Holds the lock `name` while `live`, lets go of it otherwise.
    fn keep_live(&self, name: String, live: bool) {
        let mut held = self.live_locks.borrow_mut();
        if live {
            held.entry(name)
                .or_insert_with_key(|name| locks::hold(name));
        } else {
            held.remove(&name);
        }
    }

    fn transaction(
        &self,
        stores: &[&str],
        mode: IdbTransactionMode,
    ) -> Result<IdbTransaction, StoreError> {
        let names = Array::new();
        for store in stores {
            names.push(&JsValue::from_str(store));
        }
        self.database
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(|error| dom_error(&error))
    }

    /// Reads every value of `store` within `range` (all when `None`), in key order.
    async fn read_all<T: DeserializeOwned>(
        &self,
        store: &str,
        range: Option<&IdbKeyRange>,
    ) -> Result<Vec<Result<T, StoreError>>, StoreError> {
        let transaction = self.transaction(&[store], IdbTransactionMode::Readonly)?;
        let object_store = object_store(&transaction, store)?;
        let request = match range {
            Some(range) => object_store.get_all_with_key(range),
            None => object_store.get_all(),
        }
        .map_err(|error| dom_error(&error))?;
        finish(&transaction).await?;
        let values: Array = request
            .result()
            .map_err(|error| dom_error(&error))?
            .unchecked_into();
        let mut parsed = Vec::with_capacity(values.length() as usize);
        let mut slice = TimeSlice::start(SLICE_MS);
        for value in values.iter() {
            parsed.push(parse(&value));
            slice.yield_when_over().await;
        }
        Ok(parsed)
    }

    /// Every readable value of a store. One damaged record (written by a newer version, say)
    /// must not hide all the others: it is left in place and reported in the console.
    async fn read_all_readable<T: DeserializeOwned>(
        &self,
        store: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut readable = Vec::new();
        for value in self.read_all::<T>(store, None).await? {
            match value {
                Ok(value) => readable.push(value),
                Err(error) => web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "Kindling left an unreadable record in \"{store}\" as it is: {error}"
                ))),
            }
        }
        Ok(readable)
    }

    async fn read_one<T: DeserializeOwned>(
        &self,
        store: &str,
        key: &JsValue,
    ) -> Result<Option<T>, StoreError> {
        let transaction = self.transaction(&[store], IdbTransactionMode::Readonly)?;
        let request = object_store(&transaction, store)?
            .get(key)
            .map_err(|error| dom_error(&error))?;
        finish(&transaction).await?;
        let value = request.result().map_err(|error| dom_error(&error))?;
        if value.is_undefined() {
            return Ok(None);
        }
        parse(&value).map(Some)
    }

    /// Writes one value under `key`, in a transaction of its own.
    async fn put_one(&self, store: &str, key: &str, value: JsValue) -> Result<(), StoreError> {
        let transaction = self.transaction(&[store], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(
                &object_store(&transaction, store)?,
                &JsValue::from_str(key),
                &value,
            )
        })
        .await
    }

    async fn read_keys(&self, store: &str) -> Result<HashSet<String>, StoreError> {
        let transaction = self.transaction(&[store], IdbTransactionMode::Readonly)?;
        let request = object_store(&transaction, store)?
            .get_all_keys()
            .map_err(|error| dom_error(&error))?;
        finish(&transaction).await?;
        let keys: Array = request
            .result()
            .map_err(|error| dom_error(&error))?
            .unchecked_into();
        Ok(keys.iter().filter_map(|key| key.as_string()).collect())
    }
}

/// Creates what each schema version adds, from the version the browser had.
fn upgrade(database: &IdbDatabase, old_version: u32) {
    if old_version < 1 {
        for store in [RUNS, EPOCHS, EVALUATIONS, DATASET_ENTRIES, DATASETS] {
            // Creating a store only fails for a name that exists, which version 0 has none of.
            let _ = database.create_object_store(store);
        }
    }
    if old_version < 2 {
        for store in [RUN_MODELS, MODELS, VERSIONS, PACKAGES] {
            let _ = database.create_object_store(store);
        }
    }
    if old_version < 3 {
        for store in [PIPELINES, PIPELINE_RUNS] {
            let _ = database.create_object_store(store);
        }
    }
    if old_version < 4 {
        let _ = database.create_object_store(DEPLOYMENTS);
    }
    if old_version < 5 {
        for store in [SETTINGS, MLFLOW_LEDGERS] {
            let _ = database.create_object_store(store);
        }
    }
}
