//! The IndexedDB [`RunStore`] and [`RegistryStore`]: runs, their epochs, evaluations and
//! models, imported datasets, and the model registry with its packages, kept in this browser
//! profile.
//!
//! Values are stored as JSON strings of core's types, so the schema below is only the object
//! stores and keys; a field added to a type is read from old records through serde defaults,
//! and a change of stores is a new step in [`upgrade`]. Each method issues all its requests in
//! one transaction and awaits nothing else until that transaction ends, because IndexedDB
//! commits a transaction as soon as it has no pending request.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use js_sys::{Array, JsString, Promise};
use kindling_core::evaluation::Evaluation;
use kindling_core::metrics::EpochMetrics;
use kindling_core::registry::store::RegistryStore;
use kindling_core::registry::{ModelVersion, RegisteredModel};
use kindling_core::tracking::store::{RunStore, StoreError};
use kindling_core::tracking::{
    DatasetEntry, RunBundle, RunModel, RunRecord, RunState, StoredDataset,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest,
    IdbTransaction, IdbTransactionMode, IdbVersionChangeEvent,
};

use super::tasks::TimeSlice;

/// The workbench's database; tests open others by name.
pub const DATABASE_NAME: &str = "kindling";
/// Bump with a new step in [`upgrade`].
const SCHEMA_VERSION: u32 = 2;

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

/// How long a read turns JSON into values, or a large write issues requests, before it gives
/// the main thread back: listing 10,000 runs took 130 ms of parsing in one task.
const SLICE_MS: f64 = 8.0;

pub struct IdbStore {
    database: IdbDatabase,
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
        Ok(Self { database })
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
}

fn object_store(transaction: &IdbTransaction, name: &str) -> Result<IdbObjectStore, StoreError> {
    transaction
        .object_store(name)
        .map_err(|error| dom_error(&error))
}

/// Resolves when the transaction commits; an abort (quota, a constraint) becomes its error.
async fn finish(transaction: &IdbTransaction) -> Result<(), StoreError> {
    let done = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    transaction.set_oncomplete(None);
    transaction.set_onabort(None);
    match outcome {
        Ok(_) => Ok(()),
        Err(_) => Err(match transaction.error() {
            Some(error) => exception_error(&error),
            None => StoreError::Other("the browser cancelled the write".into()),
        }),
    }
}

async fn wait_for_request(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    match JsFuture::from(done).await {
        Ok(_) => request.result().map_err(|error| dom_error(&error)),
        Err(_) => Err(request_error(request)),
    }
}

fn request_error(request: &IdbRequest) -> StoreError {
    match request.error() {
        Ok(Some(error)) => exception_error(&error),
        _ => StoreError::Other("the browser refused the request".into()),
    }
}

fn exception_error(error: &DomException) -> StoreError {
    match error.name().as_str() {
        "QuotaExceededError" => StoreError::QuotaExceeded,
        "ConstraintError" => StoreError::KeyTaken,
        "VersionError" => StoreError::NewerVersion,
        // The connection was closed, which this tab does when another one upgrades the schema.
        "InvalidStateError" => StoreError::Closed,
        "SecurityError" | "UnknownError" => StoreError::Unavailable(error.message()),
        _ => StoreError::Other(error.message()),
    }
}

fn dom_error(error: &JsValue) -> StoreError {
    match error.dyn_ref::<DomException>() {
        Some(exception) => exception_error(exception),
        None => StoreError::Other(describe(error)),
    }
}

fn describe(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{error:?}"))
}

fn parse<T: DeserializeOwned>(value: &JsValue) -> Result<T, StoreError> {
    let text = value
        .as_string()
        .ok_or_else(|| StoreError::Corrupt("a stored value is not text".into()))?;
    serde_json::from_str(&text).map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// The text every stored running run contains, as [`json`] writes its state. A record with it
/// may still be another state (a name can contain anything), so a match is only worth parsing.
fn running_mark() -> String {
    let state = serde_json::to_string(&RunState::Running).expect("a state always serialises");
    format!("\"state\":{state}")
}

fn json(value: &impl Serialize) -> JsValue {
    JsValue::from_str(&serde_json::to_string(value).expect("stored types always serialise"))
}

fn epoch_key(run_id: &str, epoch: f64) -> JsValue {
    Array::of2(&JsValue::from_str(run_id), &JsValue::from_f64(epoch)).into()
}

/// Every epoch key of one run.
fn history_range(run_id: &str) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound(
        &epoch_key(run_id, f64::NEG_INFINITY),
        &epoch_key(run_id, f64::INFINITY),
    )
    .map_err(|error| dom_error(&error))
}

fn put(store: &IdbObjectStore, key: &JsValue, value: &JsValue) -> Result<(), StoreError> {
    store
        .put_with_key(value, key)
        .map(|_| ())
        .map_err(|error| dom_error(&error))
}

fn put_epochs(
    store: &IdbObjectStore,
    run_id: &str,
    epochs: &[EpochMetrics],
) -> Result<(), StoreError> {
    for epoch in epochs {
        put(store, &epoch_key(run_id, epoch.epoch as f64), &json(epoch))?;
    }
    Ok(())
}

impl RunStore for IdbStore {
    async fn save_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let value = json(run);
        let transaction = self.transaction(&[RUNS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(
                &object_store(&transaction, RUNS)?,
                &JsValue::from_str(&run.id),
                &value,
            )
        })
        .await
    }

    async fn append_epochs(
        &self,
        run: &RunRecord,
        epochs: &[EpochMetrics],
    ) -> Result<(), StoreError> {
        let value = json(run);
        let transaction = self.transaction(&[RUNS, EPOCHS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put_epochs(&object_store(&transaction, EPOCHS)?, &run.id, epochs)?;
            put(
                &object_store(&transaction, RUNS)?,
                &JsValue::from_str(&run.id),
                &value,
            )
        })
        .await
    }

    async fn finish_run(
        &self,
        run: &RunRecord,
        evaluation: Option<&Evaluation>,
        model: Option<&RunModel>,
    ) -> Result<(), StoreError> {
        let key = JsValue::from_str(&run.id);
        let (run, evaluation, model) = (json(run), evaluation.map(json), model.map(json));
        let transaction = self.transaction(
            &[RUNS, EVALUATIONS, RUN_MODELS],
            IdbTransactionMode::Readwrite,
        )?;
        commit(&transaction, || {
            put(&object_store(&transaction, RUNS)?, &key, &run)?;
            if let Some(evaluation) = &evaluation {
                put(&object_store(&transaction, EVALUATIONS)?, &key, evaluation)?;
            }
            if let Some(model) = &model {
                put(&object_store(&transaction, RUN_MODELS)?, &key, model)?;
            }
            Ok(())
        })
        .await
    }

    async fn run_model(&self, id: &str) -> Result<Option<RunModel>, StoreError> {
        self.read_one(RUN_MODELS, &JsValue::from_str(id)).await
    }

    async fn runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        let mut runs: Vec<RunRecord> = self.read_all_readable(RUNS).await?;
        runs.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
        Ok(runs)
    }

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.read_one(RUNS, &JsValue::from_str(id)).await
    }

    async fn history(&self, id: &str) -> Result<Vec<EpochMetrics>, StoreError> {
        self.read_all(EPOCHS, Some(&history_range(id)?))
            .await?
            .into_iter()
            .collect()
    }

    async fn evaluation(&self, id: &str) -> Result<Option<Evaluation>, StoreError> {
        self.read_one(EVALUATIONS, &JsValue::from_str(id)).await
    }

    async fn delete_runs(&self, ids: &[String]) -> Result<(), StoreError> {
        let transaction = self.transaction(
            &[RUNS, EPOCHS, EVALUATIONS, RUN_MODELS],
            IdbTransactionMode::Readwrite,
        )?;
        commit(&transaction, || {
            let (runs, epochs, evaluations, models) = (
                object_store(&transaction, RUNS)?,
                object_store(&transaction, EPOCHS)?,
                object_store(&transaction, EVALUATIONS)?,
                object_store(&transaction, RUN_MODELS)?,
            );
            for id in ids {
                let key = JsValue::from_str(id);
                runs.delete(&key).map_err(|error| dom_error(&error))?;
                models.delete(&key).map_err(|error| dom_error(&error))?;
                evaluations
                    .delete(&key)
                    .map_err(|error| dom_error(&error))?;
                epochs
                    .delete(&history_range(id)?.into())
                    .map_err(|error| dom_error(&error))?;
            }
            Ok(())
        })
        .await
    }

    async fn add_bundles(
        &self,
        bundles: &[RunBundle],
        datasets: &[StoredDataset],
    ) -> Result<(), StoreError> {
        let stored_runs = self.read_keys(RUNS).await?;
        if let Some(clash) = bundles.iter().find(|b| stored_runs.contains(&b.run.id)) {
            return Err(StoreError::DuplicateRun(clash.run.id.clone()));
        }
        let stored_datasets = if datasets.is_empty() {
            HashSet::new()
        } else {
            self.read_keys(DATASET_ENTRIES).await?
        };
        // Written as JSON before the transaction opens, a slice at a time: a 10,000-run
        // workspace took 2 s of the main thread in one task, serialising and writing.
        let mut writes = Vec::new();
        let mut slice = TimeSlice::start(SLICE_MS);
        for bundle in bundles {
            let key = JsValue::from_str(&bundle.run.id);
            // `add`, not `put`: a run stored meanwhile aborts the whole transaction.
            writes.push(Write::add(RUNS, key.clone(), json(&bundle.run)));
            for epoch in &bundle.history {
                let epoch_key = epoch_key(&bundle.run.id, epoch.epoch as f64);
                writes.push(Write::put(EPOCHS, epoch_key, json(epoch)));
            }
            if let Some(evaluation) = &bundle.evaluation {
                writes.push(Write::put(EVALUATIONS, key, json(evaluation)));
            }
            slice.yield_when_over().await;
        }
        for dataset in datasets
            .iter()
            .filter(|dataset| !stored_datasets.contains(&dataset.entry.id))
        {
            let key = JsValue::from_str(&dataset.entry.id);
            writes.push(Write::put(
                DATASET_ENTRIES,
                key.clone(),
                json(&dataset.entry),
            ));
            writes.push(Write::put(DATASETS, key, json(dataset)));
        }
        let transaction = self.transaction(
            &[RUNS, EPOCHS, EVALUATIONS, DATASET_ENTRIES, DATASETS],
            IdbTransactionMode::Readwrite,
        )?;
        commit_in_slices(&transaction, writes)
            .await
            .map_err(|error| match error {
                // Only `add` can break a constraint here: a clashing run written meanwhile.
                StoreError::KeyTaken => {
                    StoreError::DuplicateRun("(written by another tab meanwhile)".into())
                }
                other => other,
            })
    }

    async fn save_dataset(&self, dataset: &StoredDataset) -> Result<(), StoreError> {
        if self
            .read_keys(DATASET_ENTRIES)
            .await?
            .contains(&dataset.entry.id)
        {
            return Ok(());
        }
        let key = JsValue::from_str(&dataset.entry.id);
        let (entry, rows) = (json(&dataset.entry), json(dataset));
        let transaction =
            self.transaction(&[DATASET_ENTRIES, DATASETS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(&object_store(&transaction, DATASET_ENTRIES)?, &key, &entry)?;
            put(&object_store(&transaction, DATASETS)?, &key, &rows)
        })
        .await
    }

    async fn dataset(&self, id: &str) -> Result<Option<StoredDataset>, StoreError> {
        self.read_one(DATASETS, &JsValue::from_str(id)).await
    }

    async fn dataset_entries(&self) -> Result<Vec<DatasetEntry>, StoreError> {
        let mut entries: Vec<DatasetEntry> = self.read_all_readable(DATASET_ENTRIES).await?;
        entries.sort_by(|a, b| a.added_ms.total_cmp(&b.added_ms));
        Ok(entries)
    }

    async fn interrupt_running(&self, live_run_id: Option<&str>) -> Result<usize, StoreError> {
        let transaction = self.transaction(&[RUNS], IdbTransactionMode::Readwrite)?;
        let runs = object_store(&transaction, RUNS)?;
        let request = runs.get_all().map_err(|error| dom_error(&error))?;
        let count = Rc::new(Cell::new(0));
        let live_run_id = live_run_id.map(str::to_owned);
        // The rewrites are issued from the read's success callback, while the transaction is
        // still active: nothing another tab writes can slip in between.
        let on_read = Closure::once({
            let (request, count, transaction) =
                (request.clone(), count.clone(), transaction.clone());
            move || {
                let Ok(values) = request.result() else { return };
                let running = running_mark();
                for value in values.unchecked_into::<Array>().iter() {
                    // Parsing every run to find the few running took 130 ms for 10,000 runs.
                    let may_be_running = value
                        .dyn_ref::<JsString>()
                        .is_some_and(|text| text.includes(&running, 0));
                    if !may_be_running {
                        continue;
                    }
                    let Ok(mut run) = parse::<RunRecord>(&value) else {
                        continue;
                    };
                    if run.state != RunState::Running || Some(&run.id) == live_run_id.as_ref() {
                        continue;
                    }
                    run.state = RunState::Interrupted;
                    if put(&runs, &JsValue::from_str(&run.id), &json(&run)).is_err() {
                        let _ = transaction.abort();
                        return;
                    }
                    count.set(count.get() + 1);
                }
            }
        });
        request.set_onsuccess(Some(on_read.as_ref().unchecked_ref()));
        let outcome = finish(&transaction).await;
        request.set_onsuccess(None);
        drop(on_read);
        outcome.map(|()| count.get())
    }
}

fn version_key(model: &str, version: u32) -> JsValue {
    Array::of2(
        &JsValue::from_str(model),
        &JsValue::from_f64(f64::from(version)),
    )
    .into()
}

impl RegistryStore for IdbStore {
    async fn models(&self) -> Result<Vec<RegisteredModel>, StoreError> {
        self.read_all_readable(MODELS).await
    }

    async fn versions(&self) -> Result<Vec<ModelVersion>, StoreError> {
        self.read_all_readable(VERSIONS).await
    }

    async fn save_model(&self, model: &RegisteredModel) -> Result<(), StoreError> {
        let value = json(model);
        let transaction = self.transaction(&[MODELS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(
                &object_store(&transaction, MODELS)?,
                &JsValue::from_str(&model.name),
                &value,
            )
        })
        .await
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

    async fn update_version(
        &self,
        version: &ModelVersion,
        package: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let key = version_key(&version.model, version.version);
        let value = json(version);
        let package = package.map(js_sys::Uint8Array::from);
        let transaction = self.transaction(&[VERSIONS, PACKAGES], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(&object_store(&transaction, VERSIONS)?, &key, &value)?;
            match &package {
                Some(package) => put(&object_store(&transaction, PACKAGES)?, &key, package),
                None => Ok(()),
            }
        })
        .await
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
}

/// One request of a transaction issued by [`commit_in_slices`].
struct Write {
    store: &'static str,
    key: JsValue,
    value: JsValue,
    /// `add` refuses a key already stored, which aborts the transaction; `put` replaces.
    add: bool,
}

impl Write {
    fn add(store: &'static str, key: JsValue, value: JsValue) -> Self {
        Write {
            store,
            key,
            value,
            add: true,
        }
    }

    fn put(store: &'static str, key: JsValue, value: JsValue) -> Self {
        Write {
            store,
            key,
            value,
            add: false,
        }
    }
}

/// Issues `writes` in `transaction` a slice of the main thread at a time and waits for it to
/// commit. Each slice after the first is issued from the success callback of the slice before's
/// last request, while the transaction is still active, so they all land or none do.
async fn commit_in_slices(
    transaction: &IdbTransaction,
    writes: Vec<Write>,
) -> Result<(), StoreError> {
    let mut stores = HashMap::new();
    for write in &writes {
        if !stores.contains_key(write.store) {
            match object_store(transaction, write.store) {
                Ok(store) => stores.insert(write.store, store),
                Err(error) => {
                    let _ = transaction.abort();
                    return Err(error);
                }
            };
        }
    }
    let pending = RefCell::new(writes.into_iter().peekable());
    let failure = Rc::new(RefCell::new(None));
    let next_slice = Rc::new(RefCell::new(None::<Closure<dyn FnMut()>>));
    let issue_slice: Rc<dyn Fn()> = Rc::new({
        let (failure, next_slice, transaction) =
            (failure.clone(), next_slice.clone(), transaction.clone());
        move || {
            let slice = TimeSlice::start(SLICE_MS);
            let mut pending = pending.borrow_mut();
            let mut last_request = None;
            for write in pending.by_ref() {
                let store = &stores[write.store];
                let issued = if write.add {
                    store.add_with_key(&write.value, &write.key)
                } else {
                    store.put_with_key(&write.value, &write.key)
                };
                match issued {
                    Ok(request) => last_request = Some(request),
                    Err(error) => {
                        *failure.borrow_mut() = Some(dom_error(&error));
                        let _ = transaction.abort();
                        return;
                    }
                }
                if slice.is_over() {
                    break;
                }
            }
            if let (Some(request), Some(_)) = (last_request, pending.peek())
                && let Some(next) = next_slice.borrow().as_ref()
            {
                request.set_onsuccess(Some(next.as_ref().unchecked_ref()));
            }
        }
    });
    *next_slice.borrow_mut() = Some(Closure::new({
        let issue_slice = issue_slice.clone();
        move || issue_slice()
    }));
    issue_slice();
    let outcome = finish(transaction).await;
    // The callback holds `issue_slice`, which holds the callback: let both go.
    next_slice.borrow_mut().take();
    match failure.borrow_mut().take() {
        Some(error) => Err(error),
        None => outcome,
    }
}

/// Issues a transaction's requests and waits for it to commit. If issuing one fails, the
/// transaction is aborted, so the requests already issued do not land on their own.
async fn commit(
    transaction: &IdbTransaction,
    issue: impl FnOnce() -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if let Err(error) = issue() {
        let _ = transaction.abort();
        return Err(error);
    }
    finish(transaction).await
}
