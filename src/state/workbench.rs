//! The tracked workspace as app-wide state: every run summary, the imported datasets, and the
//! store they live in. Pages read the signals; every change goes through here, so what is shown
//! and what is stored cannot drift apart.
//!
//! The tracking path: `Training::start` asks [`Workbench::run_started`] to store the new record
//! (state running) before the worker gets `Train`; each worker message is folded into the record
//! by [`Workbench::track`]. The live run's epochs are written one transaction at a time (each
//! carrying everything that arrived meanwhile, so a fast run cannot pile up transactions), and
//! pages show only epochs already stored: a reload loses nothing that was on screen.
//! `Finished`/`Failed`/`Crashed` write the remaining epochs, the final record and the
//! evaluation. Writes asked for before the store has opened are queued and made in order once it
//! has. When the store opens, runs still `running` that this tab is not training and no other
//! tab holds (the browser store keeps a Web Lock per live run) become `interrupted` (one
//! transaction, so a run another tab finishes meanwhile is not overwritten).
//! A record this version cannot read is left as it is and skipped.

use std::collections::HashSet;
use std::rc::Rc;

use kindling_core::data::Dataset;
use kindling_core::evaluation::Evaluation;
use kindling_core::metrics::EpochMetrics;
use kindling_core::protocol::FromWorker;
use kindling_core::spec::TrainSpec;
use kindling_core::storage::StoreError;
use kindling_core::tracking::shared::SharedStore;
use kindling_core::tracking::{
    DEFAULT_EXPERIMENT, DatasetEntry, RunBundle, RunModel, RunRecord, StoredDataset,
    typed_experiment_name,
};
use kindling_core::workspace::usage::dataset_needed_by;
use kindling_core::workspace::{ImportPlan, SharedWorkspace, Workspace};
use leptos::prelude::*;

use crate::state::opening::Opening;

/// Opening the store is asynchronous; pages say so rather than show an empty list.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreStatus {
    Opening,
    Ready,
    /// Runs still train, but nothing is kept; the reason is shown on every page.
    Unavailable(StoreError),
}

/// What a person gives a run besides its settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunLabels {
    pub name: String,
    pub tags: Vec<String>,
    pub note: String,
    pub experiment: String,
}

impl RunLabels {
    /// From the fields as typed: tags are comma-separated, blanks are dropped.
    pub fn from_fields(name: &str, tags: &str, note: &str) -> Self {
        Self {
            name: name.trim().to_owned(),
            tags: tags
                .split(',')
                .map(|tag| tag.trim().to_owned())
                .filter(|tag| !tag.is_empty())
                .collect(),
            note: note.to_owned(),
            experiment: DEFAULT_EXPERIMENT.to_owned(),
        }
    }

    /// The same labels in the experiment typed (blank for the default one), or why that name
    /// cannot be used.
    pub fn in_experiment(self, typed: &str) -> Result<Self, String> {
        let experiment =
            typed_experiment_name(typed).map_err(|error| format!("Experiment: {error}"))?;
        Ok(Self { experiment, ..self })
    }
}

/// A write waiting for the store to open.
type PendingWrite = Box<dyn FnOnce(Rc<dyn SharedStore>)>;

/// The live run's summary is written to the list at most this often while it trains, so an
/// open Runs page is not re-filtered on every slice.
const LIST_REFRESH_MS: f64 = 1_000.0;

#[derive(Clone, Copy)]
pub struct Workbench {
    store: StoredValue<Option<Rc<dyn SharedStore>>, LocalStorage>,
    /// The same database seen whole, for workspace export and import.
    workspace: StoredValue<Option<Rc<dyn SharedWorkspace>>, LocalStorage>,
    /// Writes asked for before the store opened, run in order once it has.
    pending: StoredValue<Vec<PendingWrite>, LocalStorage>,
    pub status: RwSignal<StoreStatus>,
    opening: Opening,
    /// Every run summary, oldest first.
    pub runs: RwSignal<Vec<RunRecord>>,
    pub datasets: RwSignal<Vec<DatasetEntry>>,
    /// The latest storage failure, in words, until dismissed.
    pub error: RwSignal<Option<String>>,
    /// The last run whose final record is safely stored, so the Train page can say so.
    pub saved_run: RwSignal<Option<String>>,
    /// How many of the live run's epochs are stored: pages show no more than this, so a
    /// reload or a closed tab loses nothing that was on screen.
    pub live_stored_epochs: RwSignal<usize>,
    /// The record of the run the trainer is working on.
    live: StoredValue<Option<RunRecord>>,
    /// Its epochs not yet written, and whether a write is on its way. One write at a time,
    /// carrying everything that arrived meanwhile, so a fast run cannot queue up a backlog of
    /// transactions that a reload would cut off.
    live_unsaved: StoredValue<Vec<EpochMetrics>>,
    live_writing: StoredValue<bool>,
    /// Set when storing the live run's epochs failed: pages then show every epoch, since
    /// waiting for the store would show none.
    live_write_failed: RwSignal<bool>,
    listed_ms: StoredValue<f64>,
    now_ms: StoredValue<fn() -> f64>,
}

impl Workbench {
    pub fn new(now_ms: fn() -> f64) -> Self {
        Self {
            store: StoredValue::new_local(None),
            workspace: StoredValue::new_local(None),
            pending: StoredValue::new_local(Vec::new()),
            status: RwSignal::new(StoreStatus::Opening),
            opening: Opening::default(),
            runs: RwSignal::new(Vec::new()),
            datasets: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            saved_run: RwSignal::new(None),
            live_stored_epochs: RwSignal::new(0),
            live: StoredValue::new(None),
            live_unsaved: StoredValue::new(Vec::new()),
            live_writing: StoredValue::new(false),
            live_write_failed: RwSignal::new(false),
            listed_ms: StoredValue::new(0.0),
            now_ms: StoredValue::new(now_ms),
        }
    }

    /// Adopts an opened store (and the same store seen whole, for workspace files): runs a
    /// previous page left `running` become interrupted, writes asked for meanwhile are made,
    /// then everything is listed and waiting actions go on.
    pub async fn attach(&self, store: Rc<dyn SharedStore>, workspace: Rc<dyn SharedWorkspace>) {
        self.workspace.set_value(Some(workspace));
        self.adopt(store).await;
        self.opening.settle();
    }

    /// Stops waiting for a store that could not be opened: runs still train, and the storage
    /// banner says why they are not kept.
    pub fn unavailable(&self, error: StoreError) {
        self.pending.set_value(Vec::new());
        self.status.set(StoreStatus::Unavailable(error));
        self.opening.settle();
    }

    async fn adopt(&self, store: Rc<dyn SharedStore>) {
        let live = self
            .live
            .with_value(|live| live.as_ref().map(|r| r.id.clone()));
        if let Err(error) = store.interrupt_running(live.as_deref()).await {
            self.status.set(StoreStatus::Unavailable(error));
            return;
        }
        self.store.set_value(Some(store.clone()));
        for write in self
            .pending
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            write(store.clone());
        }
        let loaded =
            async { Ok::<_, StoreError>((store.runs().await?, store.dataset_entries().await?)) }
                .await;
        match loaded {
            Ok((mut runs, datasets)) => {
                // Runs of this visit whose first write is still on its way stay listed.
                let stored: HashSet<String> = runs.iter().map(|run| run.id.clone()).collect();
                let unsaved: Vec<RunRecord> = self.runs.with_untracked(|shown| {
                    shown
                        .iter()
                        .filter(|run| !stored.contains(&run.id))
                        .cloned()
                        .collect()
                });
                runs.extend(unsaved);
                self.runs.set(runs);
                self.datasets.set(datasets);
                self.status.set(StoreStatus::Ready);
            }
            Err(error) => self.status.set(StoreStatus::Unavailable(error)),
        }
    }

    fn store(&self) -> Option<Rc<dyn SharedStore>> {
        self.store.get_value()
    }

    fn now_ms(&self) -> f64 {
        (self.now_ms.get_value())()
    }

    /// Runs `write` against the store, if there is one, reporting a failure in words.
    fn write<F>(&self, write: impl FnOnce(Rc<dyn SharedStore>) -> F + 'static)
    where
        F: Future<Output = Result<(), StoreError>> + 'static,
    {
        self.write_then(write, |_| {});
    }

    /// [`Self::write`], then `done` with whether the write landed.
    fn write_then<F>(
        &self,
        write: impl FnOnce(Rc<dyn SharedStore>) -> F + 'static,
        done: impl FnOnce(bool) + 'static,
    ) where
        F: Future<Output = Result<(), StoreError>> + 'static,
    {
        let error = self.error;
        let start = move |store: Rc<dyn SharedStore>| {
            leptos::task::spawn_local(async move {
                match write(store).await {
                    Ok(()) => done(true),
                    Err(failure) => {
                        error.set(Some(failure.to_string()));
                        done(false);
                    }
                }
            });
        };
        match (self.store(), self.status.get_untracked()) {
            (Some(store), _) => start(store),
            (None, StoreStatus::Opening) => self
                .pending
                .update_value(|pending| pending.push(Box::new(start))),
            // Nothing can be kept; the banner already says so.
            (None, _) => {}
        }
    }

    pub(crate) fn show_in_list(&self, run: &RunRecord) {
        self.listed_ms.set_value(self.now_ms());
        self.runs.update(
            |runs| match runs.iter_mut().rev().find(|listed| listed.id == run.id) {
                Some(listed) => *listed = run.clone(),
                None => runs.push(run.clone()),
            },
        );
    }

    /// Records a new run the trainer is about to start.
    pub fn run_started(&self, id: String, labels: RunLabels, spec: TrainSpec, data: &Dataset) {
        let mut run = RunRecord::new(id, labels.name, spec, data, self.now_ms());
        run.tags = labels.tags.into_iter().collect();
        run.note = labels.note;
        run.experiment = labels.experiment;
        self.show_in_list(&run);
        self.live.set_value(Some(run.clone()));
        self.live_unsaved.set_value(Vec::new());
        self.live_stored_epochs.set(0);
        self.live_write_failed.set(false);
        self.write(move |store| async move { store.save_run(&run).await });
    }

    /// Writes the live run's unsaved epochs with its summary, unless a write is on its way (its
    /// completion calls this again).
    fn flush_live(&self) {
        if self.live_writing.get_value() || self.live_unsaved.with_value(Vec::is_empty) {
            return;
        }
        let Some(run) = self.live.get_value() else {
            return;
        };
        let epochs = self
            .live_unsaved
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        let last_epoch = epochs.last().map_or(0, |epoch| epoch.epoch);
        self.live_writing.set_value(true);
        let this = *self;
        let retry = epochs.clone();
        self.write_then(
            move |store| async move { store.append_epochs(&run, &epochs).await },
            move |stored| {
                this.live_writing.set_value(false);
                if stored {
                    this.live_stored_epochs
                        .update(|count| *count = (*count).max(last_epoch));
                    this.flush_live();
                } else {
                    // Kept for the next write, so no stored record counts epochs that are not
                    // stored; the failure is already on screen.
                    this.live_write_failed.set(true);
                    this.live_unsaved
                        .update_value(|unsaved| drop(unsaved.splice(0..0, retry)));
                }
            },
        );
    }

    /// How many of a run's epochs a page may show: all of them, unless it is the live run and
    /// its epochs are being stored.
    pub fn shown_epochs(&self, run_id: &str, received: usize) -> usize {
        let storing = self.is_live(run_id)
            && !self.live_write_failed.get()
            && !matches!(self.status.get(), StoreStatus::Unavailable(_));
        if storing {
            received.min(self.live_stored_epochs.get())
        } else {
            received
        }
    }

    /// Folds a trainer message into the live run's record and stores what changed.
    pub fn track(&self, message: &FromWorker) {
        let Some(mut run) = self.live.get_value() else {
            return;
        };
        let now_ms = self.now_ms();
        match message {
            FromWorker::Progress { run_id, epochs, .. } if *run_id == run.id => {
                if epochs.is_empty() {
                    return;
                }
                run.record_epochs(epochs);
                self.live.set_value(Some(run.clone()));
                if now_ms - self.listed_ms.get_value() >= LIST_REFRESH_MS {
                    self.show_in_list(&run);
                }
                self.live_unsaved
                    .update_value(|unsaved| unsaved.extend(epochs.iter().cloned()));
                self.flush_live();
            }
            FromWorker::Finished {
                run_id,
                outcome,
                evaluation,
                model,
            } if *run_id == run.id => {
                run.finish(*outcome, evaluation, now_ms);
                self.finish_live(
                    run,
                    Some(((**evaluation).clone(), model.as_deref().cloned())),
                );
            }
            FromWorker::Failed { run_id, reason } if *run_id == run.id => {
                run.fail(reason.clone(), now_ms);
                self.finish_live(run, None);
            }
            FromWorker::Crashed { message } => {
                run.interrupt(format!("the trainer crashed: {message}"), now_ms);
                self.finish_live(run, None);
            }
            _ => {}
        }
    }

    /// The trainer could not be reached: the live run is cut off, its epochs kept.
    pub fn trainer_lost(&self, reason: &str) {
        if let Some(mut run) = self.live.get_value() {
            run.interrupt(reason.to_owned(), self.now_ms());
            self.finish_live(run, None);
        }
    }

    /// Stores the run's end: its final record and, when it produced one, the kept model's
    /// evaluation and weights.
    fn finish_live(&self, run: RunRecord, outcome: Option<(Evaluation, Option<RunModel>)>) {
        self.live.set_value(None);
        self.show_in_list(&run);
        // Epochs still unsaved go first; this write is ordered after any on its way.
        let epochs = self
            .live_unsaved
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        let (saved, id) = (self.saved_run, run.id.clone());
        self.write_then(
            move |store| async move {
                if !epochs.is_empty() {
                    store.append_epochs(&run, &epochs).await?;
                }
                let (evaluation, model) = outcome.unzip();
                store
                    .finish_run(&run, evaluation.as_ref(), model.flatten().as_ref())
                    .await
            },
            move |stored| {
                if stored {
                    saved.set(Some(id));
                }
            },
        );
    }

    /// Renames, re-tags or re-notes a run, keeping everything else as it is now (a live run
    /// goes on training); resolves once stored.
    pub async fn update_labels(&self, id: &str, labels: RunLabels) -> Result<(), String> {
        let apply = |run: &mut RunRecord| {
            run.name = labels.name.clone();
            run.tags = labels.tags.iter().cloned().collect();
            run.note = labels.note.clone();
            run.experiment = labels.experiment.clone();
        };
        if labels.name.is_empty() {
            return Err("a run needs a name".into());
        }
        let current = match self.live.get_value().filter(|live| live.id == id) {
            Some(mut live) => {
                apply(&mut live);
                self.live.set_value(Some(live.clone()));
                live
            }
            None => {
                let mut listed = self
                    .runs
                    .with_untracked(|runs| runs.iter().find(|run| run.id == id).cloned())
                    .ok_or_else(|| StoreError::NoSuchRun(id.to_owned()).to_string())?;
                apply(&mut listed);
                listed
            }
        };
        self.show_in_list(&current);
        let store = self
            .opened_store()
            .await
            .map_err(|error| error.to_string())?;
        store
            .save_run(&current)
            .await
            .map_err(|error| error.to_string())
    }

    pub fn is_live(&self, id: &str) -> bool {
        self.live
            .with_value(|live| live.as_ref().is_some_and(|run| run.id == id))
    }

    /// Deletes runs (never the live one) and returns what was removed, for undo.
    pub async fn delete_runs(&self, ids: Vec<String>) -> Result<Vec<RunBundle>, StoreError> {
        let ids: Vec<String> = ids.into_iter().filter(|id| !self.is_live(id)).collect();
        let store = self.opened_store().await?;
        let removed = store.bundles(&ids).await?;
        store.delete_runs(&ids).await?;
        self.runs
            .update(|runs| runs.retain(|run| !ids.contains(&run.id)));
        Ok(removed)
    }

    /// Puts deleted runs back exactly as they were.
    pub async fn restore_runs(&self, bundles: Vec<RunBundle>) -> Result<(), StoreError> {
        let store = self.opened_store().await?;
        store.add_bundles(&bundles).await?;
        self.reload().await
    }

    pub async fn history(&self, id: &str) -> Result<Vec<EpochMetrics>, StoreError> {
        self.opened_store().await?.history(id).await
    }

    /// The model a finished run kept, if it is stored.
    pub async fn run_model(&self, id: &str) -> Result<Option<RunModel>, StoreError> {
        self.opened_store().await?.run_model(id).await
    }

    pub async fn evaluation(&self, id: &str) -> Result<Option<Evaluation>, StoreError> {
        self.opened_store().await?.evaluation(id).await
    }

    /// Keeps an imported dataset so runs on it can be re-run after a reload.
    pub async fn save_dataset(&self, dataset: Dataset) -> Result<DatasetEntry, StoreError> {
        let stored = StoredDataset::new(dataset, self.now_ms());
        let entry = stored.entry.clone();
        self.opened_store().await?.save_dataset(&stored).await?;
        self.datasets.update(|entries| {
            if !entries.iter().any(|known| known.id == entry.id) {
                entries.push(entry.clone());
            }
        });
        Ok(entry)
    }

    pub async fn dataset(&self, id: &str) -> Result<Option<Dataset>, StoreError> {
        Ok(self
            .opened_store()
            .await?
            .dataset(id)
            .await?
            .map(|stored| stored.dataset))
    }

    /// Everything stored, runs and registry, as one file's contents.
    pub async fn export_workspace(&self) -> Result<Workspace, StoreError> {
        self.opened_workspace()
            .await?
            .export_workspace(self.now_ms())
            .await
    }

    /// Imports a workspace beside what is stored, all or nothing. The registry's lists are
    /// the caller's to reload (`Registry::reload_after_import`).
    pub async fn import_workspace(&self, workspace: Workspace) -> Result<ImportPlan, StoreError> {
        let plan = self
            .opened_workspace()
            .await?
            .import_workspace(workspace)
            .await?;
        self.reload().await?;
        Ok(plan)
    }

    /// Deletes an uploaded dataset and returns it, for undo; refused in words while a run or
    /// a registered version still needs it.
    pub async fn delete_dataset(
        &self,
        id: &str,
        versions: &[kindling_core::registry::ModelVersion],
    ) -> Result<StoredDataset, String> {
        let store = self.opened_store().await.map_err(|e| e.to_string())?;
        let runs = store.runs().await.map_err(|e| e.to_string())?;
        if let Some(reason) = dataset_needed_by(id, &runs, versions) {
            return Err(format!("the dataset is still needed: {reason}"));
        }
        let stored = store
            .dataset(id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the dataset is no longer stored")?;
        store.delete_dataset(id).await.map_err(|e| e.to_string())?;
        self.datasets
            .update(|entries| entries.retain(|entry| entry.id != id));
        Ok(stored)
    }

    /// Puts a deleted dataset back.
    pub async fn restore_dataset(&self, dataset: StoredDataset) -> Result<(), StoreError> {
        self.opened_store().await?.save_dataset(&dataset).await?;
        self.reload().await
    }

    async fn opened_workspace(&self) -> Result<Rc<dyn SharedWorkspace>, StoreError> {
        self.opened_store().await?;
        self.workspace.get_value().ok_or(StoreError::NotReady)
    }

    async fn reload(&self) -> Result<(), StoreError> {
        let store = self.opened_store().await?;
        let runs = store.runs().await?;
        let datasets = store.dataset_entries().await?;
        self.runs.set(runs);
        self.datasets.set(datasets);
        Ok(())
    }

    /// The store once it has opened, so an action begun while the page loads waits rather
    /// than failing.
    pub(crate) async fn opened_store(&self) -> Result<Rc<dyn SharedStore>, StoreError> {
        self.opening.settled().await;
        self.store()
            .ok_or_else(|| match self.status.get_untracked() {
                StoreStatus::Unavailable(error) => error,
                _ => StoreError::NotReady,
            })
    }
}
