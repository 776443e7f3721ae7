//! The deployment store on IndexedDB: one record per deployment, keyed by its id, holding its
//! monitor window and history (a few hundred kilobytes at most: the window is capped).

use kindling_core::monitor::deployment::{Deployment, DeploymentStore};
use kindling_core::storage::StoreError;

use super::requests::json;
use super::{DEPLOYMENTS, IdbStore};

impl DeploymentStore for IdbStore {
    async fn deployments(&self) -> Result<Vec<Deployment>, StoreError> {
        let mut deployments: Vec<Deployment> = self.read_all_readable(DEPLOYMENTS).await?;
        deployments.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        Ok(deployments)
    }

    async fn save_deployment(&self, deployment: &Deployment) -> Result<(), StoreError> {
        self.put_one(DEPLOYMENTS, &deployment.id, json(deployment))
            .await
    }
}
