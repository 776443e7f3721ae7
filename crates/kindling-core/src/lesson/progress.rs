//! What a learner has done: which lesson is open, how far each has got, and each lesson's
//! source, so a lesson a teacher loaded from a file carries on after a reload like a bundled one.
//! Kept as one record (`LessonStore`), in IndexedDB in the tab and in memory in native tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::storage::StoreFuture;

/// Every lesson a learner has started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The lesson the guide beside the pages follows, if any.
    #[serde(default)]
    pub active: Option<String>,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonRecord>,
    /// The "why this matters" notes are hidden.
    #[serde(default)]
    pub notes_hidden: bool,
}

/// One lesson's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonRecord {
    /// The lesson file as it was loaded.
    pub source: String,
    /// Steps passed, from the first: the next one to do is `steps_done`.
    pub steps_done: usize,
    #[serde(default)]
    pub finished_ms: Option<f64>,
}

impl LessonProgress {
    /// Starts (or resumes) a lesson from its source and makes it the active one.
    pub fn open(&mut self, id: &str, source: &str) {
        let record = self
            .lessons
            .entry(id.to_owned())
            .or_insert_with(|| LessonRecord {
                source: source.to_owned(),
                steps_done: 0,
                finished_ms: None,
            });
        if record.source != source {
            // A changed file starts again: its steps may not be the ones counted.
            *record = LessonRecord {
                source: source.to_owned(),
                steps_done: 0,
                finished_ms: None,
            };
        }
        self.active = Some(id.to_owned());
    }

    /// Records that the active lesson's step `step` passed; the last one finishes it at `now_ms`.
    /// A step other than the next one changes nothing, so a late answer cannot skip a step.
    pub fn pass(&mut self, id: &str, step: usize, step_count: usize, now_ms: f64) -> bool {
        let Some(record) = self.lessons.get_mut(id) else {
            return false;
        };
        if record.steps_done != step || step >= step_count {
            return false;
        }
        record.steps_done = step + 1;
        if record.steps_done == step_count {
            record.finished_ms = Some(now_ms);
        }
        true
    }

    /// Starts a lesson over from its first step.
    pub fn restart(&mut self, id: &str) {
        if let Some(record) = self.lessons.get_mut(id) {
            record.steps_done = 0;
            record.finished_ms = None;
        }
    }
}

/// Where the learner's progress is kept.
pub trait LessonStore {
    fn lesson_progress(&self) -> StoreFuture<'_, LessonProgress>;
    fn save_lesson_progress<'a>(&'a self, progress: &'a LessonProgress) -> StoreFuture<'a, ()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_pass_in_order_and_the_last_finishes_the_lesson() {
        let mut progress = LessonProgress::default();
        progress.open("first-run", "source");
        assert_eq!(progress.active.as_deref(), Some("first-run"));
        assert!(!progress.pass("first-run", 1, 2, 5.0), "not the next step");
        assert!(progress.pass("first-run", 0, 2, 5.0));
        assert!(!progress.pass("first-run", 0, 2, 6.0), "already passed");
        assert_eq!(progress.lessons["first-run"].finished_ms, None);
        assert!(progress.pass("first-run", 1, 2, 7.0));
        assert_eq!(progress.lessons["first-run"].finished_ms, Some(7.0));
        assert!(
            !progress.pass("first-run", 2, 2, 8.0),
            "nothing after the last"
        );
        assert!(!progress.pass("other", 0, 2, 8.0), "a lesson never opened");
    }

    #[test]
    fn reopening_resumes_and_a_changed_file_starts_again() {
        let mut progress = LessonProgress::default();
        progress.open("a", "one");
        progress.pass("a", 0, 3, 1.0);
        progress.open("a", "one");
        assert_eq!(progress.lessons["a"].steps_done, 1);
        progress.open("a", "two");
        assert_eq!(progress.lessons["a"].steps_done, 0);
        progress.pass("a", 0, 3, 1.0);
        progress.restart("a");
        assert_eq!(progress.lessons["a"].steps_done, 0);
    }

    #[test]
    fn progress_round_trips_and_an_old_record_reads() {
        let mut progress = LessonProgress::default();
        progress.open("a", "text\nwith lines");
        progress.notes_hidden = true;
        let json = serde_json::to_string(&progress).unwrap();
        assert_eq!(
            serde_json::from_str::<LessonProgress>(&json).unwrap(),
            progress
        );
        assert_eq!(
            serde_json::from_str::<LessonProgress>("{}").unwrap(),
            LessonProgress::default()
        );
    }
}
