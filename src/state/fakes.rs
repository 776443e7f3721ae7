//! What the state layer's native tests run against, as Ruffle's null backends: a local
//! executor for `spawn_local`, a clock the test moves, and fake workers that record what they
//! are sent and answer model requests with canned replies.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::executor::{LocalPool, LocalSpawner};
use futures::task::LocalSpawnExt;
use kindling_core::protocol::{FromWorker, ModelReply, ModelRequest, ToWorker};
use kindling_core::registry::gates::{CheckKind, CheckResult};
use leptos::prelude::Owner;

use super::data::ServedFiles;
use super::training::{SpawnTrainer, TrainerEvent, TrainerLink};

thread_local! {
    static POOL: RefCell<LocalPool> = RefCell::new(LocalPool::new());
    /// Spawns into the pool even while it runs (a task that spawns another).
    static SPAWNER: LocalSpawner = POOL.with_borrow(LocalPool::spawner);
    static NOW_MS: Cell<f64> = const { Cell::new(1_000.0) };
}

struct PoolExecutor;

impl any_spawner::CustomExecutor for PoolExecutor {
    fn spawn(&self, future: any_spawner::PinnedFuture<()>) {
        self.spawn_local(future);
    }

    fn spawn_local(&self, future: any_spawner::PinnedLocalFuture<()>) {
        SPAWNER.with(|spawner| {
            spawner
                .spawn_local(future)
                .expect("the test's pool is running");
        });
    }

    /// The pool is run by [`settle`], between a test's steps.
    fn poll_local(&self) {}
}

/// Runs `test` inside a reactive owner with a local executor: one per test thread.
pub fn with_runtime(test: impl FnOnce()) {
    // The executor's dispatch is set once per process; each test thread brings its own pool.
    let _ = any_spawner::Executor::init_local_custom_executor(PoolExecutor);
    let owner = Owner::new();
    owner.with(test);
}

/// Runs every spawned task until none can make progress (the fakes answer at once).
pub fn settle() {
    POOL.with(|pool| {
        if let Ok(mut pool) = pool.try_borrow_mut() {
            pool.run_until_stalled();
        }
    });
}

/// Runs a future to its end, with every task it spawns.
pub fn run<T: 'static>(future: impl Future<Output = T> + 'static) -> T {
    let result = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&result);
    leptos::task::spawn_local(async move {
        *slot.borrow_mut() = Some(future.await);
    });
    settle();
    result
        .borrow_mut()
        .take()
        .expect("the future finished: every fake answers at once")
}

pub fn now_ms() -> f64 {
    NOW_MS.get()
}

pub fn advance_ms(duration_ms: f64) {
    NOW_MS.set(NOW_MS.get() + duration_ms);
}

pub fn random_u32() -> u32 {
    7
}

/// The served files, read from the repository's `assets/` as the app serves them.
pub struct AssetFiles;

impl ServedFiles for AssetFiles {
    fn read<'a>(
        &'a self,
        path: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<u8>, String>> + 'a>> {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(path);
        Box::pin(async move { std::fs::read(&file).map_err(|error| error.to_string()) })
    }
}

/// How a worker reports to the page.
type OnEvent = Rc<dyn Fn(TrainerEvent)>;

/// One fake worker as the page sees it: what it was sent, and its event callback so a test
/// can speak for it.
#[derive(Default)]
pub struct FakeWorker {
    pub sent: RefCell<Vec<ToWorker>>,
    on_event: RefCell<Option<OnEvent>>,
    pub spawned: Cell<usize>,
}

impl FakeWorker {
    /// A spawner whose workers report here. Model requests are answered on the next turn of
    /// the executor, as a real worker answers from its own event loop.
    pub fn spawner(self: &Rc<Self>) -> SpawnTrainer {
        let worker = Rc::clone(self);
        Rc::new(move |on_event| {
            worker.spawned.set(worker.spawned.get() + 1);
            *worker.on_event.borrow_mut() = Some(on_event);
            Ok(Box::new(Link(Rc::clone(&worker))) as Box<dyn TrainerLink>)
        })
    }

    /// Delivers a message as if the worker had posted it.
    pub fn say(&self, message: FromWorker) {
        let on_event = self
            .on_event
            .borrow()
            .clone()
            .expect("a worker was spawned");
        on_event(TrainerEvent::Message(message));
    }

    /// The worker goes away as if its script failed.
    pub fn lose(&self, reason: &str) {
        let on_event = self
            .on_event
            .borrow()
            .clone()
            .expect("a worker was spawned");
        on_event(TrainerEvent::Lost(reason.to_owned()));
    }
}

struct Link(Rc<FakeWorker>);

impl TrainerLink for Link {
    fn send(&self, message: &ToWorker) -> Result<(), String> {
        self.0.sent.borrow_mut().push(message.clone());
        if let ToWorker::Model {
            request_id,
            request,
        } = message
        {
            let result = canned_reply(request);
            let worker = Rc::clone(&self.0);
            let request_id = *request_id;
            leptos::task::spawn_local(async move {
                worker.say(FromWorker::Reply { request_id, result });
            });
        }
        Ok(())
    }
}

/// What a model worker answers, without a model: every check passes, a package is a few
/// bytes naming its version.
fn canned_reply(request: &ModelRequest) -> Result<ModelReply, String> {
    match request {
        ModelRequest::Check { .. } => Ok(ModelReply::Checks(vec![CheckResult {
            kind: CheckKind::Automatic,
            name: "finite weights".into(),
            passed: true,
            value: None,
            threshold: None,
            detail: String::new(),
        }])),
        ModelRequest::Package { version, .. } => Ok(ModelReply::Package {
            bytes: format!("package of {} v{}", version.model, version.version).into_bytes(),
            weights_sha256: "ee".repeat(32),
        }),
        other => Err(format!("the fake model worker does not answer {other:?}")),
    }
}
