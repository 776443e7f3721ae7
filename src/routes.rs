//! The routes behind the lazily loaded chunk: every page but Train (the one the app opens on) is
//! built by one lazily loaded function, in
//! the chunk described in [`crate::lazy`], so the first load carries only the shell and the
//! Train page.
//!
//! One split point for all of them, not one per route: with a split per route the splitter cut
//! the shared code into 97 small files, and the Runs page alone fetched 42 of them in the
//! click's task (a 60–80 ms long task while training).

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::LazyRoute;

use crate::lazy::not_loaded;
use crate::platform::tasks::next_task;

use crate::pages::{
    about::AboutPage, compare::ComparePage, data::DataPage, deployments::DeploymentsPage,
    glossary::GlossaryPage, hand_ins::HandInsPage, lessons::LessonsPage, models::ModelPage,
    models::ModelsPage, models::VersionPage, pipelines::PipelinesPage, predict::PredictPage,
    run_detail::RunDetailPage, runs::RunsPage, settings::SettingsPage,
};

/// The pages behind the split point.
#[derive(Clone, Copy)]
enum Page {
    Data,
    Runs,
    RunDetail,
    Compare,
    Models,
    Model,
    Version,
    Predict,
    Pipelines,
    Deployments,
    Settings,
    About,
    Lessons,
    Glossary,
    HandIns,
}

/// `fallible`: a chunk that cannot be fetched (offline before the app was ever cached) is an
/// error the page shows, not a panic that stops the app; the next visit tries again.
#[wasm_split(
    kindling_pages,
    wasm_split_path = ::leptos::wasm_split,
    fallible
)]
fn page_view(page: Page) -> Result<AnyView, SplitLoaderError> {
    Ok(match page {
        Page::Data => view! { <DataPage /> }.into_any(),
        Page::Runs => view! { <RunsPage /> }.into_any(),
        Page::RunDetail => view! { <RunDetailPage /> }.into_any(),
        Page::Compare => view! { <ComparePage /> }.into_any(),
        Page::Models => view! { <ModelsPage /> }.into_any(),
        Page::Model => view! { <ModelPage /> }.into_any(),
        Page::Version => view! { <VersionPage /> }.into_any(),
        Page::Predict => view! { <PredictPage /> }.into_any(),
        Page::Pipelines => view! { <PipelinesPage /> }.into_any(),
        Page::Deployments => view! { <DeploymentsPage /> }.into_any(),
        Page::Settings => view! { <SettingsPage /> }.into_any(),
        Page::About => view! { <AboutPage /> }.into_any(),
        Page::Lessons => view! { <LessonsPage /> }.into_any(),
        Page::Glossary => view! { <GlossaryPage /> }.into_any(),
        Page::HandIns => view! { <HandInsPage /> }.into_any(),
    })
}

fn load_failed() -> AnyView {
    view! { <p class="error" role="alert">{not_loaded("This page's code")}</p> }.into_any()
}

/// A route the router shows once `page_view`'s chunk is loaded. The page is built a task after
/// the click that opened it: together, the router's work and the first run of a page's code
/// (compiled by V8 as it first runs) made 50–86 ms tasks while training; apart, 2 in 32 trials.
macro_rules! lazy_page {
    ($route:ident, $page:expr) => {
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                next_task().await;
                page_view($page).await.unwrap_or_else(|_| load_failed())
            }
        }
    };
}

lazy_page!(DataRoute, Page::Data);
lazy_page!(RunsRoute, Page::Runs);
lazy_page!(RunDetailRoute, Page::RunDetail);
lazy_page!(CompareRoute, Page::Compare);
lazy_page!(ModelsRoute, Page::Models);
lazy_page!(ModelRoute, Page::Model);
lazy_page!(VersionRoute, Page::Version);
lazy_page!(PredictRoute, Page::Predict);
lazy_page!(PipelinesRoute, Page::Pipelines);
lazy_page!(DeploymentsRoute, Page::Deployments);
lazy_page!(SettingsRoute, Page::Settings);
lazy_page!(AboutRoute, Page::About);
lazy_page!(LessonsRoute, Page::Lessons);
lazy_page!(GlossaryRoute, Page::Glossary);
lazy_page!(HandInsRoute, Page::HandIns);
