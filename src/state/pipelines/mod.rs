//! Pipelines as app-wide state: the stored pipeline files, every run of them, and the one
//! running now. A run outlives page changes like a training run does; each change to its
//! record is shown at once and stored, so a reload finds every finished step (and the run
//! itself marked interrupted, resumable by running again).

mod host;
mod pool;
mod starter;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use kindling_core::data::Dataset;
use kindling_core::package::sha256_hex;
use kindling_core::pipeline::file::{DataSource, parse};
use kindling_core::pipeline::record::{PipelineRun, StoredPipeline, Trigger};
use kindling_core::pipeline::runner::run_pipeline;
use kindling_core::pipeline::store::SharedPipelines;
use kindling_core::spec::DatasetSpec;
use kindling_core::storage::StoreError;
use kindling_core::tracking::DatasetEntry;
use leptos::prelude::*;

use crate::state::data::ServedFiles;
use crate::state::opening::Opening;
use crate::state::registry::Registry;
use crate::state::training::SpawnTrainer;
use crate::state::workbench::Workbench;
use host::BrowserHost;
use pool::Pool;

/// Trials at once by default: the browser's cores, but no more than this many workers.
pub const MAX_PARALLEL: usize = 8;

#[derive(Clone, Copy)]
pub struct Pipelines {
    store: StoredValue<Option<Rc<dyn SharedPipelines>>, LocalStorage>,
    pub list: RwSignal<Vec<StoredPipeline>>,
    /// Every run of every pipeline, oldest first.
    pub runs: RwSignal<Vec<PipelineRun>>,
    /// The pipeline run in progress in this tab.
    pub running: RwSignal<Option<String>>,
    /// How many trials train at once when a file does not say.
    pub parallel: RwSignal<usize>,
    pub loaded: RwSignal<bool>,
    /// The latest storage failure, in words.
    pub error: RwSignal<Option<String>>,
    stop: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    opening: Opening,
    workbench: Workbench,
    registry: Registry,
    files: StoredValue<Rc<dyn ServedFiles>, LocalStorage>,
    spawn: StoredValue<SpawnTrainer, LocalStorage>,
    now_ms: fn() -> f64,
    random_u32: fn() -> u32,
}

/// A run started to retrain a deployed model.
#[derive(Default)]
pub struct Retrain {
    /// The data to train on instead of the file's `[data]`, already stored as an upload.
    pub data: Option<Dataset>,
    /// The alias to promote to instead of the file's (`challenger`, for a person to approve).
    pub alias: Option<String>,
}

/// What the runner needs from the app, gathered once.
pub struct PipelineDeps {
    pub workbench: Workbench,
    pub registry: Registry,
    pub files: Rc<dyn ServedFiles>,
    pub spawn: SpawnTrainer,
    pub now_ms: fn() -> f64,
    pub random_u32: fn() -> u32,
    pub cores: usize,
}

impl Pipelines {
    pub fn new(deps: PipelineDeps) -> Self {
        Self {
            store: StoredValue::new_local(None),
            list: RwSignal::new(Vec::new()),
            runs: RwSignal::new(Vec::new()),
            running: RwSignal::new(None),
            parallel: RwSignal::new(deps.cores.clamp(1, MAX_PARALLEL)),
            loaded: RwSignal::new(false),
            error: RwSignal::new(None),
            stop: StoredValue::new_local(Rc::new(Cell::new(false))),
            opening: Opening::default(),
            workbench: deps.workbench,
            registry: deps.registry,
            files: StoredValue::new_local(deps.files),
            spawn: StoredValue::new_local(deps.spawn),
            now_ms: deps.now_ms,
            random_u32: deps.random_u32,
        }
    }

    /// Adopts the opened store: runs a closed page left going become interrupted, then
    /// everything is listed.
    pub async fn attach(&self, store: Rc<dyn SharedPipelines>) {
        let loaded = async {
            store.interrupt_unfinished().await?;
            let list = store.pipelines().await?;
            let mut runs = Vec::new();
            for pipeline in &list {
                runs.extend(store.pipeline_runs(&pipeline.name).await?);
            }
            Ok::<_, StoreError>((list, runs))
        }
        .await;
        match loaded {
            Ok((list, runs)) => {
                self.list.set(list);
                self.runs.set(runs);
                self.store.set_value(Some(store));
            }
            Err(error) => self.error.set(Some(error.to_string())),
        }
        self.loaded.set(true);
        self.opening.settle();
    }

    pub fn without_store(&self) {
        self.loaded.set(true);
        self.opening.settle();
    }

    async fn opened_store(&self) -> Result<Rc<dyn SharedPipelines>, String> {
        self.opening.settled().await;
        self.store.get_value().ok_or_else(|| {
            "pipelines cannot be kept: the browser's storage is not available".to_owned()
        })
    }

    pub fn pipeline(&self, name: &str) -> Option<StoredPipeline> {
        self.list
            .with(|list| list.iter().find(|p| p.name == name).cloned())
    }

    /// Stores a pipeline file (replacing the one of its name, whose learnt schema it keeps),
    /// or says what is wrong with it. Returns its name.
    pub async fn save_text(&self, text: String) -> Result<String, String> {
        let pipeline = parse(&text).map_err(|error| error.to_string())?;
        if self.is_running(&pipeline.name) {
            return Err(format!(
                "pipeline \"{}\" is running; stop it before changing its file",
                pipeline.name
            ));
        }
        let now_ms = (self.now_ms)();
        let stored = match self
            .list
            .with_untracked(|list| list.iter().find(|p| p.name == pipeline.name).cloned())
        {
            Some(mut existing) => {
                existing.text = text;
                existing.updated_ms = now_ms;
                existing
            }
            None => StoredPipeline {
                name: pipeline.name.clone(),
                text,
                created_ms: now_ms,
                updated_ms: now_ms,
                schema: None,
                last_profile: None,
            },
        };
        self.opened_store()
            .await?
            .save_pipeline(&stored)
            .await
            .map_err(|error| error.to_string())?;
        self.put_in_list(stored);
        Ok(pipeline.name)
    }

    fn put_in_list(&self, stored: StoredPipeline) {
        self.list.update(
            |list| match list.iter_mut().find(|p| p.name == stored.name) {
                Some(listed) => *listed = stored,
                None => {
                    list.push(stored);
                    list.sort_by(|a, b| a.name.cmp(&b.name));
                }
            },
        );
    }

    /// Deletes a pipeline and its run records (its tracked runs and versions stay).
    pub async fn delete(&self, name: &str) -> Result<(), String> {
        if self.is_running(name) {
            return Err("stop the pipeline before deleting it".into());
        }
        self.opened_store()
            .await?
            .delete_pipeline(name)
            .await
            .map_err(|error| error.to_string())?;
        self.list.update(|list| list.retain(|p| p.name != name));
        self.runs
            .update(|runs| runs.retain(|run| run.pipeline != name));
        Ok(())
    }

    fn is_running(&self, name: &str) -> bool {
        let running = self.running.get_untracked();
        running.is_some_and(|id| {
            self.runs
                .with_untracked(|runs| runs.iter().any(|run| run.id == id && run.pipeline == name))
        })
    }

    /// Starts a run of the named pipeline. Only one pipeline runs at a time in a tab: its
    /// trials already use every core.
    pub fn start(&self, name: &str, trigger: Trigger) -> Result<String, String> {
        self.start_with(name, trigger, Retrain::default())
    }

    /// Starts a run as [`Pipelines::start`] does, on `retrain`'s data and alias when it
    /// gives them.
    pub fn start_with(
        &self,
        name: &str,
        trigger: Trigger,
        retrain: Retrain,
    ) -> Result<String, String> {
        if self.running.get_untracked().is_some() {
            return Err("a pipeline is already running; wait for it or stop it".into());
        }
        let stored = self
            .pipeline(name)
            .ok_or_else(|| format!("there is no pipeline \"{name}\""))?;
        let mut pipeline = parse(&stored.text).map_err(|error| error.to_string())?;
        if let (Some(alias), Some(promotion)) = (retrain.alias, pipeline.promote.as_mut()) {
            promotion.alias = Some(alias);
        }
        // Given data is a stored upload (the caller saved it), so its runs' recipes name it as
        // one and the gate's checks find it by its hash.
        if let Some(data) = &retrain.data {
            pipeline.train.dataset = DatasetSpec::Imported {
                name: data.name.clone(),
            };
        }
        let now_ms = (self.now_ms)();
        let id = format!("pipeline-{}-{:08x}", now_ms as u64, (self.random_u32)());
        let record = PipelineRun::start(
            id.clone(),
            &pipeline,
            sha256_hex(stored.text.as_bytes()),
            trigger,
            now_ms,
        );
        let previous: Vec<PipelineRun> = self.runs.with_untracked(|runs| {
            runs.iter()
                .filter(|run| run.pipeline == name)
                .cloned()
                .collect()
        });
        let stop = Rc::new(Cell::new(false));
        self.stop.set_value(Rc::clone(&stop));
        self.running.set(Some(id.clone()));
        let this = *self;
        let host = BrowserHost {
            workbench: self.workbench,
            registry: self.registry,
            files: self.files.get_value(),
            pool: Pool {
                spawn: self.spawn.get_value(),
                workbench: self.workbench,
                now_ms: self.now_ms,
                stop: Rc::clone(&stop),
            },
            parallel: self.parallel.get_untracked(),
            random_u32: self.random_u32,
            on_report: Box::new(move |run| this.recorded(run)),
            candidate: RefCell::new(None),
            stopped: stop,
            trials_started: Cell::new(0),
            data: retrain.data,
        };
        leptos::task::spawn_local(async move {
            let mut memory = stored;
            run_pipeline(&host, &pipeline, &mut memory, &previous, record).await;
            this.put_in_list(memory.clone());
            if let Ok(store) = this.opened_store().await
                && let Err(error) = store.save_pipeline(&memory).await
            {
                this.error.set(Some(error.to_string()));
            }
            this.running.set(None);
        });
        Ok(id)
    }

    /// Asks the running pipeline to stop: training trials stop and keep what they learnt.
    pub fn stop(&self) {
        self.stop.get_value().set(true);
    }

    /// Shows and stores a change to a run's record.
    fn recorded(&self, run: &PipelineRun) {
        self.runs.update(
            |runs| match runs.iter_mut().find(|listed| listed.id == run.id) {
                Some(listed) => *listed = run.clone(),
                None => runs.push(run.clone()),
            },
        );
        let (this, run) = (*self, run.clone());
        leptos::task::spawn_local(async move {
            let saved = match this.opened_store().await {
                Ok(store) => store
                    .save_pipeline_run(&run)
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error),
            };
            if let Err(error) = saved {
                this.error.set(Some(error));
            }
        });
    }

    /// A new version of an uploaded dataset: every pipeline that reads it and asks to be
    /// triggered runs (one at a time; the first that can start does).
    pub fn new_data(&self, entry: &DatasetEntry) -> Option<String> {
        let triggered: Vec<String> = self.list.with_untracked(|list| {
            list.iter()
                .filter(|stored| stored.last_profile.as_ref().is_none_or(|last| last.dataset_id != entry.id))
                .filter(|stored| {
                    parse(&stored.text).is_ok_and(|pipeline| {
                        pipeline.triggers.on_new_data
                            && matches!(&pipeline.data, DataSource::Csv { file, .. } if DataSource::dataset_name(file) == entry.name)
                    })
                })
                .map(|stored| stored.name.clone())
                .collect()
        });
        triggered.into_iter().find_map(|name| {
            self.start(
                &name,
                Trigger::NewData {
                    dataset_id: entry.id.clone(),
                },
            )
            .ok()
            .map(|_| name)
        })
    }
}
