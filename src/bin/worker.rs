//! The trainer: a dedicated Web Worker that trains with kindling-ml and talks to the UI with
//! kindling-core's protocol. It never links the UI; this file is only the message pump.
//!
//! Training runs in slices of about [`SLICE_MS`]; between slices the worker returns to its
//! event loop, so Pause, Resume and Stop are heard within one slice.
//!
//! For a classifier on two features it also sends the decision boundary between slices, at a
//! bounded rate, and once more before `Finished`.

#[cfg(target_arch = "wasm32")]
fn main() {
    trainer::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the trainer runs inside a browser worker; build it for wasm32 with Trunk");
}

#[cfg(target_arch = "wasm32")]
mod trainer {
    use std::cell::Cell;
    use std::rc::Rc;

    use kindling_core::data::{Dataset, Task};
    use kindling_core::protocol::{BoundaryGrid, FromWorker, RunOutcome, ToWorker};
    use kindling_core::spec::TrainSpec;
    use kindling_ml::Trainer;
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

    /// Long enough that per-slice overhead is small, short enough that Stop feels immediate.
    const SLICE_MS: f64 = 30.0;
    /// How often a paused run checks whether it may go on.
    const PAUSE_POLL_MS: i32 = 50;
    /// Often enough that the boundary visibly moves, rarely enough that drawing it (one pass
    /// over 1,600 points, a few ms) costs training little.
    const BOUNDARY_EVERY_MS: f64 = 250.0;
    /// Cells per side: 40 × 40 is smooth enough under a few hundred points.
    const BOUNDARY_RESOLUTION: usize = 40;

    /// What the UI has asked of the run in progress, read between slices.
    #[derive(Default)]
    struct Control {
        busy: Cell<bool>,
        paused: Cell<bool>,
        stop: Cell<bool>,
    }

    fn scope() -> DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }

    /// The worker's monotonic clock, in milliseconds.
    fn now_ms() -> f64 {
        scope()
            .performance()
            .expect("workers have a performance clock")
            .now()
    }

    fn post(message: &FromWorker) {
        // Posting only fails when the page is gone, and then nobody is left to tell.
        let _ = scope().post_message(&JsValue::from_str(&message.to_json()));
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
            let Some(text) = event.data().as_string() else {
                return;
            };
            match ToWorker::from_json(&text) {
                Ok(message) => handle(message, &control),
                Err(error) => web_sys::console::error_1(&JsValue::from_str(&error.to_string())),
            }
        });
        scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        post(&FromWorker::Ready);
    }

    fn handle(message: ToWorker, control: &Rc<Control>) {
        match message {
            ToWorker::Train { run_id, spec, data } => {
                if control.busy.replace(true) {
                    post(&FromWorker::Failed {
                        run_id,
                        reason: "another run is still training; stop it first".into(),
                    });
                    return;
                }
                control.paused.set(false);
                control.stop.set(false);
                let control = Rc::clone(control);
                wasm_bindgen_futures::spawn_local(async move {
                    train(run_id, spec, data, &control).await;
                    control.busy.set(false);
                });
            }
            ToWorker::Pause => control.paused.set(true),
            ToWorker::Resume => control.paused.set(false),
            ToWorker::Stop => control.stop.set(true),
            ToWorker::Model {
                request_id,
                request,
            } => wasm_bindgen_futures::spawn_local(async move {
                let result = models::answer(*request).await;
                post(&FromWorker::Reply { request_id, result });
            }),
            ToWorker::Bench(request) => post(&FromWorker::Bench(bench::answer(request))),
        }
    }

    async fn train(run_id: String, spec: Box<TrainSpec>, data: Dataset, control: &Control) {
        let mut trainer = match Trainer::new(&spec, &data) {
            Ok(trainer) => trainer,
            Err(error) => {
                return post(&FromWorker::Failed {
                    run_id,
                    reason: error.to_string(),
                });
            }
        };
        let mut boundary = Boundary::for_data(&data);
        drop(data);
        let mut epoch = 0;
        let outcome = loop {
            if control.stop.get() {
                break RunOutcome::Stopped;
            }
            if control.paused.get() {
                post(&FromWorker::Paused {
                    run_id: run_id.clone(),
                });
                while control.paused.get() && !control.stop.get() {
                    sleep_ms(PAUSE_POLL_MS).await;
                }
                post(&FromWorker::Resumed {
                    run_id: run_id.clone(),
                });
                continue;
            }
            let slice = match trainer.run_slice(&now_ms, SLICE_MS) {
                Ok(slice) => slice,
                Err(error) => {
                    return post(&FromWorker::Failed {
                        run_id,
                        reason: error.to_string(),
                    });
                }
            };
            if let Some(last) = slice.epochs.last() {
                epoch = last.epoch;
            }
            post(&FromWorker::Progress {
                run_id: run_id.clone(),
                epochs: slice.epochs,
                fraction_done: trainer.fraction_done(),
            });
            if let Some(boundary) = &mut boundary
                && now_ms() - boundary.sent_at_ms >= BOUNDARY_EVERY_MS
            {
                boundary.send(&run_id, epoch, &trainer, now_ms());
            }
            if slice.done {
                break if trainer.stopped_early() {
                    RunOutcome::EarlyStopped
                } else {
                    RunOutcome::Completed
                };
            }
            yield_to_event_loop().await;
        };
        if let Some(boundary) = &mut boundary {
            boundary.send(&run_id, epoch, &trainer, now_ms());
        }
        post(&FromWorker::Finished {
            run_id,
            outcome,
            evaluation: Box::new(trainer.evaluate()),
            model: trainer.trained_model().run_model().ok().map(Box::new),
        });
    }

    /// Measurements for `cargo xtask bench`, run synchronously: nothing else is going on.
    mod bench {
        use core::arch::wasm32::{f32x4, f32x4_add, f32x4_extract_lane, f32x4_mul, v128};

        use kindling_core::protocol::{BenchReply, BenchRequest};
        use kindling_ml::bench::{samples_per_second, workloads};

        pub fn answer(request: BenchRequest) -> BenchReply {
            match request {
                BenchRequest::Workload { id, backend } => {
                    match workloads().into_iter().find(|workload| workload.id == id) {
                        Some(workload) => BenchReply::Workload {
                            samples_per_s: samples_per_second(&workload, backend, &super::now_ms),
                            id,
                            backend,
                        },
                        None => BenchReply::Failed(format!("no workload is called {id}")),
                    }
                }
                BenchRequest::SimdPeak => BenchReply::SimdPeak {
                    gflops: simd_peak_gflops(),
                },
            }
        }

        /// Eight independent f32x4 multiply-add chains (enough to hide the latency); 2 FLOPs per
        /// lane per step. wasm SIMD128 has no fused multiply-add, so this is the peak the
        /// trainer's kernels can reach too. The kernel is called many times, and the first calls
        /// are not timed: V8 starts wasm in its baseline compiler and swaps in optimised code
        /// only between calls.
        ///
        /// The loop's two constants come from `black_box`: left as literals, wasm-opt writes them
        /// into the loop body as 16 `v128.const`s, which V8 (Chromium 148) rebuilds from
        /// immediates on every step, and the "peak" read 6.4 GFLOP/s instead of 34.
        fn simd_peak_gflops() -> f64 {
            const STEPS: usize = 100_000;
            const WARM_UP_CALLS: usize = 200;
            const TIMED_CALLS: usize = 400;
            let mut checksum = 0.0;
            for _ in 0..WARM_UP_CALLS {
                checksum += std::hint::black_box(chains(std::hint::black_box(STEPS)));
            }
            let start_ms = super::now_ms();
            for _ in 0..TIMED_CALLS {
                checksum += std::hint::black_box(chains(std::hint::black_box(STEPS)));
            }
            let elapsed_ms = super::now_ms() - start_ms;
            std::hint::black_box(checksum);
            let flops = (TIMED_CALLS * STEPS * 8 * 4 * 2) as f64;
            flops / (elapsed_ms / 1000.0) / 1e9
        }

        #[inline(never)]
        fn chains(steps: usize) -> f32 {
            let scale = std::hint::black_box(f32x4(0.999_999, 0.999_998, 0.999_997, 0.999_996));
            let offset = std::hint::black_box(f32x4(1e-7, 2e-7, 3e-7, 4e-7));
            let mut chains: [v128; 8] = [f32x4(1.0, 1.0, 1.0, 1.0); 8];
            for _ in 0..steps {
                for chain in &mut chains {
                    *chain = f32x4_add(f32x4_mul(*chain, scale), offset);
                }
            }
            // Every chain is read, so the loop cannot be optimised away.
            chains.iter().map(|c| f32x4_extract_lane::<0>(*c)).sum()
        }
    }

    /// Requests about trained models: each is answered at once, between training slices.
    mod models {
        use std::cell::RefCell;
        use std::collections::HashMap;

        use kindling_core::data::csv::{Table, read_table};
        use kindling_core::protocol::{CsvPreview, ModelReply, ModelRequest, ModelSource};
        use kindling_ml::{TrainedModel, automatic_checks, build_package, open_package};
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;

        /// A file the page handed over by address (a `blob:` URL).
        async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
            let unreadable = |_| "the file could not be read; choose it again".to_string();
            let response: web_sys::Response = JsFuture::from(super::scope().fetch_with_str(url))
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

        /// The playground asks about the same model again and again; a few stay loaded.
        const KEPT_MODELS: usize = 4;

        thread_local! {
            static LOADED: RefCell<HashMap<String, TrainedModel>> = RefCell::new(HashMap::new());
            /// The CSV file the import preview shows, until it is imported or another is read.
            static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
        }

        fn load(source: ModelSource) -> Result<TrainedModel, String> {
            match source {
                ModelSource::Run(model) => {
                    TrainedModel::from_run_model(&model).map_err(|e| e.to_string())
                }
                ModelSource::Package(bytes) => open_package(&bytes)
                    .map(|(_, model)| model)
                    .map_err(|e| e.to_string()),
            }
        }

        pub async fn answer(request: ModelRequest) -> Result<ModelReply, String> {
            match request {
                ModelRequest::Check { source, registered } => {
                    let model = load(source)?;
                    Ok(ModelReply::Checks(automatic_checks(
                        &model,
                        registered.as_ref(),
                    )))
                }
                ModelRequest::Package { source, version } => {
                    let model = load(source)?;
                    let (bytes, weights_sha256) =
                        build_package(&version, &model).map_err(|e| e.to_string())?;
                    Ok(ModelReply::Package {
                        bytes,
                        weights_sha256,
                    })
                }
                ModelRequest::Open { bytes } => {
                    let (opened, _) = open_package(&bytes).map_err(|e| e.to_string())?;
                    Ok(ModelReply::Opened {
                        manifest: Box::new(opened.manifest),
                        sha256: opened.sha256,
                    })
                }
                ModelRequest::Predict { key, source, rows } => {
                    let loaded = LOADED.with_borrow(|loaded| loaded.get(&key).cloned());
                    let model = match (loaded, source) {
                        (Some(model), _) => model,
                        (None, None) => return Ok(ModelReply::NotLoaded),
                        (None, Some(source)) => {
                            let model = load(source)?;
                            LOADED.with_borrow_mut(|loaded| {
                                if loaded.len() >= KEPT_MODELS {
                                    loaded.clear();
                                }
                                loaded.insert(key, model.clone());
                            });
                            model
                        }
                    };
                    let width = model.signature().input_size();
                    if width == 0 || rows.len() % width != 0 {
                        return Err(format!(
                            "the model takes {width} values per row; {} values do not make whole rows",
                            rows.len()
                        ));
                    }
                    Ok(ModelReply::Predictions(model.predict(&rows)))
                }
                ModelRequest::ReadCsv { url } => {
                    TABLE.set(None);
                    let bytes = fetch_bytes(&url).await?;
                    let table = read_table(&bytes).map_err(|e| e.to_string())?;
                    let preview = CsvPreview {
                        row_count: table.row_count(),
                        columns: table.profile(),
                        suggested_tasks: table
                            .header
                            .iter()
                            .map(|column| table.suggested_task(column).ok())
                            .collect(),
                    };
                    TABLE.set(Some(table));
                    Ok(ModelReply::CsvRead(Box::new(preview)))
                }
                ModelRequest::ImportCsv { name, options } => {
                    let import = TABLE.with_borrow(|table| {
                        table
                            .as_ref()
                            .ok_or("the file is no longer open here: choose it again")?
                            .to_dataset(&name, &options)
                            .map_err(|e| e.to_string())
                    })?;
                    Ok(ModelReply::CsvImported {
                        dataset: Box::new(import.dataset),
                        dropped_rows: import.dropped_rows,
                        ignored_columns: import
                            .ignored_columns
                            .into_iter()
                            .map(|(name, _)| name)
                            .collect(),
                    })
                }
            }
        }
    }

    /// The decision boundary of a run on 2-D classification data: where to ask the model, fixed
    /// from the data at the start so the frame does not jump, and when it was last sent.
    struct Boundary {
        frame: (f64, f64, f64, f64),
        centres: Vec<f32>,
        sent_at_ms: f64,
    }

    impl Boundary {
        fn for_data(data: &Dataset) -> Option<Self> {
            if data.feature_count() != 2 || data.task() != Task::Classification {
                return None;
            }
            let frame = BoundaryGrid::frame(&data.features);
            Some(Self {
                frame,
                centres: BoundaryGrid::cell_centres(frame, BOUNDARY_RESOLUTION),
                // The first slice sends one, so a boundary shows as soon as training starts.
                sent_at_ms: f64::NEG_INFINITY,
            })
        }

        fn send(&mut self, run_id: &str, epoch: usize, trainer: &Trainer, now_ms: f64) {
            let (x_min, x_max, y_min, y_max) = self.frame;
            post(&FromWorker::Boundary {
                run_id: run_id.to_owned(),
                epoch,
                grid: BoundaryGrid {
                    x_min,
                    x_max,
                    y_min,
                    y_max,
                    resolution: BOUNDARY_RESOLUTION,
                    cells: trainer.predict_grid(&self.centres),
                },
            });
            self.sent_at_ms = now_ms;
        }
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
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    async fn sleep_ms(duration_ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let _ = scope()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, duration_ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}
