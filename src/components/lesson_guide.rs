//! The guide beside every page while a lesson is followed: the step to do now and why, a link
//! to its page, its control outlined on the page, and a tick the moment its check passes. The
//! facts a check reads are gathered here from the app's state (`Facts`); the check itself is
//! core's (`kindling_core::lesson::check`).

use std::time::Duration;

use kindling_core::lesson::check::{Facts, PipelineOutcome, VersionFact};
use kindling_core::monitor::deployment::EventKind;
use kindling_core::pipeline::record::{Outcome, StepState};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::components::lesson_text::LessonText;
use crate::platform;
use crate::state::deployments::Deployments;
use crate::state::lessons::Lessons;
use crate::state::pipelines::Pipelines;
use crate::state::registry::Registry;
use crate::state::workbench::Workbench;

/// How often the step's control is looked for again: pages draw their parts as data arrives.
const HIGHLIGHT_EVERY_MS: u64 = 700;

#[component]
pub fn LessonGuide() -> impl IntoView {
    let lessons = expect_context::<Lessons>();
    let workbench = expect_context::<Workbench>();
    let registry = expect_context::<Registry>();
    let pipelines = expect_context::<Pipelines>();
    let deployments = expect_context::<Deployments>();
    let location = use_location();
    let active = Memo::new(move |_| lessons.active());
    let collapsed = RwSignal::new(false);

    let versions = Memo::new(move |_| {
        let models = registry.models.get();
        registry.versions.with(|versions| {
            versions
                .iter()
                .map(|version| VersionFact {
                    model: version.model.clone(),
                    version: version.version,
                    aliases: models
                        .iter()
                        .find(|model| model.name == version.model)
                        .map(|model| {
                            model
                                .aliases_of(version.version)
                                .into_iter()
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        })
    });
    // The current step's verdict: `None` with no step to do.
    let passes = Memo::new(move |_| {
        let active = active.get()?;
        let step = active.lesson.steps.get(active.steps_done)?;
        let path = location.pathname.get();
        let compared_runs = if path == "/compare" {
            location.query.with(|query| {
                query
                    .get("ids")
                    .map_or(0, |ids| ids.split(',').filter(|id| !id.is_empty()).count())
            })
        } else {
            0
        };
        let pipeline_outcomes = pipelines.runs.with(|runs| {
            runs.iter()
                .flat_map(|run| {
                    let reused = run.steps.iter().any(|s| s.state == StepState::Cached)
                        && run
                            .steps
                            .iter()
                            .all(|s| matches!(s.state, StepState::Cached | StepState::Skipped));
                    match run.outcome.as_ref() {
                        Some(Outcome::Passed) if reused => {
                            vec![PipelineOutcome::Passed, PipelineOutcome::Cached]
                        }
                        Some(Outcome::Passed) => vec![PipelineOutcome::Passed],
                        Some(Outcome::Stopped) => vec![PipelineOutcome::Stopped],
                        Some(Outcome::Failed { .. }) => vec![PipelineOutcome::Failed],
                        Some(Outcome::Interrupted) | None => Vec::new(),
                    }
                })
                .collect()
        });
        let (deployed, alerts_fired, retrainings_promoted) = deployments.current.with(|current| {
            current.as_ref().map_or((0, 0, 0), |deployment| {
                let count = |wanted: fn(&EventKind) -> bool| {
                    deployment
                        .history
                        .iter()
                        .filter(|event| wanted(&event.what))
                        .count()
                };
                let retrained = deployment
                    .history
                    .iter()
                    .skip_while(|event| !matches!(event.what, EventKind::RetrainStarted { .. }))
                    .filter(|event| matches!(event.what, EventKind::Promoted { .. }))
                    .count();
                (
                    usize::from(deployment.active),
                    count(|what| matches!(what, EventKind::Alert)),
                    retrained,
                )
            })
        });
        let versions = versions.get();
        Some(workbench.runs.with(|runs| {
            step.check.passes(&Facts {
                path: &path,
                compared_runs,
                runs,
                versions,
                packages_downloaded: lessons.packages_downloaded.get(),
                recipes_shared: lessons.recipes_shared.get(),
                own_predictions: lessons.own_predictions.get(),
                pipeline_outcomes,
                deployments: deployed,
                alerts_fired,
                retrainings_promoted,
            })
        }))
    });
    Effect::new(move |_| {
        if passes.get() == Some(true)
            && let Some(active) = active.get_untracked()
        {
            lessons.step_passed(
                &active.lesson.id,
                active.steps_done,
                active.lesson.steps.len(),
            );
        }
    });

    // The step's control, outlined; looked for again as the page fills in.
    let highlight = Memo::new(move |_| {
        active.with(|active| {
            let active = active.as_ref()?;
            active
                .lesson
                .steps
                .get(active.steps_done)?
                .highlight
                .clone()
        })
    });
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let stop_ticker = move || {
        if let Some(handle) = ticker.get_value() {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        let selector = highlight.get();
        location.pathname.track();
        stop_ticker();
        platform::document::highlight(selector.as_deref());
        let handle = selector.and_then(|selector| {
            set_interval_with_handle(
                move || platform::document::highlight(Some(&selector)),
                Duration::from_millis(HIGHLIGHT_EVERY_MS),
            )
            .ok()
        });
        ticker.set_value(handle);
    });
    on_cleanup(move || {
        stop_ticker();
        platform::document::highlight(None);
    });

    move || {
        let active = active.get()?;
        let lesson = active.lesson;
        let count = lesson.steps.len();
        let done = active.steps_done;
        // Steps already done stay in view, ticked: one that held the moment it opened (a run
        // from an earlier lesson, a quick retraining) would otherwise pass unseen.
        let done_steps = (done > 0).then(|| {
            let titles = lesson.steps[..done.min(count)]
                .iter()
                .map(|step| view! { <li>{step.title.clone()}</li> })
                .collect_view();
            view! { <ol class="lesson-done" aria-label="Steps done">{titles}</ol> }
        });
        let body = match lesson.steps.get(done) {
            Some(step) => {
                // Its own closure: moving between pages redraws the link, not the guide.
                let page_link = step.page.clone().map(|page| {
                    move || {
                        let here = location.pathname.with(|path| *path == page);
                        (!here).then(|| {
                            view! { <a class="button lesson-go" href=page.clone()>"Go to the page"</a> }
                        })
                    }
                });
                view! {
                    <p class="lesson-step-count">{format!("Step {} of {count}", done + 1)}</p>
                    <h2 class="lesson-step-title">{step.title.clone()}</h2>
                    <LessonText blocks=step.body.clone() />
                    {page_link}
                    <p class="lesson-waiting">"Kindling moves on when you have done it."</p>
                }
                .into_any()
            }
            None => view! {
                <h2 class="lesson-step-title">"Lesson complete"</h2>
                <p>"Every step is done. Choose another lesson on the Lessons page."</p>
                <a class="button" href="/lessons">"Lessons"</a>
            }
            .into_any(),
        };
        Some(view! {
            <aside class="lesson-guide" aria-label="Lesson" class:collapsed=move || collapsed.get()
                aria-busy=move || (lessons.saving.get() > 0 || !lessons.loaded.get()).to_string()>
                <header class="lesson-guide-header">
                    <strong>{lesson.title.clone()}</strong>
                    <progress max=count value=done aria-label="Steps done"></progress>
                    <button type="button" class="link" aria-expanded=move || (!collapsed.get()).to_string()
                        on:click=move |_| collapsed.update(|c| *c = !*c)>
                        {move || if collapsed.get() { "Show" } else { "Hide" }}
                    </button>
                    <button type="button" class="link lesson-leave" on:click=move |_| lessons.leave()>"Leave"</button>
                </header>
                <div class="lesson-guide-body" hidden=move || collapsed.get() aria-live="polite">
                    {done_steps}
                    {body}
                </div>
                {move || lessons.error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            </aside>
        })
    }
}
