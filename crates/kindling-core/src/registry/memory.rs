//! The in-memory [`RegistryStore`], for native tests of everything built on the registry.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::model::{ModelVersion, RegisteredModel};
use super::store::RegistryStore;
use crate::storage::StoreError;

#[derive(Default)]
pub struct MemoryRegistry {
    inner: RefCell<Inner>,
}

#[derive(Default)]
struct Inner {
    models: BTreeMap<String, RegisteredModel>,
    versions: BTreeMap<(String, u32), ModelVersion>,
    packages: BTreeMap<(String, u32), Vec<u8>>,
}

impl RegistryStore for MemoryRegistry {
    async fn models(&self) -> Result<Vec<RegisteredModel>, StoreError> {
        Ok(self.inner.borrow().models.values().cloned().collect())
    }

    async fn versions(&self) -> Result<Vec<ModelVersion>, StoreError> {
        Ok(self.inner.borrow().versions.values().cloned().collect())
    }

    async fn save_model(&self, model: &RegisteredModel) -> Result<(), StoreError> {
        self.inner
            .borrow_mut()
            .models
            .insert(model.name.clone(), model.clone());
        Ok(())
    }

    async fn add_version(
        &self,
        model: &RegisteredModel,
        version: &ModelVersion,
        package: &[u8],
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        let key = (version.model.clone(), version.version);
        if inner.versions.contains_key(&key) {
            return Err(StoreError::DuplicateVersion {
                model: key.0,
                version: key.1,
            });
        }
        inner
            .models
            .entry(model.name.clone())
            .or_insert_with(|| model.clone());
        inner.versions.insert(key.clone(), version.clone());
        inner.packages.insert(key, package.to_vec());
        Ok(())
    }

    async fn update_version(
        &self,
        version: &ModelVersion,
        package: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        let key = (version.model.clone(), version.version);
        inner.versions.insert(key.clone(), version.clone());
        if let Some(package) = package {
            inner.packages.insert(key, package.to_vec());
        }
        Ok(())
    }

    async fn package(&self, model: &str, version: u32) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .inner
            .borrow()
            .packages
            .get(&(model.to_owned(), version))
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::contract::check_registry;
    use crate::tracking::contract::block_on;

    #[test]
    fn the_memory_registry_keeps_the_registry_contract() {
        block_on(check_registry(&MemoryRegistry::default()));
    }
}
