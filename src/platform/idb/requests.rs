//! The plumbing under both stores: requests awaited as futures, DOM errors in words, values
//! to and from JSON, and transactions committed whole (and a slice of the main thread at a
//! time when large).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Promise;
use kindling_core::storage::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbObjectStore, IdbRequest, IdbTransaction};

use crate::platform::tasks::TimeSlice;

/// How long a read turns JSON into values, or a large write issues requests, before it gives
/// the main thread back: listing 10,000 runs took 130 ms of parsing in one task.
pub(super) const SLICE_MS: f64 = 8.0;

pub(super) fn object_store(
    transaction: &IdbTransaction,
    name: &str,
) -> Result<IdbObjectStore, StoreError> {
    transaction
        .object_store(name)
        .map_err(|error| dom_error(&error))
}

/// Resolves when the transaction commits; an abort (quota, a constraint) becomes its error.
pub(super) async fn finish(transaction: &IdbTransaction) -> Result<(), StoreError> {
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

pub(super) async fn wait_for_request(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    match JsFuture::from(done).await {
        Ok(_) => request.result().map_err(|error| dom_error(&error)),
        Err(_) => Err(request_error(request)),
    }
}

pub(super) fn request_error(request: &IdbRequest) -> StoreError {
    match request.error() {
        Ok(Some(error)) => exception_error(&error),
        _ => StoreError::Other("the browser refused the request".into()),
    }
}

pub(super) fn exception_error(error: &DomException) -> StoreError {
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

pub(super) fn dom_error(error: &JsValue) -> StoreError {
    match error.dyn_ref::<DomException>() {
        Some(exception) => exception_error(exception),
        None => StoreError::Other(describe(error)),
    }
}

pub(super) fn describe(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{error:?}"))
}

pub(super) fn parse<T: DeserializeOwned>(value: &JsValue) -> Result<T, StoreError> {
    let text = value
        .as_string()
        .ok_or_else(|| StoreError::Corrupt("a stored value is not text".into()))?;
    serde_json::from_str(&text).map_err(|error| StoreError::Corrupt(error.to_string()))
}

pub(super) fn json(value: &impl Serialize) -> JsValue {
    JsValue::from_str(&serde_json::to_string(value).expect("stored types always serialise"))
}

pub(super) fn put(
    store: &IdbObjectStore,
    key: &JsValue,
    value: &JsValue,
) -> Result<(), StoreError> {
    store
        .put_with_key(value, key)
        .map(|_| ())
        .map_err(|error| dom_error(&error))
}

/// One request of a transaction issued by [`commit_in_slices`].
pub(super) struct Write {
    store: &'static str,
    key: JsValue,
    value: JsValue,
    /// `add` refuses a key already stored, which aborts the transaction; `put` replaces.
    add: bool,
}

impl Write {
    pub(super) fn add(store: &'static str, key: JsValue, value: JsValue) -> Self {
        Write {
            store,
            key,
            value,
            add: true,
        }
    }

    pub(super) fn put(store: &'static str, key: JsValue, value: JsValue) -> Self {
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
pub(super) async fn commit_in_slices(
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
pub(super) async fn commit(
    transaction: &IdbTransaction,
    issue: impl FnOnce() -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if let Err(error) = issue() {
        let _ = transaction.abort();
        return Err(error);
    }
    finish(transaction).await
}
