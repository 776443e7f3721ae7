//! The app as an offline, installable PWA: registers the service worker (`public/sw.js`, sealed
//! by `cargo xtask finish-dist`), says when a newer build is waiting, and lets it take over
//! when the person chooses to reload. The new build then serves every tab's files; the other
//! tabs are told so, since their next worker would come from it (and the worker's build id
//! would refuse it: `platform::worker`). Also the browser's storage estimate and the request to
//! keep the data.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use kindling_core::storage::StorageUse;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

const SERVICE_WORKER_URL: &str = "/sw.js";
const ACTIVATE_UPDATE: &str = "activate-update";

thread_local! {
    static REGISTRATION: RefCell<Option<ServiceWorkerRegistration>> = const { RefCell::new(None) };
    /// Set when the person asked to update, so the page reloads once the new build controls
    /// it (and not when the very first build takes control after the first visit).
    static RELOAD_ON_CONTROL: Cell<bool> = const { Cell::new(false) };
}

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Absent outside secure contexts (plain http to another host): the app then simply works
    // online only.
    js_sys::Reflect::has(&navigator, &"serviceWorker".into())
        .unwrap_or(false)
        .then(|| navigator.service_worker())
}

/// What the page learns about a newer build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// Installed beside the build running this page, waiting for the person to reload.
    Waiting,
    /// Another tab reloaded to update: the newer build now serves every file, and this page
    /// is the older one until it reloads.
    TookOverElsewhere,
}

/// Registers the service worker; `on_update` is told when a newer build is waiting and when
/// one took over from another tab.
pub fn register(on_update: Rc<dyn Fn(Update)>) {
    let Some(container) = container() else {
        return;
    };
    // A page loaded without a controller sees the first build take control (the first
    // visit); only a page that had one sees another build replace it.
    let had_controller = container.controller().is_some();
    let on_control = Closure::<dyn Fn()>::new({
        let on_update = Rc::clone(&on_update);
        move || {
            if RELOAD_ON_CONTROL.get() {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            } else if had_controller {
                on_update(Update::TookOverElsewhere);
            }
        }
    });
    container.set_oncontrollerchange(Some(on_control.as_ref().unchecked_ref()));
    on_control.forget();
    wasm_bindgen_futures::spawn_local(async move {
        // A browser that blocks service workers may answer with no registration at all.
        let Some(registration) = JsFuture::from(container.register(SERVICE_WORKER_URL))
            .await
            .ok()
            .and_then(|registered| registered.dyn_into::<ServiceWorkerRegistration>().ok())
        else {
            web_sys::console::warn_1(
                &"Kindling will not work offline: its service worker could not be registered"
                    .into(),
            );
            return;
        };
        // With no controller this is the first visit: the build being installed is this one.
        let is_update = {
            let container = container.clone();
            move || container.controller().is_some()
        };
        if registration.waiting().is_some() && is_update() {
            on_update(Update::Waiting);
        }
        let found = {
            let registration = registration.clone();
            Closure::<dyn Fn()>::new(move || {
                let Some(installing) = registration.installing() else {
                    return;
                };
                let watched = installing.clone();
                let on_update = Rc::clone(&on_update);
                let is_update = is_update.clone();
                let changed = Closure::<dyn Fn()>::new(move || {
                    if watched.state() == ServiceWorkerState::Installed && is_update() {
                        on_update(Update::Waiting);
                    }
                });
                installing.set_onstatechange(Some(changed.as_ref().unchecked_ref()));
                changed.forget();
            })
        };
        registration.set_onupdatefound(Some(found.as_ref().unchecked_ref()));
        found.forget();
        watch_for_updates(&registration);
        REGISTRATION.set(Some(registration));
    });
}

/// A tab left open for days still hears of new builds: the browser checks on navigation, and
/// this checks whenever the tab comes back into view.
fn watch_for_updates(registration: &ServiceWorkerRegistration) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let registration = registration.clone();
    let watched = document.clone();
    let visible = Closure::<dyn Fn()>::new(move || {
        if watched.visibility_state() == web_sys::VisibilityState::Visible {
            // A failed check (offline) just means no update is known yet.
            let _ = registration.update();
        }
    });
    let _ = document
        .add_event_listener_with_callback("visibilitychange", visible.as_ref().unchecked_ref());
    visible.forget();
}

/// Lets the waiting build take over; the page reloads once it has.
pub fn apply_update() {
    let waiting = REGISTRATION.with_borrow(|registration| {
        registration
            .as_ref()
            .and_then(ServiceWorkerRegistration::waiting)
    });
    match waiting {
        Some(waiting) => {
            RELOAD_ON_CONTROL.set(true);
            let _ = waiting.post_message(&ACTIVATE_UPDATE.into());
        }
        None => {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
    }
}

/// Asks the browser to keep the data even when space runs low, then reports what is used.
/// `None` where the browser has no storage manager.
pub async fn storage_use(ask_to_persist: bool) -> Option<StorageUse> {
    let navigator = web_sys::window()?.navigator();
    if !js_sys::Reflect::has(&navigator, &"storage".into()).unwrap_or(false) {
        return None;
    }
    let storage = navigator.storage();
    let persisted = if ask_to_persist {
        JsFuture::from(storage.persist().ok()?).await
    } else {
        JsFuture::from(storage.persisted().ok()?).await
    }
    .ok()
    .and_then(|granted| granted.as_bool())
    .unwrap_or(false);
    let estimate: web_sys::StorageEstimate = JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?
        .unchecked_into();
    Some(StorageUse {
        usage_bytes: estimate.get_usage().unwrap_or(0.0),
        quota_bytes: estimate.get_quota().unwrap_or(0.0),
        persisted,
    })
}

/// Loads the page again once a service worker is active, so the load is served by it (on a
/// first visit the worker may still be installing): it is what admits the MLflow tracking
/// server in the page's policy.
pub fn reload_when_served() {
    wasm_bindgen_futures::spawn_local(async {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(ready) = container().and_then(|container| container.ready().ok()) {
            let _ = wasm_bindgen_futures::JsFuture::from(ready).await;
        }
        let _ = window.location().reload();
    });
}
