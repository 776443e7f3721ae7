//! Rayon's threads as Web Workers, for the threaded trainer (`--features threads`, built by
//! `bench/threads/build.sh` only to measure it; BENCHMARKS.md, "more than one core"). Each pool
//! thread is a worker (`bench/threads/thread_loader.js`) that instantiates this same module on
//! the trainer's shared memory and runs the work rayon gives it. Shared memory needs a
//! cross-origin isolated page; the pool is up before the trainer says Ready.

use std::cell::RefCell;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Worker, WorkerOptions};

/// The script each pool thread starts from; served beside the trainer.
const THREAD_URL: &str = "/thread_loader.js";

/// What a pool thread runs: rayon's loop for that thread.
type Work = Box<dyn FnOnce() + Send>;

/// Where the pool threads wait for their work, shared by every one of them.
type Inbox = Arc<Mutex<Receiver<Work>>>;

thread_local! {
    /// The pool's workers, kept so none is collected while it works.
    static WORKERS: RefCell<Vec<Worker>> = const { RefCell::new(Vec::new()) };
}

/// Starts `count` workers, waits until each has loaded, then builds rayon's global pool on
/// them. The order matters: rayon's `build_global` blocks until every thread runs, and a worker
/// started from this thread cannot load while this thread blocks.
pub async fn start_pool(count: usize) -> Result<(), String> {
    let (sender, receiver) = channel::<Work>();
    let inbox: Inbox = Arc::new(Mutex::new(receiver));
    for _ in 0..count {
        let options = WorkerOptions::new();
        options.set_name("kindling-thread");
        let worker = Worker::new_with_options(THREAD_URL, &options)
            .map_err(|_| "a pool thread could not be started".to_owned())?;
        let loaded = js_sys::Promise::new(&mut |resolve, reject| {
            worker.set_onmessage(Some(&resolve));
            worker.set_onerror(Some(&reject));
        });
        let pointer = Arc::into_raw(Arc::clone(&inbox)) as u32;
        let message = js_sys::Array::of3(
            &wasm_bindgen::module(),
            &wasm_bindgen::memory(),
            &JsValue::from(pointer),
        );
        worker
            .post_message(&message)
            .map_err(|_| "a pool thread could not be reached".to_owned())?;
        JsFuture::from(loaded)
            .await
            .map_err(|_| "a pool thread could not load the trainer".to_owned())?;
        WORKERS.with_borrow_mut(|workers| workers.push(worker));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(count)
        .spawn_handler(|thread| {
            sender
                .send(Box::new(move || thread.run()))
                .map_err(|_| std::io::Error::other("the pool threads are gone"))
        })
        .build_global()
        .map_err(|error| error.to_string())
}

/// Called by `thread_loader.js` in a pool thread with the inbox [`start_pool`] sent it: waits
/// for this thread's work (a worker may block; the page may not) and runs it.
#[wasm_bindgen]
pub fn kindling_thread_entry(pointer: u32) {
    // SAFETY: `pointer` is a clone of the `Inbox` that `start_pool` turned into a raw pointer
    // for exactly this thread, and each thread is sent its own clone once.
    let inbox = unsafe { Inbox::from_raw(pointer as *const Mutex<Receiver<Work>>) };
    let work = inbox.lock().ok().and_then(|receiver| receiver.recv().ok());
    drop(inbox);
    if let Some(work) = work {
        work();
    }
}

/// Whether this module is running as a pool thread, where `main` must not start the pump.
pub fn is_pool_thread() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"__kindlingThread".into()).unwrap_or(false)
}
