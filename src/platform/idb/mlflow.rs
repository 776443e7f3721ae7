//! Settings → MLflow and the sync's ledgers on IndexedDB (schema version 5): the settings as
//! one record, each tracking server's ledger keyed by its URL. The service worker reads the
//! settings record too, to admit the tracking server's origin in the page's policy (`sw.js`).

use kindling_core::mlflow::{MlflowSettings, MlflowStore, SyncLedger};
use kindling_core::storage::StoreFuture;
use wasm_bindgen::JsValue;

use super::requests::json;
use super::{IdbStore, MLFLOW_LEDGERS, SETTINGS};

/// The settings record's key; `sw.js` reads the same one.
const MLFLOW_SETTINGS_KEY: &str = "mlflow";

impl MlflowStore for IdbStore {
    fn mlflow_settings(&self) -> StoreFuture<'_, MlflowSettings> {
        Box::pin(async {
            let settings = self
                .read_one(SETTINGS, &JsValue::from_str(MLFLOW_SETTINGS_KEY))
                .await?;
            Ok(settings.unwrap_or_default())
        })
    }

    fn save_mlflow_settings<'a>(&'a self, settings: &'a MlflowSettings) -> StoreFuture<'a, ()> {
        Box::pin(self.put_one(SETTINGS, MLFLOW_SETTINGS_KEY, json(settings)))
    }

    fn mlflow_ledger<'a>(&'a self, tracking_url: &'a str) -> StoreFuture<'a, SyncLedger> {
        Box::pin(async move {
            let ledger = self
                .read_one(MLFLOW_LEDGERS, &JsValue::from_str(tracking_url))
                .await?;
            Ok(ledger.unwrap_or_default())
        })
    }

    fn save_mlflow_ledger<'a>(&'a self, ledger: &'a SyncLedger) -> StoreFuture<'a, ()> {
        Box::pin(self.put_one(MLFLOW_LEDGERS, &ledger.tracking_url, json(ledger)))
    }
}
