//! The app shell: header, navigation, footer, and the state every page shares.

use std::rc::Rc;

use kindling_core::APP_VERSION;
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::pages::{about::AboutPage, train::TrainPage};
use crate::platform;
use crate::state::training::{SpawnTrainer, TrainerLink, Training};

#[component]
pub fn App() -> impl IntoView {
    let spawn: SpawnTrainer = Rc::new(|on_event| {
        platform::worker::WorkerLink::spawn(on_event)
            .map(|link| Box::new(link) as Box<dyn TrainerLink>)
    });
    provide_context(Training::new(spawn, platform::clock::now_unix_ms));

    view! {
        <Router>
            <header class="app-header">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"▲"</span>
                    "Kindling"
                </a>
                <nav aria-label="Main">
                    <A href="/">"Train"</A>
                    <A href="/about">"About"</A>
                </nav>
            </header>
            <main>
                <Routes fallback=|| view! { <p class="not-found">"There is no page at this address."</p> }>
                    <Route path=path!("/") view=TrainPage />
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
