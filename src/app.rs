//! The app shell: header, navigation, footer, and the state every page shares.

use std::rc::Rc;

use kindling_core::APP_VERSION;
use kindling_core::registry::store::SharedRegistry;
use kindling_core::tracking::store::{SharedStore, StoreError};
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::pages::{
    about::AboutPage, compare::ComparePage, data::DataPage, models::ModelPage, models::ModelsPage,
    models::VersionPage, predict::PredictPage, run_detail::RunDetailPage, runs::RunsPage,
    train::TrainPage,
};
use crate::platform;
use crate::state::data::DataChoice;
use crate::state::models::Models;
use crate::state::registry::Registry;
use crate::state::training::{SpawnTrainer, TrainerLink, Training};
use crate::state::workbench::{StoreStatus, Workbench};

#[component]
pub fn App() -> impl IntoView {
    let spawn: SpawnTrainer = Rc::new(|on_event| {
        platform::worker::WorkerLink::spawn(on_event)
            .map(|link| Box::new(link) as Box<dyn TrainerLink>)
    });
    let workbench = Workbench::new(platform::clock::now_unix_ms);
    provide_context(workbench);
    let models = Models::new(Rc::clone(&spawn));
    provide_context(models);
    let registry = Registry::new(workbench, models, platform::clock::now_unix_ms);
    provide_context(registry);
    provide_context(DataChoice::default());
    crate::pages::train::provide_train_form();
    provide_context(Training::new(
        Rc::clone(&spawn),
        platform::clock::now_unix_ms,
        platform::clock::random_u32,
        workbench,
    ));
    leptos::task::spawn_local(async move {
        let on_blocked = move || workbench.error.set(Some(StoreError::Blocked.to_string()));
        let store = platform::idb::IdbStore::open(platform::idb::DATABASE_NAME, on_blocked)
            .await
            .map(Rc::new);
        let registry_store = store
            .as_ref()
            .ok()
            .map(|store| Rc::clone(store) as Rc<dyn SharedRegistry>);
        workbench
            .attach(store.map(|store| store as Rc<dyn SharedStore>))
            .await;
        registry.attach(registry_store).await;
    });

    view! {
        <Router>
            <header class="app-header">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"▲"</span>
                    "Kindling"
                </a>
                <nav aria-label="Main">
                    <A href="/data">"Data"</A>
                    <A href="/" exact=true>"Train"</A>
                    <A href="/runs">"Runs"</A>
                    <A href="/models">"Models"</A>
                    <A href="/predict">"Predict"</A>
                    <A href="/about">"About"</A>
                </nav>
            </header>
            <StorageBanner workbench />
            <main>
                <Routes fallback=|| view! { <p class="not-found">"There is no page at this address."</p> }>
                    <Route path=path!("/") view=TrainPage />
                    <Route path=path!("/data") view=DataPage />
                    <Route path=path!("/runs") view=RunsPage />
                    <Route path=path!("/runs/:id") view=RunDetailPage />
                    <Route path=path!("/compare") view=ComparePage />
                    <Route path=path!("/models") view=ModelsPage />
                    <Route path=path!("/models/:name") view=ModelPage />
                    <Route path=path!("/models/:name/:version") view=VersionPage />
                    <Route path=path!("/predict") view=PredictPage />
                    <Route path=path!("/about") view=AboutPage />
                </Routes>
            </main>
            <footer class="app-footer">
                <span class="version">{format!("Kindling v{APP_VERSION}")}</span>
                " · runs entirely in this tab; your data never leaves the device"
            </footer>
        </Router>
    }
}

/// Storage problems, said once for every page: runs still train when nothing can be kept.
#[component]
fn StorageBanner(workbench: Workbench) -> impl IntoView {
    let unavailable = move || match workbench.status.get() {
        StoreStatus::Unavailable(reason) => Some(view! {
            <p class="storage-banner" role="alert">
                "Runs cannot be saved in this browser, so they will be lost on reload: " {reason.to_string()}
            </p>
        }),
        _ => None,
    };
    let failure = move || {
        workbench.error.get().map(|error| view! {
            <p class="storage-banner" role="alert">
                {error} " "
                <button type="button" class="link" on:click=move |_| workbench.error.set(None)>"Dismiss"</button>
            </p>
        })
    };
    view! { {unavailable} {failure} }
}
