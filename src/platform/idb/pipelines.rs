//! The pipeline store on IndexedDB: pipelines by name, their runs keyed `[pipeline, run id]`
//! so one key range reads or deletes a pipeline's runs.

use std::collections::HashSet;

use js_sys::Array;
use kindling_core::pipeline::record::{PipelineRun, StoredPipeline};
use kindling_core::pipeline::store::PipelineStore;
use kindling_core::storage::StoreError;
use wasm_bindgen::JsValue;
use web_sys::{IdbKeyRange, IdbTransactionMode};

use super::requests::{commit, dom_error, json, object_store, put};
use super::{IdbStore, PIPELINE_RUNS, PIPELINES};

fn run_key(run: &PipelineRun) -> JsValue {
    Array::of2(
        &JsValue::from_str(&run.pipeline),
        &JsValue::from_str(&run.id),
    )
    .into()
}

/// Every run key of one pipeline: run ids are strings, and IndexedDB orders every string
/// before any array, so `[name, ""]` to `[name, []]` spans them all.
fn runs_range(name: &str) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound(
        &Array::of2(&JsValue::from_str(name), &JsValue::from_str("")),
        &Array::of2(&JsValue::from_str(name), &Array::new()),
    )
    .map_err(|error| dom_error(&error))
}

impl PipelineStore for IdbStore {
    async fn pipelines(&self) -> Result<Vec<StoredPipeline>, StoreError> {
        self.read_all_readable(PIPELINES).await
    }

    async fn save_pipeline(&self, pipeline: &StoredPipeline) -> Result<(), StoreError> {
        let value = json(pipeline);
        let transaction = self.transaction(&[PIPELINES], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(
                &object_store(&transaction, PIPELINES)?,
                &JsValue::from_str(&pipeline.name),
                &value,
            )
        })
        .await
    }

    async fn delete_pipeline(&self, name: &str) -> Result<(), StoreError> {
        let transaction =
            self.transaction(&[PIPELINES, PIPELINE_RUNS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            object_store(&transaction, PIPELINES)?
                .delete(&JsValue::from_str(name))
                .map_err(|error| dom_error(&error))?;
            object_store(&transaction, PIPELINE_RUNS)?
                .delete(&runs_range(name)?.into())
                .map_err(|error| dom_error(&error))?;
            Ok(())
        })
        .await
    }

    async fn pipeline_runs(&self, name: &str) -> Result<Vec<PipelineRun>, StoreError> {
        let mut runs = Vec::new();
        for run in self
            .read_all::<PipelineRun>(PIPELINE_RUNS, Some(&runs_range(name)?))
            .await?
        {
            match run {
                Ok(run) => runs.push(run),
                Err(error) => web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "Kindling left an unreadable pipeline run as it is: {error}"
                ))),
            }
        }
        runs.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
        Ok(runs)
    }

    async fn save_pipeline_run(&self, run: &PipelineRun) -> Result<(), StoreError> {
        self.keep_live(live_pipeline_lock(run), run.outcome.is_none());
        let value = json(run);
        let transaction = self.transaction(&[PIPELINE_RUNS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(
                &object_store(&transaction, PIPELINE_RUNS)?,
                &run_key(run),
                &value,
            )
        })
        .await
    }

    async fn running_elsewhere(&self) -> Result<HashSet<(String, String)>, StoreError> {
        let prefix = format!("{LIVE_PIPELINE_LOCK}/");
        Ok(self
            .held_elsewhere()
            .await
            .iter()
            .filter_map(|name| name.strip_prefix(&prefix)?.split_once('/'))
            .map(|(pipeline, id)| (pipeline.to_owned(), id.to_owned()))
            .collect())
    }
}

/// The Web Lock a tab holds while it runs (and stores) the pipeline run.
fn live_pipeline_lock(run: &PipelineRun) -> String {
    format!("{LIVE_PIPELINE_LOCK}/{}/{}", run.pipeline, run.id)
}

const LIVE_PIPELINE_LOCK: &str = "kindling-pipeline-run";
