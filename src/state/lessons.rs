//! Guided lessons in the app: the learner's progress (`LessonProgress`, kept through a
//! `LessonStore`), the lesson being followed, and what passes its steps. The guide beside the
//! pages (`components::lesson_guide`) gathers the app's facts and calls [`Lessons::step_passed`]
//! when the current step's check holds; this module keeps the record and writes it behind.

use std::rc::Rc;

use kindling_core::lesson::progress::{LessonProgress, LessonStore};
use kindling_core::lesson::{Lesson, LessonError};
use leptos::prelude::*;

/// The lesson being followed and the index of its next step (`steps.len()` once finished).
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveLesson {
    pub lesson: Lesson,
    pub steps_done: usize,
}

#[derive(Clone, Copy)]
pub struct Lessons {
    store: StoredValue<Option<Rc<dyn LessonStore>>, LocalStorage>,
    pub progress: RwSignal<LessonProgress>,
    pub loaded: RwSignal<bool>,
    /// Packages downloaded in this visit, for the steps that wait for one.
    pub packages_downloaded: RwSignal<u32>,
    /// Recipes downloaded or their links copied in this visit.
    pub recipes_shared: RwSignal<u32>,
    /// Questions of their own the Predict page answered in this visit (see `Check::Predict`).
    pub own_predictions: RwSignal<u32>,
    /// Why the last change could not be kept, if it could not.
    pub error: RwSignal<Option<String>>,
    /// Changes still being written: a reload before they finish would lose them (as would one
    /// before `loaded`: a lesson opened then is written once the kept progress is read).
    pub saving: RwSignal<usize>,
    now_ms: fn() -> f64,
}

impl Lessons {
    pub fn new(now_ms: fn() -> f64) -> Self {
        Self {
            store: StoredValue::new_local(None),
            progress: RwSignal::new(LessonProgress::default()),
            loaded: RwSignal::new(false),
            packages_downloaded: RwSignal::new(0),
            recipes_shared: RwSignal::new(0),
            own_predictions: RwSignal::new(0),
            error: RwSignal::new(None),
            saving: RwSignal::new(0),
            now_ms,
        }
    }

    /// Reads the kept progress. A lesson opened while the store was answering (a file chosen
    /// at once) is opened again on top of it, so neither is lost.
    pub async fn attach(&self, store: Rc<dyn LessonStore>) {
        let read = store.lesson_progress().await;
        self.store.set_value(Some(store));
        match read {
            Ok(mut progress) => {
                let opened_early = self.progress.with_untracked(|early| {
                    let id = early.active.clone()?;
                    Some((early.lessons.get(&id)?.source.clone(), id))
                });
                if let Some((source, id)) = &opened_early {
                    progress.open(id, source);
                }
                self.progress.set(progress);
                if opened_early.is_some() {
                    self.save();
                }
            }
            Err(error) => self
                .error
                .set(Some(format!("Lesson progress could not be read: {error}"))),
        }
        self.loaded.set(true);
    }

    pub fn without_store(&self) {
        self.loaded.set(true);
    }

    /// The lesson the guide follows, read from its kept source.
    pub fn active(&self) -> Option<ActiveLesson> {
        self.progress.with(|progress| {
            let id = progress.active.as_ref()?;
            let record = progress.lessons.get(id)?;
            let lesson = Lesson::parse(&record.source).ok()?;
            Some(ActiveLesson {
                steps_done: record.steps_done.min(lesson.steps.len()),
                lesson,
            })
        })
    }

    /// Reads a lesson file and follows it, from where it was left if it was started before.
    pub fn start(&self, source: &str) -> Result<Lesson, LessonError> {
        let lesson = Lesson::parse(source)?;
        self.progress
            .update(|progress| progress.open(&lesson.id, source));
        self.save();
        Ok(lesson)
    }

    /// Starts a lesson over from its first step and follows it.
    pub fn restart(&self, source: &str) -> Result<Lesson, LessonError> {
        let lesson = Lesson::parse(source)?;
        self.progress.update(|progress| {
            progress.open(&lesson.id, source);
            progress.restart(&lesson.id);
        });
        self.save();
        Ok(lesson)
    }

    /// Stops following the active lesson; its progress is kept.
    pub fn leave(&self) {
        self.progress.update(|progress| progress.active = None);
        self.save();
    }

    /// Records that step `step` of lesson `id` passed; a step that is not the next is ignored.
    pub fn step_passed(&self, id: &str, step: usize, step_count: usize) {
        let now_ms = (self.now_ms)();
        let mut passed = false;
        self.progress
            .update(|progress| passed = progress.pass(id, step, step_count, now_ms));
        if passed {
            self.save();
        }
    }

    pub fn set_notes_hidden(&self, hidden: bool) {
        self.progress
            .update(|progress| progress.notes_hidden = hidden);
        self.save();
    }

    /// Writes the record behind the change, which the page already shows.
    fn save(&self) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        let progress = self.progress.get_untracked();
        let (error, saving) = (self.error, self.saving);
        saving.update(|count| *count += 1);
        leptos::task::spawn_local(async move {
            match store.save_lesson_progress(&progress).await {
                Ok(()) => error.set(None),
                Err(problem) => error.set(Some(format!(
                    "Lesson progress could not be kept: {problem}"
                ))),
            }
            saving.update(|count| *count -= 1);
        });
    }
}
