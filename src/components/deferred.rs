//! `Deferred`: children built a task after the page around them, so no click is a long task.

use std::time::Duration;

use leptos::prelude::*;

/// Mounts its children in a task of their own, just after the page around them.
///
/// Switching to a page, or starting a run, builds and lays out everything it shows in the
/// click's task; for the Train page with a run on it (form, charts, scatter) that took 52–77 ms
/// the first time in a page's life, which the browser counts as a long task. Deferring the heavy
/// part splits the work into tasks of its own.
#[component]
pub fn Deferred(children: ChildrenFn) -> impl IntoView {
    let ready = RwSignal::new(false);
    // A page left before the timer fires has disposed the signal: nothing is mounted then.
    set_timeout(move || _ = ready.try_set(true), Duration::ZERO);
    move || ready.get().then(|| children())
}
