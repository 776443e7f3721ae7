//! Giving the main thread back between the pieces of one job, so the browser handles input and
//! paints in between and no piece is a long task.

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::clock::now_unix_ms;

/// Resolves in a task of its own: the work after `.await` is not part of the task that awaited.
pub async fn next_task() {
    let promise = Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window()
            .is_some_and(|window| window.set_timeout_with_callback(&resolve).is_ok());
        if !scheduled {
            _ = resolve.call0(&JsValue::NULL);
        }
    });
    // The promise only ever resolves.
    _ = JsFuture::from(promise).await;
}

/// A job's piece of the main thread: how long it may run before it gives the thread back.
pub struct TimeSlice {
    length_ms: f64,
    started_ms: f64,
}

impl TimeSlice {
    pub fn start(length_ms: f64) -> Self {
        TimeSlice {
            length_ms,
            started_ms: now_unix_ms(),
        }
    }

    pub fn is_over(&self) -> bool {
        now_unix_ms() - self.started_ms >= self.length_ms
    }

    /// Once this slice is over, gives the main thread back and starts the next one.
    pub async fn yield_when_over(&mut self) {
        if self.is_over() {
            next_task().await;
            self.started_ms = now_unix_ms();
        }
    }
}
