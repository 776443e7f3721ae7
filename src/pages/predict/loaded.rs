//! The picked version as the page's parts share it: its record and stored package, and the
//! tickets that let a stale answer be dropped.

use std::rc::Rc;

use kindling_core::protocol::ModelSource;
use kindling_core::registry::ModelVersion;
use leptos::prelude::*;

/// A version ready to answer: its record and its stored package, fetched once per choice.
pub struct Loaded {
    pub version: ModelVersion,
    pub package: Rc<Vec<u8>>,
}

impl Loaded {
    /// The worker keeps loaded models under this key.
    pub fn key(&self) -> String {
        if self.version.package_sha256.is_empty() {
            format!("{}:{}", self.version.model, self.version.version)
        } else {
            self.version.package_sha256.clone()
        }
    }

    /// The package to send when the worker does not hold the model yet.
    pub fn source(&self) -> impl FnOnce() -> ModelSource + 'static {
        let package = Rc::clone(&self.package);
        move || ModelSource::Package(package.as_ref().clone())
    }
}

/// The picked version's state: `None` while nothing is picked or its package is on its way.
pub type ModelState = Option<Result<Rc<Loaded>, String>>;

/// Bumps a request counter and returns the new ticket; an answer whose ticket is no longer
/// the latest is stale and dropped.
pub fn next_ticket(counter: StoredValue<u64>) -> u64 {
    counter.update_value(|n| *n += 1);
    counter.get_value()
}
