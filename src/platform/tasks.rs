//! Giving the main thread back between the pieces of one job, so the browser handles input and
//! paints in between and no piece is a long task.

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

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
