//! Lesson progress natively: starting a lesson keeps it, a passed step is written behind, a
//! step out of order changes nothing, a bad file changes nothing, and a new page load (a new
//! `Lessons` on the same store) carries on where the learner was, even when a lesson was opened
//! before the store answered.

use std::rc::Rc;

use kindling_core::lesson::progress::LessonStore;
use kindling_core::workspace::memory::MemoryStore;
use leptos::prelude::*;

use super::fakes::{now_ms, run, settle, with_runtime};
use super::lessons::Lessons;

const LESSON: &str = include_str!("../../lessons/01-first-run.md");

fn attached(store: &Rc<MemoryStore>) -> Lessons {
    let lessons = Lessons::new(now_ms);
    run({
        let store = Rc::clone(store) as Rc<dyn LessonStore>;
        async move { lessons.attach(store).await }
    });
    lessons
}

#[test]
fn progress_is_kept_and_a_new_load_carries_on() {
    with_runtime(|| {
        let store = Rc::new(MemoryStore::default());
        let lessons = attached(&store);
        assert_eq!(lessons.active(), None);
        let lesson = lessons.start(LESSON).unwrap();
        assert_eq!(lesson.id, "first-run");
        lessons.step_passed("first-run", 1, lesson.steps.len());
        lessons.step_passed("first-run", 0, lesson.steps.len());
        settle();
        let active = lessons.active().unwrap();
        assert_eq!(active.steps_done, 1, "only the next step passes");

        let reloaded = attached(&store);
        let active = reloaded.active().unwrap();
        assert_eq!(
            (active.lesson.id.as_str(), active.steps_done),
            ("first-run", 1)
        );
        reloaded.leave();
        settle();
        assert_eq!(attached(&store).active(), None, "leaving is kept too");
        assert_eq!(
            attached(&store)
                .progress
                .with_untracked(|p| p.lessons["first-run"].steps_done),
            1,
            "and the lesson's place with it"
        );
    });
}

#[test]
fn a_bad_file_is_refused_and_changes_nothing() {
    with_runtime(|| {
        let store = Rc::new(MemoryStore::default());
        let lessons = attached(&store);
        lessons.start(LESSON).unwrap();
        settle();
        let before = lessons.progress.get_untracked();
        let error = lessons
            .start("---\nformat: kindling-lesson/1\n")
            .unwrap_err();
        assert!(error.to_string().starts_with("line 2: "), "{error}");
        settle();
        assert_eq!(lessons.progress.get_untracked(), before);
        assert_eq!(attached(&store).progress.get_untracked(), before);
    });
}

#[test]
fn a_lesson_opened_before_the_store_answered_is_kept_with_what_was_stored() {
    with_runtime(|| {
        let store = Rc::new(MemoryStore::default());
        let first = attached(&store);
        first.set_notes_hidden(true);
        settle();

        // A new page load where a file is opened before the kept progress is read.
        let early = Lessons::new(now_ms);
        early.start(LESSON).unwrap();
        run({
            let store = Rc::clone(&store) as Rc<dyn LessonStore>;
            async move { early.attach(store).await }
        });
        settle();
        assert_eq!(
            early.active().map(|a| a.lesson.id),
            Some("first-run".to_owned())
        );
        assert!(
            early.progress.with_untracked(|p| p.notes_hidden),
            "the stored part stays"
        );
        assert_eq!(
            attached(&store).active().map(|a| a.lesson.id),
            Some("first-run".to_owned()),
            "and the lesson opened early is kept"
        );
    });
}
