//! Browser tests for `platform/`: real Chromium, real Web Workers, real DOM.
//! Run with `cargo test --target wasm32-unknown-unknown` (see `cargo xtask test`).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use kindling::platform::panic::{PANIC_BANNER_ID, show_fatal_error};
use kindling::platform::worker::{Codec, CodecLoading, WorkerLink};
use kindling::state::training::{TrainerEvent, TrainerLink};
use kindling_core::data::synthetic::SyntheticSpec;
use kindling_core::protocol::wire::Wire;
use kindling_core::protocol::{FromWorker, ModelReply, ToWorker};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A worker made from `source`, served as a blob URL.
fn script_url(source: &str) -> String {
    let parts = js_sys::Array::of1(&JsValue::from_str(source));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

async fn sleep_ms(duration_ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, duration_ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// What the real trainer says first: `Ready`, with this build's id.
fn ready() -> FromWorker {
    FromWorker::Ready {
        build: kindling_core::BUILD_ID.into(),
    }
}

/// A worker made from `source`, in which `READY` is this build's `Ready` message as JSON text.
fn script_with_ready(source: &str) -> String {
    // Rust's debug form of a string of JSON is also a JavaScript string literal.
    script_url(&format!("const READY = {:?};\n{source}", ready().to_json()))
}

/// The real codec, ready at once (the app loads it with the lazily loaded chunk).
fn json() -> CodecLoading {
    Box::pin(async { Ok(Codec::WIRE) })
}

/// Records every event; `wait_for` polls until `count` have arrived or five seconds pass.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<String>>>);

impl Recorder {
    fn callback(&self) -> Rc<dyn Fn(TrainerEvent)> {
        let events = Rc::clone(&self.0);
        Rc::new(move |event| {
            events.borrow_mut().push(match event {
                TrainerEvent::Message(message) => message.to_json(),
                TrainerEvent::Lost(reason) => format!("lost: {reason}"),
            })
        })
    }

    async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..100 {
            if self.0.borrow().len() >= count {
                break;
            }
            sleep_ms(50).await;
        }
        self.0.borrow().clone()
    }
}

/// What the echo worker of the first test wrote back: a message it received, its JSON and
/// the bytes of each buffer it was given, read again with the real codec.
fn echoed_message(reason: &str) -> ToWorker {
    let value: serde_json::Value = serde_json::from_str(reason).unwrap();
    let attachments = value["bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bytes| {
            let bytes = bytes.as_array().unwrap().iter();
            bytes.map(|byte| byte.as_u64().unwrap() as u8).collect()
        })
        .collect();
    let json = value["json"].as_str().unwrap().to_owned();
    ToWorker::from_wire(Wire { json, attachments }).unwrap()
}

#[wasm_bindgen_test]
async fn messages_sent_before_the_trainer_is_ready_are_delivered_after() {
    // Like the real trainer, this worker listens only after a slow start; it answers each
    // message by echoing it back inside a `Failed` reason: the JSON and the bytes of every
    // buffer that came with it (a dataset's values cross as transferred buffers).
    let url = script_with_ready(
        r#"setTimeout(() => {
             self.onmessage = (event) => {
               const wire = typeof event.data === "string"
                 ? { json: event.data, buffers: [] } : event.data;
               const echo = { json: wire.json,
                 bytes: wire.buffers.map((buffer) => Array.from(new Uint8Array(buffer))) };
               self.postMessage(JSON.stringify(
                 { Failed: { run_id: "echo", reason: JSON.stringify(echo) } }));
             };
             self.postMessage(READY);
           }, 300);"#,
    );
    let recorder = Recorder::default();
    let link = WorkerLink::spawn(&url, json(), recorder.callback()).unwrap();
    let train = ToWorker::Train {
        run_id: "run-1".into(),
        spec: Box::default(),
        data: SyntheticSpec::default().generate().unwrap(),
    };
    link.send(&train).unwrap();
    link.send(&ToWorker::Stop).unwrap();

    let events = recorder.wait_for(3).await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0], ready().to_json());
    let echoed: Vec<ToWorker> = events[1..]
        .iter()
        .map(|event| match FromWorker::from_json(event).unwrap() {
            FromWorker::Failed { reason, .. } => echoed_message(&reason),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(echoed, vec![train, ToWorker::Stop]);
}

/// The trainer's bytes (a package, weights) arrive as a transferred buffer beside the JSON.
#[wasm_bindgen_test]
async fn bytes_the_trainer_transfers_arrive_whole() {
    let url = script_with_ready(
        r#"self.postMessage(READY);
           const bytes = new Uint8Array([7, 0, 255, 42]);
           const json = JSON.stringify({ Reply: { request_id: 5,
             result: { Ok: { Package: { bytes: 0, weights_sha256: "ab" } } } } });
           self.postMessage({ json, buffers: [bytes.buffer] }, [bytes.buffer]);"#,
    );
    let recorder = Recorder::default();
    let _link = WorkerLink::spawn(&url, json(), recorder.callback()).unwrap();
    let events = recorder.wait_for(2).await;
    let package = FromWorker::Reply {
        request_id: 5,
        result: Ok(ModelReply::Package {
            bytes: vec![7, 0, 255, 42],
            weights_sha256: "ab".into(),
        }),
    };
    assert_eq!(events, vec![ready().to_json(), package.to_json()]);
}

#[wasm_bindgen_test]
async fn a_codec_that_loads_after_the_trainer_is_ready_loses_nothing() {
    // The worker is ready at once and says a second thing; the codec arrives 300 ms later.
    let url = script_with_ready(
        r#"self.onmessage = (event) => self.postMessage(JSON.stringify(
             { Failed: { run_id: "echo", reason: event.data } }));
           self.postMessage(READY);
           self.postMessage(JSON.stringify({ Failed: { run_id: "early", reason: "second" } }));"#,
    );
    let recorder = Recorder::default();
    let slow_codec: CodecLoading = Box::pin(async {
        sleep_ms(300).await;
        Ok(Codec::WIRE)
    });
    let link = WorkerLink::spawn(&url, slow_codec, recorder.callback()).unwrap();
    link.send(&ToWorker::Stop).unwrap();

    let events = recorder.wait_for(3).await;
    let early = FromWorker::Failed {
        run_id: "early".into(),
        reason: "second".into(),
    };
    let echoed = FromWorker::Failed {
        run_id: "echo".into(),
        reason: ToWorker::Stop.to_json(),
    };
    assert_eq!(
        events,
        vec![ready().to_json(), early.to_json(), echoed.to_json()]
    );
}

/// The trainer `trainer_early.js` started with the page is adopted by the first link, with
/// what it said before anyone listened; the next link starts a worker of its own.
#[wasm_bindgen_test]
async fn the_early_trainer_is_adopted_once_with_what_it_said() {
    let url = script_with_ready(
        r#"self.postMessage(READY);
           self.onmessage = () => self.postMessage(JSON.stringify(
             { Failed: { run_id: "later", reason: "heard" } }));"#,
    );
    let worker = web_sys::Worker::new(&url).unwrap();
    let early = js_sys::Object::new();
    let said = js_sys::Array::of1(&JsValue::from_str(
        &FromWorker::Failed {
            run_id: "early".into(),
            reason: "before the UI".into(),
        }
        .to_json(),
    ));
    let window = web_sys::window().unwrap();
    js_sys::Reflect::set(&early, &"worker".into(), &worker).unwrap();
    js_sys::Reflect::set(&early, &"messages".into(), &said).unwrap();
    js_sys::Reflect::set(&early, &"error".into(), &JsValue::NULL).unwrap();
    js_sys::Reflect::set(&window, &"__kindlingTrainer".into(), &early).unwrap();

    let recorder = Recorder::default();
    let link = WorkerLink::spawn_trainer(json(), recorder.callback()).unwrap();
    assert!(!js_sys::Reflect::has(&window, &"__kindlingTrainer".into()).unwrap());
    link.send(&ToWorker::Stop).unwrap();
    let events = recorder.wait_for(3).await;
    let early = FromWorker::Failed {
        run_id: "early".into(),
        reason: "before the UI".into(),
    };
    let later = FromWorker::Failed {
        run_id: "later".into(),
        reason: "heard".into(),
    };
    assert_eq!(
        events,
        vec![early.to_json(), ready().to_json(), later.to_json()]
    );
}

/// A worker of another build (the app was updated in another tab and the service worker now
/// serves the new trainer) is refused in words, and nothing queued is sent to it.
#[wasm_bindgen_test]
async fn a_trainer_of_another_build_is_refused_in_words() {
    let url = script_url(
        r#"self.onmessage = (event) => self.postMessage(JSON.stringify(
             { Failed: { run_id: "echo", reason: event.data } }));
           self.postMessage(JSON.stringify({ Ready: { build: "a-newer-build" } }));"#,
    );
    let recorder = Recorder::default();
    let link = WorkerLink::spawn(&url, json(), recorder.callback()).unwrap();
    link.send(&ToWorker::Stop).unwrap();
    let events = recorder.wait_for(2).await;
    assert_eq!(
        events,
        vec![format!("lost: {}", kindling::platform::worker::OTHER_BUILD)]
    );
}

#[wasm_bindgen_test]
async fn a_codec_that_cannot_load_is_reported_in_words() {
    let url = script_with_ready(r#"self.postMessage(READY);"#);
    let recorder = Recorder::default();
    let missing: CodecLoading = Box::pin(async { Err("its code could not be loaded".into()) });
    let _link = WorkerLink::spawn(&url, missing, recorder.callback()).unwrap();
    let events = recorder.wait_for(1).await;
    assert_eq!(
        events,
        vec!["lost: its code could not be loaded".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn a_trainer_that_fails_to_load_is_reported_in_words() {
    let url = script_url("throw new Error('the trainer module is broken');");
    let recorder = Recorder::default();
    let _link = WorkerLink::spawn(&url, json(), recorder.callback()).unwrap();
    let events = recorder.wait_for(1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].starts_with("lost: the trainer stopped working:")
            && events[0].contains("the trainer module is broken"),
        "{}",
        events[0]
    );
}

#[wasm_bindgen_test]
async fn a_missing_trainer_script_is_reported_too() {
    let recorder = Recorder::default();
    let _link = WorkerLink::spawn("./no-such-trainer.js", json(), recorder.callback()).unwrap();
    let events = recorder.wait_for(1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].starts_with("lost: the trainer stopped working"),
        "{}",
        events[0]
    );
}

#[wasm_bindgen_test]
fn the_panic_banner_shows_the_message_as_inert_text() {
    let hostile = "<img src=x onerror=\"document.title='pwned'\">";
    show_fatal_error(hostile);
    show_fatal_error(hostile);
    let document = web_sys::window().unwrap().document().unwrap();
    let banners = document
        .query_selector_all(&format!("#{PANIC_BANNER_ID}"))
        .unwrap();
    assert_eq!(banners.length(), 1, "a second panic reuses the banner");
    let banner = document.get_element_by_id(PANIC_BANNER_ID).unwrap();
    assert!(banner.text_content().unwrap().contains(hostile));
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    assert!(banner.query_selector("img").unwrap().is_none());
}
