//! The Lessons page: the bundled lessons with how far each has got, Start, Resume and Start
//! over, each lesson's file to read, change or share, and a lesson file of your own to open
//! (a mistake in it is named with its line). The guide beside the pages
//! (`components::lesson_guide`) then walks the lesson on the real screens.

use kindling_core::lesson::Lesson;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::platform::files;
use crate::state::lessons::Lessons;

/// The bundled lessons, in the order a newcomer takes them: the same format a teacher writes.
const BUNDLED: [&str; 8] = [
    include_str!("../../lessons/01-first-run.md"),
    include_str!("../../lessons/02-compare.md"),
    include_str!("../../lessons/03-overfitting.md"),
    include_str!("../../lessons/04-registry.md"),
    include_str!("../../lessons/05-package.md"),
    include_str!("../../lessons/06-pipelines.md"),
    include_str!("../../lessons/07-drift.md"),
    include_str!("../../lessons/08-reproducibility.md"),
];

/// The largest lesson file opened (core refuses larger ones with a message of its own).
const MAX_FILE_BYTES: usize = kindling_core::lesson::MAX_LESSON_BYTES;

#[component]
pub fn LessonsPage() -> impl IntoView {
    let lessons = expect_context::<Lessons>();
    let notice = RwSignal::new(None::<Result<String, String>>);
    let navigate = use_navigate();
    // Opens the lesson and goes to its next step's page, if the step names one.
    let follow = move |lesson: Lesson| {
        let done = lessons.progress.with_untracked(|progress| {
            progress.lessons.get(&lesson.id).map_or(0, |r| r.steps_done)
        });
        if let Some(page) = lesson.steps.get(done).and_then(|step| step.page.clone()) {
            navigate(&page, Default::default());
        }
    };
    let follow = StoredValue::new(follow);

    let card = move |source: &'static str| {
        let lesson = Lesson::parse(source).expect("bundled lessons parse (core's lesson tests)");
        let id = lesson.id.clone();
        let count = lesson.steps.len();
        let done = {
            let id = id.clone();
            move || {
                lessons
                    .progress
                    .with(|p| p.lessons.get(&id).map_or(0, |r| r.steps_done))
            }
        };
        let state = {
            let done = done.clone();
            move || match done() {
                0 => "Not started".to_owned(),
                n if n >= count => "Done".to_owned(),
                n => format!("{n} of {count} steps done"),
            }
        };
        let start_label = {
            let done = done.clone();
            move || match done() {
                0 => "Start",
                n if n >= count => "Open again",
                _ => "Resume",
            }
        };
        let start = move |_| match lessons.start(source) {
            Ok(lesson) => follow.with_value(|follow| follow(lesson)),
            Err(error) => notice.set(Some(Err(error.to_string()))),
        };
        let restart = move |_| match lessons.restart(source) {
            Ok(lesson) => follow.with_value(|follow| follow(lesson)),
            Err(error) => notice.set(Some(Err(error.to_string()))),
        };
        let file_name = format!("{id}.md");
        let download = move |_| {
            if let Err(error) = files::download_text(&file_name, source, "text/markdown") {
                notice.set(Some(Err(error)));
            }
        };
        view! {
            <li class="lesson-card" data-lesson=id.clone()>
                <h2>{lesson.title.clone()}</h2>
                <p class="lesson-summary">{lesson.summary.clone()}</p>
                <p class="lesson-state">{state}</p>
                <div class="actions">
                    <button type="button" class="primary lesson-start" on:click=start
                        disabled=move || !lessons.loaded.get()>{start_label}</button>
                    <button type="button" class="lesson-restart" disabled=move || !lessons.loaded.get() || done() == 0
                        on:click=restart>
                        "Start over"
                    </button>
                    <button type="button" class="link" on:click=download>"Download the lesson file"</button>
                </div>
            </li>
        }
    };

    let on_file = move |event: leptos::ev::Event| {
        let Some(file) = files::from_input_event(&event) else {
            return;
        };
        notice.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let bytes = file.bytes().await?;
                if bytes.len() > MAX_FILE_BYTES * 4 {
                    return Err(format!(
                        "{}: {} KB is far too large for a lesson (at most {} KB)",
                        file.name,
                        bytes.len() / 1024,
                        MAX_FILE_BYTES / 1024
                    ));
                }
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("{}: the file is not UTF-8 text", file.name))?;
                lessons
                    .start(&text)
                    .map_err(|error| format!("{}: {error}", file.name))
            }
            .await;
            match result {
                Ok(lesson) => {
                    notice.set(Some(Ok(format!("Opened \"{}\".", lesson.title))));
                    follow.with_value(|follow| follow(lesson));
                }
                Err(error) => notice.set(Some(Err(error))),
            }
        });
    };
    let notes_shown = move || lessons.progress.with(|p| !p.notes_hidden);

    view! {
        <section class="page lessons">
            <h1>"Lessons"</h1>
            <p class="lead">
                "Each lesson walks part of the lifecycle on the real screens. A guide beside the "
                "page says what to do and why, outlines the control, and moves on by itself when "
                "you have done it. Progress is kept in this browser."
            </p>
            <ol class="lesson-list">{BUNDLED.map(card).into_iter().collect_view()}</ol>
            <h2>"Your own lesson"</h2>
            <p>
                "A lesson is a markdown file with a header and steps, each with a check; "
                "download one above to see the format, change it, and open it here."
            </p>
            <label class="button">
                "Open a lesson file"
                <input type="file" class="visually-hidden" name="lesson-file" accept=".md,text/markdown,text/plain"
                    on:change=on_file />
            </label>
            {move || lessons.error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <div class="lesson-notice" role="status">
                {move || notice.get().map(|notice| match notice {
                    Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
                })}
            </div>
            <h2>"Notes and words"</h2>
            <label class="checkbox">
                <input type="checkbox" name="why-notes" prop:checked=notes_shown
                    on:change=move |event| lessons.set_notes_hidden(!event_target_checked(&event)) />
                "Show the \"why this matters\" notes on each page"
            </label>
            <p><a href="/glossary">"The glossary"</a>": every word of MLOps that Kindling uses, said plainly."</p>
        </section>
    }
}
