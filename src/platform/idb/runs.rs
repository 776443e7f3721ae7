//! The run store on IndexedDB: runs, their epochs, evaluations and models, and imported
//! datasets.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use js_sys::{Array, JsString};
use kindling_core::evaluation::Evaluation;
use kindling_core::metrics::EpochMetrics;
use kindling_core::storage::StoreError;
use kindling_core::tracking::store::RunStore;
use kindling_core::tracking::{
    DatasetEntry, RunBundle, RunModel, RunRecord, RunState, StoredDataset,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbKeyRange, IdbObjectStore, IdbTransactionMode};

use crate::platform::tasks::TimeSlice;

use super::requests::{
    SLICE_MS, Write, commit, commit_in_slices, dom_error, finish, json, object_store, parse, put,
};
use super::{DATASET_ENTRIES, DATASETS, EPOCHS, EVALUATIONS, IdbStore, RUN_MODELS, RUNS};

/// The text every stored running run contains, as [`json`] writes its state. A record with it
/// may still be another state (a name can contain anything), so a match is only worth parsing.
fn running_mark() -> String {
    let state = serde_json::to_string(&RunState::Running).expect("a state always serialises");
    format!("\"state\":{state}")
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

/// Every object store a run's bundle and a dataset touch.
pub(super) const RUN_STORES: &[&str] = &[
    RUNS,
    EPOCHS,
    EVALUATIONS,
    RUN_MODELS,
    DATASET_ENTRIES,
    DATASETS,
];

impl IdbStore {
    /// The writes that add `bundles` (with their models) and the `datasets` not stored yet,
    /// serialised before any transaction opens, a slice at a time: a 10,000-run workspace took
    /// 2 s of the main thread in one task, serialising and writing.
    pub(super) async fn run_writes(
        &self,
        bundles: &[RunBundle],
        datasets: &[StoredDataset],
    ) -> Result<Vec<Write>, StoreError> {
        let stored_datasets = if datasets.is_empty() {
            HashSet::new()
        } else {
            self.read_keys(DATASET_ENTRIES).await?
        };
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
                writes.push(Write::put(EVALUATIONS, key.clone(), json(evaluation)));
            }
            if let Some(model) = &bundle.model {
                writes.push(Write::put(RUN_MODELS, key, json(model)));
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
            slice.yield_when_over().await;
        }
        Ok(writes)
    }
}

/// The Web Lock a tab holds while it trains (and stores) the run.
fn live_run_lock(run_id: &str) -> String {
    format!("kindling-run/{run_id}")
}

impl RunStore for IdbStore {
    async fn save_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.keep_live(live_run_lock(&run.id), run.state == RunState::Running);
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
        self.keep_live(live_run_lock(&run.id), run.state == RunState::Running);
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
        self.keep_live(live_run_lock(&run.id), false);
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
        for id in ids {
            self.keep_live(live_run_lock(id), false);
        }
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
        let writes = self.run_writes(bundles, datasets).await?;
        let transaction = self.transaction(RUN_STORES, IdbTransactionMode::Readwrite)?;
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

    async fn delete_dataset(&self, id: &str) -> Result<(), StoreError> {
        let transaction =
            self.transaction(&[DATASET_ENTRIES, DATASETS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            let key = JsValue::from_str(id);
            for store in [DATASET_ENTRIES, DATASETS] {
                object_store(&transaction, store)?
                    .delete(&key)
                    .map_err(|error| dom_error(&error))?;
            }
            Ok(())
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
        // Runs another tab is training hold their lock; only the others were left by a page
        // that is gone.
        let held = self.held_elsewhere().await;
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
                    if run.state != RunState::Running
                        || Some(&run.id) == live_run_id.as_ref()
                        || held.contains(&live_run_lock(&run.id))
                    {
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
