//! The worker's own few calls into its global scope, shared by the message pump and a
//! deployment's endpoint: its clock, posting to the page, and sleeping.

use kindling_core::protocol::FromWorker;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// The worker's monotonic clock, in milliseconds.
pub fn now_ms() -> f64 {
    scope()
        .performance()
        .expect("workers have a performance clock")
        .now()
}

pub fn post(message: &FromWorker) {
    let (value, transfer) = crate::wire::to_js(&message.to_wire());
    // Posting only fails when the page is gone, and then nobody is left to tell.
    let _ = scope().post_message_with_transfer(&value, &transfer);
}

pub async fn sleep_ms(duration_ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ =
            scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, duration_ms);
    });
    let _ = JsFuture::from(promise).await;
}
