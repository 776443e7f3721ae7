//! Web Locks: how one tab tells every other tab of this site that a record it keeps live (a
//! run training, a pipeline running) is still being looked after. A tab holds a lock named for
//! the record while it does; the browser lets go of every lock a tab holds when the tab closes
//! or crashes. A tab that opens the store marks interrupted only what no tab holds.
//!
//! `navigator.locks` is reached through `js_sys::Reflect` because web-sys ships the Web Locks
//! bindings only behind its unstable-API flag. A browser without the API holds nothing and
//! sees nothing held, which is how Kindling behaved before: a live run in another tab is then
//! marked interrupted until its next write puts it back.

use std::collections::HashSet;

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

fn lock_manager() -> Option<JsValue> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|locks| !locks.is_undefined() && !locks.is_null())
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &name.into()).ok()?.dyn_into().ok()
}

/// A lock this tab holds until the value is dropped.
pub struct HeldLock {
    release: Option<Function>,
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// Asks for the lock `name` and keeps it until the returned value is dropped. Granting is
/// asynchronous but immediate for a name nobody holds, and a request waiting to be granted
/// already shows in [`held_names`].
pub fn hold(name: &str) -> HeldLock {
    let mut release = None;
    let until_released = Promise::new(&mut |resolve, _reject| release = Some(resolve));
    if let Some(locks) = lock_manager()
        && let Some(request) = method(&locks, "request")
    {
        // The lock is held for as long as the promise the callback returns is pending.
        let callback = Closure::once_into_js(move |_lock: JsValue| until_released);
        let _ = request.call2(&locks, &JsValue::from_str(name), &callback);
    }
    HeldLock { release }
}

/// The names of every lock any tab of this site holds or waits for.
pub async fn held_names() -> HashSet<String> {
    let Some(locks) = lock_manager() else {
        return HashSet::new();
    };
    let Some(query) = method(&locks, "query") else {
        return HashSet::new();
    };
    let Ok(snapshot) = query.call0(&locks) else {
        return HashSet::new();
    };
    let Ok(snapshot) = JsFuture::from(Promise::from(snapshot)).await else {
        return HashSet::new();
    };
    let mut names = HashSet::new();
    for list in ["held", "pending"] {
        let Ok(entries) = Reflect::get(&snapshot, &list.into()) else {
            continue;
        };
        for entry in Array::from(&entries).iter() {
            if let Some(name) = Reflect::get(&entry, &"name".into())
                .ok()
                .and_then(|name| name.as_string())
            {
                names.insert(name);
            }
        }
    }
    names
}
