//! The deployment store on IndexedDB: one record per deployment, keyed by its id, holding its
//! monitor window and history (a few hundred kilobytes at most: the window is capped).

use kindling_core::monitor::deployment::{Deployment, DeploymentStore};
use kindling_core::storage::StoreError;
use wasm_bindgen::JsValue;
use web_sys::IdbTransactionMode;

use super::requests::{commit, json, object_store, put};
use super::{DEPLOYMENTS, IdbStore};

impl DeploymentStore for IdbStore {
    async fn deployments(&self) -> Result<Vec<Deployment>, StoreError> {
        let mut deployments: Vec<Deployment> = self.read_all_readable(DEPLOYMENTS).await?;
        deployments.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        Ok(deployments)
    }

    async fn save_deployment(&self, deployment: &Deployment) -> Result<(), StoreError> {
        let value = json(deployment);
        let transaction = self.transaction(&[DEPLOYMENTS], IdbTransactionMode::Readwrite)?;
        commit(&transaction, || {
            put(
                &object_store(&transaction, DEPLOYMENTS)?,
                &JsValue::from_str(&deployment.id),
                &value,
            )
        })
        .await
    }
}
