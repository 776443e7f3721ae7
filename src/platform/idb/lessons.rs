//! Lesson progress on IndexedDB: one record in the settings store (schema version 5), beside
//! the MLflow settings, so no schema step is needed for it.

use kindling_core::lesson::progress::{LessonProgress, LessonStore};
use kindling_core::storage::StoreFuture;
use wasm_bindgen::JsValue;

use super::requests::json;
use super::{IdbStore, SETTINGS};

const LESSONS_KEY: &str = "lessons";

impl LessonStore for IdbStore {
    fn lesson_progress(&self) -> StoreFuture<'_, LessonProgress> {
        Box::pin(async {
            let progress = self
                .read_one(SETTINGS, &JsValue::from_str(LESSONS_KEY))
                .await?;
            Ok(progress.unwrap_or_default())
        })
    }

    fn save_lesson_progress<'a>(&'a self, progress: &'a LessonProgress) -> StoreFuture<'a, ()> {
        Box::pin(self.put_one(SETTINGS, LESSONS_KEY, json(progress)))
    }
}
