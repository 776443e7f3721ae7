//! Starts the trainer worker and carries protocol messages to and from it.

use std::cell::RefCell;
use std::rc::Rc;

use kindling_core::protocol::{FromWorker, ToWorker};
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use crate::state::training::{TrainerEvent, TrainerLink};

/// Trunk emits the trainer unhashed; `public/worker_loader.js` starts it and reports a failed load.
/// Absolute, like every asset path Trunk writes: a worker URL is resolved against the page's
/// address, and pages live at `/runs/<id>`, `/models/<name>`, ….
const WORKER_URL: &str = "/worker_loader.js";

/// A running trainer worker. Dropping it terminates the worker.
pub struct WorkerLink {
    worker: Worker,
    /// Messages sent before the trainer said `Ready`. A worker drops messages that arrive
    /// while its wasm is still loading (nothing listens yet), so they wait here.
    outbox: Rc<RefCell<Option<Vec<String>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl WorkerLink {
    /// Starts the trainer; every message and failure is passed to `on_event`.
    pub fn spawn(on_event: Rc<dyn Fn(TrainerEvent)>) -> Result<Self, String> {
        Self::spawn_script(WORKER_URL, on_event)
    }

    /// Starts the worker script at `url` (tests give stand-ins for the trainer).
    pub fn spawn_script(url: &str, on_event: Rc<dyn Fn(TrainerEvent)>) -> Result<Self, String> {
        let worker = Worker::new(url)
            .map_err(|error| format!("the trainer could not be started: {}", describe(&error)))?;
        let outbox = Rc::new(RefCell::new(Some(Vec::<String>::new())));
        let on_message = {
            let on_event = Rc::clone(&on_event);
            let outbox = Rc::clone(&outbox);
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let text = event.data().as_string().unwrap_or_default();
                let message = match FromWorker::from_json(&text) {
                    Ok(message) => message,
                    Err(error) => return on_event(TrainerEvent::Lost(error.to_string())),
                };
                if message == FromWorker::Ready {
                    for queued in outbox.borrow_mut().take().unwrap_or_default() {
                        if let Err(error) = worker.post_message(&JsValue::from_str(&queued)) {
                            return on_event(TrainerEvent::Lost(unreachable_reason(&error)));
                        }
                    }
                }
                on_event(TrainerEvent::Message(message));
            })
        };
        // A script that fails to load fires a plain `Event`, not an `ErrorEvent`.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            event.prevent_default();
            let detail = event
                .dyn_ref::<ErrorEvent>()
                .map(ErrorEvent::message)
                .filter(|message| !message.is_empty())
                .unwrap_or_else(|| "its code could not be loaded".to_owned());
            on_event(TrainerEvent::Lost(format!(
                "the trainer stopped working: {detail}"
            )));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            outbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

impl TrainerLink for WorkerLink {
    fn send(&self, message: &ToWorker) -> Result<(), String> {
        let text = message.to_json();
        if let Some(queue) = self.outbox.borrow_mut().as_mut() {
            queue.push(text);
            return Ok(());
        }
        self.worker
            .post_message(&JsValue::from_str(&text))
            .map_err(|error| unreachable_reason(&error))
    }
}

impl Drop for WorkerLink {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn unreachable_reason(error: &JsValue) -> String {
    format!("the trainer could not be reached: {}", describe(error))
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
