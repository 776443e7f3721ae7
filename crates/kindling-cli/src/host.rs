//! The command line's side of a pipeline run ([`PipelineHost`]): data from the binary, the
//! generator or a file beside the pipeline; trials on threads; gates, versions and aliases in
//! the store folder. Every finished trial, version and alias move is written to the folder as
//! it happens, and the pipeline run after every step, so Ctrl-C loses only what was running.
//!
//! Every future here is ready when first polled (training blocks this thread while the trial
//! threads work), so core's `block_on` drives the runner without an async runtime.

use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;

use kindling_core::data::Dataset;
use kindling_core::pipeline::file::{DataSource, Pipeline};
use kindling_core::pipeline::record::PipelineRun;
use kindling_core::pipeline::runner::{HostFuture, PipelineHost, TrainRequest};
use kindling_core::pipeline::store::PipelineStore;
use kindling_core::registry::ModelVersion;
use kindling_core::registry::gates::{Gate, GateReport};
use kindling_core::registry::store::RegistryStore;
use kindling_core::storage::StoreError;
use kindling_core::tracking::contract::block_on;
use kindling_core::tracking::store::RunStore;
use kindling_core::tracking::{RunRecord, StoredDataset};

use crate::clock::{new_id, now_ms};
use crate::progress::Progress;
use crate::store::Store;
use crate::{data, registry, training};

pub struct NativeHost<'a> {
    store: &'a Store,
    /// The pipeline file's folder: a `[data] csv` path is relative to it.
    base_dir: PathBuf,
    /// `--parallel`, which overrides the file's `[sweep] parallel`.
    parallel: Option<usize>,
    progress: &'a Progress,
    /// The data this run loaded, for the checks that retrain and rescore a recipe.
    loaded: RefCell<Option<Dataset>>,
    /// The first failure to write the store folder, said once.
    write_failure: RefCell<Option<String>>,
}

fn words(error: StoreError) -> String {
    error.to_string()
}

impl<'a> NativeHost<'a> {
    pub fn new(
        store: &'a Store,
        base_dir: PathBuf,
        parallel: Option<usize>,
        progress: &'a Progress,
    ) -> Self {
        Self {
            store,
            base_dir,
            parallel,
            progress,
            loaded: RefCell::new(None),
            write_failure: RefCell::new(None),
        }
    }

    /// The first failure to write the store folder, if any.
    pub fn write_failure(&self) -> Option<String> {
        self.write_failure.borrow().clone()
    }

    fn note_failure(&self, written: Result<(), String>) {
        if let Err(error) = written {
            let mut failure = self.write_failure.borrow_mut();
            if failure.is_none() {
                let _ = writeln!(std::io::stderr().lock(), "warning: {error}");
                *failure = Some(error);
            }
        }
    }

    fn save_workspace(&self) -> Result<(), String> {
        self.store.save_workspace(now_ms())
    }

    async fn train_all(
        &self,
        data: &Dataset,
        requests: Vec<TrainRequest>,
        parallel: usize,
    ) -> Result<Vec<RunRecord>, String> {
        let memory = self.store.memory();
        let mut runs = Vec::with_capacity(requests.len());
        for request in &requests {
            let mut run = RunRecord::new(
                request.run_id.clone(),
                request.name.clone(),
                request.spec.clone(),
                data,
                now_ms(),
            );
            run.tags = request.tags.iter().cloned().collect();
            run.experiment = request.experiment.clone();
            memory.save_run(&run).await.map_err(words)?;
            runs.push(run);
        }
        self.progress.training(requests.len(), parallel);
        let specs: Vec<_> = requests.into_iter().map(|request| request.spec).collect();
        let mut failure = None;
        training::train_all(data, &specs, parallel, |index, trained| {
            let run = &mut runs[index];
            trained.record_into(run, now_ms());
            let stored = block_on(async {
                memory.append_epochs(run, &trained.epochs).await?;
                memory
                    .finish_run(run, trained.evaluation(), trained.model())
                    .await
            });
            match stored {
                Ok(()) => self.note_failure(self.save_workspace()),
                Err(error) => failure = failure.take().or(Some(words(error))),
            }
            self.progress.trial(run);
        });
        match failure {
            Some(error) => Err(format!("the trained runs could not be stored: {error}")),
            None => Ok(runs),
        }
    }
}

impl PipelineHost for NativeHost<'_> {
    fn now_ms(&self) -> f64 {
        now_ms()
    }

    fn new_run_id(&self) -> String {
        new_id("run")
    }

    fn load<'b>(&'b self, pipeline: &'b Pipeline) -> HostFuture<'b, Dataset> {
        Box::pin(async move {
            let data = data::of_source(&pipeline.data, &self.base_dir)?;
            if matches!(pipeline.data, DataSource::Csv { .. }) {
                // Kept as the browser keeps an upload, so the runs can be repeated from the
                // workspace file there.
                let stored = StoredDataset::new(data.clone(), now_ms());
                self.store
                    .memory()
                    .save_dataset(&stored)
                    .await
                    .map_err(words)?;
            }
            *self.loaded.borrow_mut() = Some(data.clone());
            Ok(data)
        })
    }

    fn train<'b>(
        &'b self,
        data: &'b Dataset,
        requests: Vec<TrainRequest>,
        parallel: Option<usize>,
    ) -> HostFuture<'b, Vec<RunRecord>> {
        let parallel = self
            .parallel
            .or(parallel)
            .unwrap_or_else(training::cores)
            .max(1);
        Box::pin(self.train_all(data, requests, parallel))
    }

    fn run<'b>(&'b self, id: &'b str) -> HostFuture<'b, Option<RunRecord>> {
        Box::pin(async move { self.store.memory().run(id).await.map_err(words) })
    }

    fn gate<'b>(
        &'b self,
        run: &'b RunRecord,
        model: Option<&'b str>,
        gates: &'b [Gate],
    ) -> HostFuture<'b, GateReport> {
        Box::pin(async move {
            let loaded = self.loaded.borrow().clone();
            registry::judge(self.store.memory(), run, loaded.as_ref(), model, gates).await
        })
    }

    fn champion<'b>(&'b self, model: &'b str) -> HostFuture<'b, Option<(u32, String)>> {
        Box::pin(async move {
            let champion = registry::champion(self.store.memory(), model).await?;
            Ok(champion.map(|version| (version.version, version.lineage.run_id)))
        })
    }

    fn register<'b>(
        &'b self,
        run: &'b RunRecord,
        model: &'b str,
        gates: &'b [Gate],
        report: &'b GateReport,
    ) -> HostFuture<'b, ModelVersion> {
        Box::pin(async move {
            let (version, package) =
                registry::register(self.store.memory(), run, model, gates, report, now_ms())
                    .await?;
            self.save_workspace()?;
            self.store.write_package(&version, &package)?;
            Ok(version)
        })
    }

    fn version_of_run<'b>(
        &'b self,
        model: &'b str,
        run_id: &'b str,
    ) -> HostFuture<'b, Option<u32>> {
        Box::pin(async move {
            let versions = self.store.memory().versions().await.map_err(words)?;
            Ok(versions
                .iter()
                .find(|version| version.model == model && version.lineage.run_id == run_id)
                .map(|version| version.version))
        })
    }

    fn alias<'b>(&'b self, model: &'b str, alias: &'b str) -> HostFuture<'b, Option<u32>> {
        Box::pin(async move {
            let model = registry::model(self.store.memory(), model).await?;
            Ok(model.and_then(|model| model.aliases.get(alias).copied()))
        })
    }

    fn promote<'b>(
        &'b self,
        model: &'b str,
        alias: &'b str,
        version: u32,
        reason: String,
    ) -> HostFuture<'b, ()> {
        Box::pin(async move {
            registry::promote(
                self.store.memory(),
                model,
                alias,
                version,
                &reason,
                now_ms(),
            )
            .await?;
            self.save_workspace()
        })
    }

    fn report(&self, run: &PipelineRun) {
        self.progress.report(run);
        let saved = block_on(self.store.memory().save_pipeline_run(run)).map_err(words);
        self.note_failure(saved.and_then(|()| self.store.save_pipelines()));
    }

    fn stop_requested(&self) -> bool {
        // Ctrl-C ends the process; the next command marks the run interrupted.
        false
    }
}
