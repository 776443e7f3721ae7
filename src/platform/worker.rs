//! Starts a worker (the trainer, or the model worker: two instances of the same script) and
//! carries protocol messages to and from it. `WorkerLink` implements `state::training::
//! TrainerLink`; it queues messages until the worker says `Ready` (a worker drops messages that
//! arrive while its wasm is still loading) and turns `error` events into words on the page.
//! `Ready` carries the worker's build id: a worker of another build than the page (the app
//! was updated in another tab) is refused in words before any other message is exchanged. It
//! reads and writes messages with a [`Codec`] it is given, so the protocol's serde code arrives
//! with the lazily loaded chunk; messages that arrive before the codec wait. A message's blocks
//! of bytes cross as transferred `ArrayBuffer`s beside its JSON
//! (`kindling_core::protocol::wire`).
//!
//! On the Train page `public/trainer_early.js` has started a trainer before the UI's wasm
//! loaded; [`WorkerLink::spawn_trainer`] adopts it once, so its compile overlapped the UI's.
//!
//! Trunk emits the worker unhashed (`worker.js`, `worker_bg.wasm`); `public/worker_loader.js`
//! starts it and turns a failed wasm load, which a worker would only report as an unhandled
//! rejection, into an `error` event the page shows.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use kindling_core::protocol::wire::Wire;
use kindling_core::protocol::{FromWorker, ToWorker};
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use crate::state::training::{TrainerEvent, TrainerLink};

/// Trunk emits the trainer unhashed; `public/worker_loader.js` starts it and reports a failed load.
/// Absolute, like every asset path Trunk writes: a worker URL is resolved against the page's
/// address, and pages live at `/runs/<id>`, `/models/<name>`, ….
pub const WORKER_URL: &str = "/worker_loader.js";

/// What a page hears from a worker of another build: the service worker serves the newest
/// build's files, so a tab left on an older page starts workers of the new one.
pub const OTHER_BUILD: &str = "Kindling was updated in another tab, so this tab's page and its \
     trainer come from different versions: reload this tab to use the new version";

/// How messages are written and read at the boundary. The link is given it rather than naming
/// the serde code itself, so the app can load that code with the lazily loaded chunk: the
/// protocol's serde code is a large part of the UI's wasm, and nothing needs it before a worker
/// answers.
#[derive(Clone, Copy)]
pub struct Codec {
    pub encode: fn(&ToWorker) -> Wire,
    pub decode: fn(Wire) -> Result<FromWorker, String>,
}

impl Codec {
    pub const WIRE: Codec = Codec {
        encode: ToWorker::to_wire,
        decode: |wire| FromWorker::from_wire(wire).map_err(|error| error.to_string()),
    };
}

/// The codec, once loaded; an error is said to the person as the trainer being lost.
pub type CodecLoading = Pin<Box<dyn Future<Output = Result<Codec, String>>>>;

/// A running trainer worker. Dropping it terminates the worker.
pub struct WorkerLink {
    worker: Worker,
    state: Rc<RefCell<LinkState>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

#[derive(Default)]
struct LinkState {
    codec: Option<Codec>,
    /// Messages that arrived before the codec: read, in order, once it has.
    inbox: Vec<Wire>,
    /// Messages sent before the trainer said `Ready`. A worker drops messages that arrive
    /// while its wasm is still loading (nothing listens yet), so they wait here.
    outbox: Option<Vec<ToWorker>>,
}

impl WorkerLink {
    /// A worker of the trainer's script ([`WORKER_URL`]): the first one asked for is the one
    /// `public/trainer_early.js` started with the page, when it did (on the Train page, so the
    /// trainer compiles while the UI loads), with what it has said so far; any other is new.
    pub fn spawn_trainer(
        codec: CodecLoading,
        on_event: Rc<dyn Fn(TrainerEvent)>,
    ) -> Result<Self, String> {
        match StartedWorker::take_early() {
            Some(early) => Ok(Self::attach(early, codec, on_event)),
            None => Self::spawn(WORKER_URL, codec, on_event),
        }
    }

    /// Starts the worker script at `url` at once (the trainer's own download is the long
    /// wait), reading and writing its messages with `codec` once that has loaded; every
    /// message and failure is passed to `on_event`.
    pub fn spawn(
        url: &str,
        codec: CodecLoading,
        on_event: Rc<dyn Fn(TrainerEvent)>,
    ) -> Result<Self, String> {
        let worker = Worker::new(url)
            .map_err(|error| format!("the trainer could not be started: {}", describe(&error)))?;
        let fresh = StartedWorker {
            worker,
            messages: Vec::new(),
            error: None,
        };
        Ok(Self::attach(fresh, codec, on_event))
    }

    fn attach(
        started: StartedWorker,
        codec: CodecLoading,
        on_event: Rc<dyn Fn(TrainerEvent)>,
    ) -> Self {
        let StartedWorker {
            worker,
            messages,
            error,
        } = started;
        // The codec is still loading (it is awaited below), so what the worker said so far
        // waits in the inbox with whatever comes next.
        let state = Rc::new(RefCell::new(LinkState {
            outbox: Some(Vec::new()),
            inbox: messages.iter().map(from_js).collect(),
            ..LinkState::default()
        }));
        if let Some(detail) = error {
            // Said after the caller holds the link, so it is not taken for a later one's loss.
            let on_event = Rc::clone(&on_event);
            wasm_bindgen_futures::spawn_local(async move {
                on_event(TrainerEvent::Lost(format!(
                    "the trainer stopped working: {detail}"
                )));
            });
        }
        let on_message = {
            let on_event = Rc::clone(&on_event);
            let state = Rc::clone(&state);
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let wire = from_js(&event.data());
                let codec = state.borrow().codec;
                match codec {
                    Some(codec) => receive(&worker, &state, codec, wire, &on_event),
                    None => state.borrow_mut().inbox.push(wire),
                }
            })
        };
        wasm_bindgen_futures::spawn_local({
            let on_event = Rc::clone(&on_event);
            let state = Rc::clone(&state);
            let worker = worker.clone();
            async move {
                let codec = match codec.await {
                    Ok(codec) => codec,
                    Err(reason) => return on_event(TrainerEvent::Lost(reason)),
                };
                state.borrow_mut().codec = Some(codec);
                let arrived = std::mem::take(&mut state.borrow_mut().inbox);
                for wire in arrived {
                    receive(&worker, &state, codec, wire, &on_event);
                }
            }
        });
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
        Self {
            worker,
            state,
            _on_message: on_message,
            _on_error: on_error,
        }
    }
}

/// A started worker and what it said before a link listened: nothing for a worker the link
/// started itself, what it has said so far for the one `public/trainer_early.js` started.
struct StartedWorker {
    worker: Worker,
    messages: Vec<JsValue>,
    error: Option<String>,
}

impl StartedWorker {
    /// Takes the early trainer off the page, so only one link ever holds it.
    fn take_early() -> Option<Self> {
        let window = web_sys::window()?;
        let key = JsValue::from_str("__kindlingTrainer");
        let early = js_sys::Reflect::get(&window, &key)
            .ok()
            .filter(JsValue::is_object)?;
        js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key).ok()?;
        let field = |name: &str| js_sys::Reflect::get(&early, &name.into()).unwrap_or_default();
        Some(Self {
            worker: field("worker").dyn_into().ok()?,
            messages: js_sys::Array::from(&field("messages")).to_vec(),
            error: field("error").as_string(),
        })
    }
}

/// Reads one message; `Ready` first sends what waited for it.
fn receive(
    worker: &Worker,
    state: &RefCell<LinkState>,
    codec: Codec,
    wire: Wire,
    on_event: &Rc<dyn Fn(TrainerEvent)>,
) {
    let message = match (codec.decode)(wire) {
        Ok(message) => message,
        Err(reason) => {
            return on_event(TrainerEvent::Lost(format!(
                "the trainer's message could not be read ({reason}); if Kindling was updated in \
                 another tab, reload this one"
            )));
        }
    };
    if let FromWorker::Ready { build } = &message {
        if build != kindling_core::BUILD_ID {
            return on_event(TrainerEvent::Lost(OTHER_BUILD.to_owned()));
        }
        let queued = state.borrow_mut().outbox.take().unwrap_or_default();
        for message in &queued {
            if let Err(error) = post(worker, (codec.encode)(message)) {
                return on_event(TrainerEvent::Lost(unreachable_reason(&error)));
            }
        }
    }
    on_event(TrainerEvent::Message(message));
}

impl TrainerLink for WorkerLink {
    fn send(&self, message: &ToWorker) -> Result<(), String> {
        let mut state = self.state.borrow_mut();
        if let Some(queue) = state.outbox.as_mut() {
            queue.push(message.clone());
            return Ok(());
        }
        // The outbox is emptied only by `Ready`, which only the codec could read.
        let codec = state.codec.ok_or("the trainer's messages cannot be read")?;
        drop(state);
        post(&self.worker, (codec.encode)(message)).map_err(|error| unreachable_reason(&error))
    }
}

impl Drop for WorkerLink {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Posts a message: a plain string when it carries no bytes, else `{json, buffers}` with each
/// block copied once out of wasm memory into an `ArrayBuffer` that is transferred, not copied
/// again (the worker's `scope::post` is the other direction).
fn post(worker: &Worker, wire: Wire) -> Result<(), JsValue> {
    if wire.attachments.is_empty() {
        return worker.post_message(&JsValue::from_str(&wire.json));
    }
    let buffers: js_sys::Array = wire
        .attachments
        .iter()
        .map(|bytes| js_sys::Uint8Array::from(bytes.as_slice()).buffer())
        .collect();
    let envelope = js_sys::Object::new();
    js_sys::Reflect::set(&envelope, &"json".into(), &wire.json.into())?;
    js_sys::Reflect::set(&envelope, &"buffers".into(), &buffers)?;
    worker.post_message_with_transfer(&envelope, &buffers)
}

/// Reads what [`post`]'s counterpart in the worker sent; anything else reads as empty JSON,
/// which the codec reports as unreadable.
fn from_js(data: &JsValue) -> Wire {
    if let Some(json) = data.as_string() {
        return Wire::plain(json);
    }
    let field = |name: &str| js_sys::Reflect::get(data, &name.into()).unwrap_or_default();
    let buffers = field("buffers");
    Wire {
        json: field("json").as_string().unwrap_or_default(),
        attachments: js_sys::Array::from(&buffers)
            .iter()
            .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
            .collect(),
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
