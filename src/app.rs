//! The app shell: header, navigation, footer, and the state every page shares.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use kindling_core::APP_VERSION;
use kindling_core::storage::StorageUse;
use kindling_core::storage::StoreError;
use kindling_core::tracking::shared::SharedStore;
use kindling_core::workspace::SharedWorkspace;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{Lazy, path};

use crate::components::lesson_guide::LessonGuide;
use crate::components::theme_switch::{PresentSwitch, ThemeSwitch};
use crate::lazy::not_loaded;
use crate::pages::train::TrainPage;
use crate::platform;
use crate::platform::idb::{DATABASE_NAME, IdbStore};
use crate::platform::pwa::Update;
use crate::platform::worker::{Codec, WorkerLink};
use crate::routes::{
    AboutRoute, CompareRoute, DataRoute, DeploymentsRoute, GlossaryRoute, HandInsRoute,
    LessonsRoute, ModelRoute, ModelsRoute, PipelinesRoute, PredictRoute, RunDetailRoute, RunsRoute,
    SettingsRoute, VersionRoute,
};
use crate::state::data::{DataChoice, ServedFiles};
use crate::state::deployments::{DeploymentDeps, Deployments};
use crate::state::lessons::Lessons;
use crate::state::mlflow::Mlflow;
use crate::state::models::Models;
use crate::state::pipelines::{PipelineDeps, Pipelines};
use crate::state::recipe_link::RecipeLinks;
use crate::state::registry::Registry;
use crate::state::train_form::TrainForm;
use crate::state::training::{SpawnTrainer, TrainerLink, Training};
use crate::state::workbench::{StoreStatus, Workbench};
use crate::titles::page_title;

#[component]
pub fn App() -> impl IntoView {
    let spawn: SpawnTrainer = Rc::new(|on_event| {
        let codec = Box::pin(async {
            protocol_codec()
                .await
                .map_err(|_| not_loaded("the code that talks to the trainer"))
        });
        WorkerLink::spawn_trainer(codec, on_event)
            .map(|link| Box::new(link) as Box<dyn TrainerLink>)
    });
    let workbench = Workbench::new(platform::clock::now_unix_ms);
    provide_context(workbench);
    let models = Models::new(Rc::clone(&spawn));
    provide_context(models);
    let served: Rc<dyn ServedFiles> = Rc::new(platform::fetch::Served);
    let registry = Registry::new(
        workbench,
        models,
        Rc::clone(&served),
        platform::clock::now_unix_ms,
    );
    provide_context(registry);
    let pipelines = Pipelines::new(PipelineDeps {
        workbench,
        registry,
        files: Rc::clone(&served),
        spawn: Rc::clone(&spawn),
        now_ms: platform::clock::now_unix_ms,
        random_u32: platform::clock::random_u32,
        cores: platform::clock::cores(),
    });
    provide_context(pipelines);
    let deployments = Deployments::new(DeploymentDeps {
        workbench,
        registry,
        pipelines,
        files: Rc::clone(&served),
        spawn: Rc::clone(&spawn),
        now_ms: platform::clock::now_unix_ms,
        random_u32: platform::clock::random_u32,
    });
    provide_context(deployments);
    let mlflow = Mlflow::new(
        Rc::new(platform::mlflow::FetchLink),
        platform::clock::now_unix_ms,
    );
    mlflow.sync_when_changed(workbench, registry);
    provide_context(mlflow);
    let lessons = Lessons::new(platform::clock::now_unix_ms);
    provide_context(lessons);
    provide_context(DataChoice::new(served));
    provide_context(TrainForm::default());
    provide_context(RecipeLinks::default());
    provide_context(Training::new(
        Rc::clone(&spawn),
        platform::clock::now_unix_ms,
        platform::clock::random_u32,
        workbench,
    ));
    leptos::task::spawn_local(async move {
        let on_blocked =
            Box::new(move || workbench.error.set(Some(StoreError::Blocked.to_string())));
        let opened = open_stores(
            OpenedBy {
                workbench,
                registry,
                pipelines,
                deployments,
                mlflow,
                lessons,
            },
            on_blocked,
        );
        match opened.await {
            Ok(opening) => opening.await,
            Err(_) => {
                workbench.unavailable(StoreError::CodeNotLoaded(not_loaded(
                    "the code that stores them",
                )));
                registry.without_store();
                pipelines.without_store();
                deployments.without_store();
                mlflow.without_store();
                lessons.without_store();
            }
        }
    });
    let update = RwSignal::new(None);
    platform::pwa::register(Rc::new(move |news| update.set(Some(news))));
    let storage_use = storage_use(workbench, registry);

    view! {
        <Router>
            <DocumentTitle />
            <a
                class="skip-link"
                href="#content"
                on:click=|event| {
                    event.prevent_default();
                    platform::document::focus("content");
                }
            >
                "Skip to content"
            </a>
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
                    <A href="/pipelines">"Pipelines"</A>
                    <A href="/deployments">"Deploy"<DeploymentAlertMark deployments /></A>
                    <A href="/predict">"Predict"</A>
                    <A href="/lessons">"Lessons"</A>
                    <A href="/settings">"Settings"</A>
                    <A href="/about">"About"</A>
                </nav>
                <ThemeSwitch />
                <PresentSwitch />
            </header>
            <UpdateBanner update />
            <StorageBanner workbench storage_use />
            <main id="content" tabindex="-1">
                <Routes fallback=|| view! {
                    <h1>"No such page"</h1>
                    <p class="not-found">"There is no page at this address."</p>
                }>
                    <Route path=path!("/") view=TrainPage />
                    <Route path=path!("/data") view={Lazy::<DataRoute>::new()} />
                    <Route path=path!("/runs") view={Lazy::<RunsRoute>::new()} />
                    <Route path=path!("/runs/:id") view={Lazy::<RunDetailRoute>::new()} />
                    <Route path=path!("/compare") view={Lazy::<CompareRoute>::new()} />
                    <Route path=path!("/models") view={Lazy::<ModelsRoute>::new()} />
                    <Route path=path!("/models/:name") view={Lazy::<ModelRoute>::new()} />
                    <Route path=path!("/models/:name/:version") view={Lazy::<VersionRoute>::new()} />
                    <Route path=path!("/predict") view={Lazy::<PredictRoute>::new()} />
                    <Route path=path!("/pipelines") view={Lazy::<PipelinesRoute>::new()} />
                    <Route path=path!("/deployments") view={Lazy::<DeploymentsRoute>::new()} />
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} />
                    <Route path=path!("/about") view={Lazy::<AboutRoute>::new()} />
                    <Route path=path!("/lessons") view={Lazy::<LessonsRoute>::new()} />
                    <Route path=path!("/glossary") view={Lazy::<GlossaryRoute>::new()} />
                    <Route path=path!("/hand-ins") view={Lazy::<HandInsRoute>::new()} />
                </Routes>
            </main>
            <LessonGuide />
            <footer class="app-footer">
                <span class="version">{format!("Kindling v{APP_VERSION}")}</span>
                <PrivacyNote mlflow />
                <StorageMeter storage_use />
            </footer>
        </Router>
    }
}

/// Names the tab after the page at the address (`titles::page_title`), on every change of it.
#[component]
fn DocumentTitle() -> impl IntoView {
    let location = use_location();
    Effect::new(move |_| {
        location
            .pathname
            .with(|path| platform::document::set_title(&page_title(path)));
    });
}

/// The worker protocol's serde code, which the lazily loaded chunk carries ([`crate::lazy`]): no
/// message crosses before the trainer, a far larger download, has loaded.
#[wasm_split(kindling_pages, wasm_split_path = ::leptos::wasm_split, fallible)]
fn protocol_codec() -> Result<Codec, SplitLoaderError> {
    Ok(Codec::WIRE)
}

/// Opens IndexedDB and hands it to the workbench and the registry, with the code the chunk
/// carries: the stores' queries, the JSON of every stored type, and the listing of runs and
/// models are reached only from here, so none of it is in the first load. Runs started before
/// the chunk arrives are queued by the workbench.
#[wasm_split(kindling_pages, wasm_split_path = ::leptos::wasm_split, fallible)]
fn open_stores(
    states: OpenedBy,
    on_blocked: Box<dyn FnOnce()>,
) -> Result<Pin<Box<dyn Future<Output = ()>>>, SplitLoaderError> {
    let OpenedBy {
        workbench,
        registry,
        pipelines,
        deployments,
        mlflow,
        lessons,
    } = states;
    Ok(Box::pin(async move {
        match IdbStore::open(DATABASE_NAME, on_blocked).await {
            Ok(store) => {
                let store = Rc::new(store);
                workbench
                    .attach(
                        Rc::clone(&store) as Rc<dyn SharedStore>,
                        Rc::clone(&store) as Rc<dyn SharedWorkspace>,
                    )
                    .await;
                registry.attach(Rc::clone(&store) as _).await;
                pipelines.attach(Rc::clone(&store) as _).await;
                mlflow
                    .attach(
                        Rc::clone(&store) as _,
                        Rc::clone(&store) as _,
                        Rc::clone(&store) as _,
                    )
                    .await;
                lessons.attach(Rc::clone(&store) as _).await;
                deployments.attach(store).await;
            }
            Err(error) => {
                workbench.unavailable(error);
                registry.without_store();
                pipelines.without_store();
                deployments.without_store();
                mlflow.without_store();
                lessons.without_store();
            }
        }
    }))
}

/// The app states the opened store is handed to.
struct OpenedBy {
    workbench: Workbench,
    registry: Registry,
    pipelines: Pipelines,
    deployments: Deployments,
    mlflow: Mlflow,
    lessons: Lessons,
}

/// Where the data goes: nowhere, or (with a tracking URL set) to that MLflow server only.
#[component]
fn PrivacyNote(mlflow: Mlflow) -> impl IntoView {
    move || {
        let url = mlflow
            .settings
            .with(|settings| settings.tracking_url.clone());
        if url.is_empty() {
            " · runs entirely in this tab; your data never leaves the device".to_owned()
        } else {
            format!(
                " · runs entirely in this tab; data leaves the device only when synced to {url}"
            )
        }
    }
}

/// The browser's storage estimate, asked for once the store has opened and again whenever
/// runs, datasets or model versions are added or removed. Persistence is requested once there
/// is something to keep (Firefox asks the person, which would be odd on an empty first visit).
fn storage_use(workbench: Workbench, registry: Registry) -> RwSignal<Option<StorageUse>> {
    let storage_use = RwSignal::new(None);
    let asked_to_persist = StoredValue::new(false);
    let stored = Memo::new(move |_| {
        let opened = !matches!(workbench.status.get(), StoreStatus::Opening);
        opened.then(|| {
            (
                workbench.runs.with(Vec::len),
                workbench.datasets.with(Vec::len),
                registry.versions.with(Vec::len),
                workbench.saved_run.get(),
            )
        })
    });
    Effect::new(move |_| {
        let Some((runs, datasets, versions, _)) = stored.get() else {
            return;
        };
        let ask_to_persist = runs + datasets + versions > 0 && !asked_to_persist.get_value();
        if ask_to_persist {
            asked_to_persist.set_value(true);
        }
        leptos::task::spawn_local(async move {
            storage_use.set(platform::pwa::storage_use(ask_to_persist).await);
        });
    });
    storage_use
}

/// Shown when a newer build of the app has been installed beside this one, or has taken over
/// from another tab.
#[component]
fn UpdateBanner(update: RwSignal<Option<Update>>) -> impl IntoView {
    move || {
        update.get().map(|news| {
            let said = match news {
                Update::Waiting => "A new version of Kindling is ready. ",
                Update::TookOverElsewhere => {
                    "Kindling was updated in another tab: this tab still runs the old version \
                     and cannot start a trainer until it reloads. "
                }
            };
            view! {
                <p class="update-banner" role="status">
                    {said}
                    <button type="button" on:click=|_| platform::pwa::apply_update()>"Reload to update"</button>
                </p>
            }
        })
    }
}

/// "Storage: 3.2 MB of 1.1 GB used", and whether the browser promised to keep it.
#[component]
fn StorageMeter(storage_use: RwSignal<Option<StorageUse>>) -> impl IntoView {
    move || {
        storage_use.get().map(|used| {
            let kept = if used.persisted {
                " (kept until you delete it)"
            } else {
                " (the browser may clear it if the disk runs low)"
            };
            view! {
                <span class="storage-use" class:nearly-full=used.is_nearly_full()>
                    {format!("Storage: {}{kept}", used.summary())}
                </span>
            }
        })
    }
}

/// Storage problems, said once for every page: runs still train when nothing can be kept.
#[component]
fn StorageBanner(workbench: Workbench, storage_use: RwSignal<Option<StorageUse>>) -> impl IntoView {
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
    let nearly_full = move || {
        storage_use
            .get()
            .and_then(|used| used.warning())
            .map(|warning| view! { <p class="storage-banner" role="alert">{warning}</p> })
    };
    view! { {unavailable} {failure} {nearly_full} }
}

/// A mark on the Deploy link while a serving deployment's last alert is recent, so an alert is
/// seen from every page.
#[component]
fn DeploymentAlertMark(deployments: Deployments) -> impl IntoView {
    const RECENT_MS: f64 = 10.0 * 60.0 * 1000.0;
    let alerting = move || {
        deployments.current.with(|current| {
            current.as_ref().is_some_and(|deployment| {
                deployment.active
                    && deployment.monitor.alerts.last().is_some_and(|alert| {
                        platform::clock::now_unix_ms() - alert.at_ms < RECENT_MS
                    })
            })
        })
    };
    view! {
        <Show when=alerting>
            <span class="nav-alert" title="a deployment alert fired in the last ten minutes">" ⚠"</span>
        </Show>
    }
}
