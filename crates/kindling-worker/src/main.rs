//! The trainer and the model worker: a dedicated Web Worker that answers kindling-core's
//! protocol with kindling-ml. It never links the UI, and holds no rules of its own: a run's
//! decisions are `kindling_ml::run_loop`'s and a model request's answers are
//! `kindling_ml::model_service`'s; this crate only posts messages, yields to the event loop
//! between slices, sleeps while paused and fetches the files the page hands over.
//!
//! Training runs in slices of about [`SLICE_MS`]; between slices the worker returns to its
//! event loop, so Pause, Resume and Stop are heard within one slice. A deployment's endpoint
//! (`endpoint`) runs in a worker of its own, ticking on a timer.

#[cfg(target_arch = "wasm32")]
mod bench;
#[cfg(target_arch = "wasm32")]
mod endpoint;
#[cfg(target_arch = "wasm32")]
mod scope;
#[cfg(all(target_arch = "wasm32", feature = "threads"))]
mod threads;
#[cfg(target_arch = "wasm32")]
mod trip;
#[cfg(target_arch = "wasm32")]
mod wire;

#[cfg(target_arch = "wasm32")]
fn main() {
    #[cfg(feature = "threads")]
    if threads::is_pool_thread() {
        return;
    }
    pump::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the trainer runs inside a browser worker; build it for wasm32 with Trunk");
}

/// Long enough that per-slice overhead is small, short enough that Stop feels immediate.
pub const SLICE_MS: f64 = 30.0;
/// How often a paused run checks whether it may go on.
pub const PAUSE_POLL_MS: i32 = 50;

#[cfg(target_arch = "wasm32")]
mod pump {
    use std::cell::RefCell;
    use std::rc::Rc;

    use kindling_core::data::Dataset;
    use kindling_core::protocol::{BenchRequest, FromWorker, ModelReply, ModelRequest, ToWorker};
    use kindling_core::spec::TrainSpec;
    use kindling_core::workspace::WorkspaceOutline;
    use kindling_ml::model_service::{Answer, ModelService};
    use kindling_ml::run_loop::{Control, Step, TrainingRun};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{MessageChannel, MessageEvent};

    use super::{PAUSE_POLL_MS, SLICE_MS};
    use crate::scope::{now_ms, post, scope, sleep_ms};

    thread_local! {
        static SERVICE: RefCell<ModelService> = RefCell::new(ModelService::default());
    }

    pub fn start() {
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&JsValue::from_str(&info.to_string()));
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "an unknown error".to_owned());
            let location = info
                .location()
                .map(|at| format!(" (at {}:{})", at.file(), at.line()))
                .unwrap_or_default();
            post(&FromWorker::Crashed {
                message: format!("{payload}{location}"),
            });
        }));
        let control = Rc::new(Control::default());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let wire = crate::wire::from_js(&event.data());
            let json = wire.json.clone();
            match ToWorker::from_wire(wire) {
                Ok(message) => handle(message, &control),
                Err(error) => {
                    web_sys::console::error_1(&JsValue::from_str(&error.to_string()));
                    if let Some(answer) = ToWorker::unreadable(&json, &error) {
                        post(&answer);
                    }
                }
            }
        });
        scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        say_ready();
    }

    #[cfg(not(feature = "threads"))]
    fn say_ready() {
        post(&FromWorker::Ready {
            build: kindling_core::BUILD_ID.to_owned(),
        });
    }

    /// The threaded trainer is ready once its pool threads are.
    #[cfg(feature = "threads")]
    fn say_ready() {
        let threads = scope().navigator().hardware_concurrency() as usize;
        wasm_bindgen_futures::spawn_local(async move {
            match crate::threads::start_pool(threads.max(1)).await {
                Ok(()) => post(&FromWorker::Ready {
                    build: kindling_core::BUILD_ID.to_owned(),
                }),
                Err(message) => post(&FromWorker::Crashed { message }),
            }
        });
    }

    fn handle(message: ToWorker, control: &Rc<Control>) {
        match message {
            ToWorker::Train { run_id, spec, data } => {
                if !control.begin_run() {
                    post(&FromWorker::Failed {
                        run_id,
                        reason: "another run is still training; stop it first".into(),
                    });
                    return;
                }
                let control = Rc::clone(control);
                wasm_bindgen_futures::spawn_local(async move {
                    train(run_id, &spec, data, &control).await;
                    control.end_run();
                });
            }
            ToWorker::Pause => control.pause(),
            ToWorker::Resume => control.resume(),
            ToWorker::Stop => control.stop(),
            ToWorker::Model {
                request_id,
                request,
            } => wasm_bindgen_futures::spawn_local(async move {
                let result = answer(*request).await;
                post(&FromWorker::Reply { request_id, result });
            }),
            ToWorker::Bench(BenchRequest::Trip { payload, codec }) => {
                wasm_bindgen_futures::spawn_local(async move {
                    post(&FromWorker::Bench(
                        crate::trip::measure(payload, codec).await,
                    ));
                });
            }
            ToWorker::Bench(request) => {
                post(&FromWorker::Bench(crate::bench::answer(request, &now_ms)));
            }
            ToWorker::Endpoint(command) => crate::endpoint::handle(command),
        }
    }

    async fn train(run_id: String, spec: &TrainSpec, data: Dataset, control: &Control) {
        let mut run = match TrainingRun::start(run_id, spec, &data) {
            Ok(run) => run,
            Err(failed) => return post(&failed),
        };
        drop(data);
        loop {
            match run.step(control, &now_ms, SLICE_MS) {
                Step::Continue(messages) => {
                    messages.iter().for_each(post);
                    yield_to_event_loop().await;
                }
                Step::Wait(messages) => {
                    messages.iter().for_each(post);
                    sleep_ms(PAUSE_POLL_MS).await;
                }
                Step::Done(messages) => return messages.iter().for_each(post),
            }
        }
    }

    /// A model request: a CSV to read is fetched first (the page hands it over by address, so
    /// megabytes of file never pass through the page's thread); the rest is answered at once.
    async fn answer(request: ModelRequest) -> Answer {
        match request {
            ModelRequest::ReadCsv { url } => {
                let bytes = fetch_bytes(&url).await?;
                SERVICE.with_borrow_mut(|service| service.read_csv(&bytes))
            }
            ModelRequest::OutlineWorkspace { url } => {
                let bytes = fetch_bytes(&url).await?;
                WorkspaceOutline::of(&bytes)
                    .map(|outline| ModelReply::WorkspaceOutlined(Box::new(outline)))
                    .map_err(|error| error.to_string())
            }
            request => SERVICE.with_borrow_mut(|service| service.answer(request)),
        }
    }

    /// A file the page handed over by address (a `blob:` URL).
    async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
        let unreadable = |_| "the file could not be read; choose it again".to_string();
        let response: web_sys::Response = JsFuture::from(scope().fetch_with_str(url))
            .await
            .map_err(unreadable)?
            .unchecked_into();
        if !response.ok() {
            return Err("the file could not be read; choose it again".into());
        }
        let buffer = JsFuture::from(response.array_buffer().map_err(unreadable)?)
            .await
            .map_err(unreadable)?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    /// Lets queued messages run. A message to ourselves is not clamped the way a nested
    /// `setTimeout(0)` is (4 ms), which would cost over 10% of a 30 ms slice.
    async fn yield_to_event_loop() {
        thread_local! {
            static CHANNEL: MessageChannel =
                MessageChannel::new().expect("workers can open message channels");
        }
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            CHANNEL.with(|channel| {
                channel.port1().set_onmessage(Some(&resolve));
                let _ = channel.port2().post_message(&JsValue::NULL);
            });
        });
        let _ = JsFuture::from(promise).await;
    }
}
