//! The run in the trainer worker, as app-wide state: it outlives page changes, so a person can
//! look elsewhere while a model trains.

use std::rc::Rc;

use kindling_core::data::{Dataset, Task};
use kindling_core::protocol::{FromWorker, ToWorker};
use kindling_core::session::RunProgress;
use kindling_core::spec::TrainSpec;
use kindling_core::tracking::generated_run_name;
use leptos::prelude::*;

use crate::state::workbench::{RunLabels, Workbench};

/// What the trainer reports: a protocol message, or that it can no longer be reached.
pub enum TrainerEvent {
    Message(FromWorker),
    Lost(String),
}

/// A connection to a trainer; `platform::worker` is the real one.
pub trait TrainerLink {
    fn send(&self, message: &ToWorker) -> Result<(), String>;
}

/// Starts a trainer that reports to the given callback.
pub type SpawnTrainer =
    Rc<dyn Fn(Rc<dyn Fn(TrainerEvent)>) -> Result<Box<dyn TrainerLink>, String>>;

#[derive(Clone, Copy)]
pub struct Training {
    /// The latest run, if any was started since the page loaded.
    pub run: RwSignal<Option<RunProgress>>,
    /// The latest run's data when it has two features and classes, for the decision-boundary
    /// plot; other data is not kept here.
    pub plotted_data: RwSignal<Option<Dataset>>,
    link: StoredValue<Option<Box<dyn TrainerLink>>, LocalStorage>,
    /// Set when the trainer died; the next run starts a fresh one. The dead link is not dropped
    /// at once because its own callback is what reports the death.
    link_lost: StoredValue<bool>,
    spawn: StoredValue<SpawnTrainer, LocalStorage>,
    now_ms: StoredValue<fn() -> f64>,
    random_u32: StoredValue<fn() -> u32>,
    workbench: Workbench,
}

impl Training {
    pub fn new(
        spawn: SpawnTrainer,
        now_ms: fn() -> f64,
        random_u32: fn() -> u32,
        workbench: Workbench,
    ) -> Self {
        Self {
            run: RwSignal::new(None),
            plotted_data: RwSignal::new(None),
            link: StoredValue::new_local(None),
            link_lost: StoredValue::new(false),
            spawn: StoredValue::new_local(spawn),
            now_ms: StoredValue::new(now_ms),
            random_u32: StoredValue::new(random_u32),
            workbench,
        }
    }

    pub fn is_active(&self) -> bool {
        self.run
            .with(|run| run.as_ref().is_some_and(|run| run.status.is_active()))
    }

    /// A fresh run name to offer in the form.
    pub fn suggest_name(&self) -> String {
        generated_run_name((self.random_u32.get_value())())
    }

    /// Starts and records a run of `spec` on `data`, loading the trainer on first use.
    pub fn start(
        &self,
        spec: TrainSpec,
        data: Dataset,
        mut labels: RunLabels,
    ) -> Result<(), String> {
        if labels.name.is_empty() {
            labels.name = self.suggest_name();
        }
        spec.validate().map_err(|error| error.to_string())?;
        if self.is_active() {
            return Err("a run is already in progress; stop it first".into());
        }
        self.ensure_link()?;
        // Time and randomness: ids stay unique when workspaces from other browsers are merged.
        let run_id = format!(
            "run-{}-{:08x}",
            (self.now_ms.get_value())() as u64,
            (self.random_u32.get_value())()
        );
        self.run
            .set(Some(RunProgress::new(run_id.clone(), spec.epochs)));
        self.workbench
            .run_started(run_id.clone(), labels, spec.clone(), &data);
        let plottable = data.feature_count() == 2 && data.task() == Task::Classification;
        self.plotted_data.set(plottable.then(|| data.clone()));
        self.send(&ToWorker::Train {
            run_id,
            spec: Box::new(spec),
            data,
        });
        Ok(())
    }

    /// Loads the trainer ahead of the first run, while the person reads the form, so the
    /// Train click does not wait for its download and compile. A trainer that cannot load is
    /// said when a run starts (which tries again), as before: there is nothing to tell yet.
    pub fn prepare(&self) {
        let _ = self.ensure_link();
    }

    pub fn pause(&self) {
        self.send(&ToWorker::Pause);
    }

    pub fn resume(&self) {
        self.send(&ToWorker::Resume);
    }

    pub fn stop(&self) {
        self.send(&ToWorker::Stop);
    }

    fn ensure_link(&self) -> Result<(), String> {
        let needs_trainer = self.link_lost.get_value() || self.link.with_value(Option::is_none);
        if !needs_trainer {
            return Ok(());
        }
        let this = *self;
        let on_event: Rc<dyn Fn(TrainerEvent)> = Rc::new(move |event| this.on_event(event));
        let link = (self.spawn.get_value())(on_event)?;
        self.link.set_value(Some(link));
        self.link_lost.set_value(false);
        Ok(())
    }

    fn send(&self, message: &ToWorker) {
        let sent = self.link.with_value(|link| match link {
            Some(link) => link.send(message),
            None => Err("the trainer is not running".into()),
        });
        if let Err(reason) = sent {
            self.on_event(TrainerEvent::Lost(reason));
        }
    }

    fn on_event(&self, event: TrainerEvent) {
        match event {
            TrainerEvent::Message(message) => {
                self.workbench.track(&message);
                let crashed = matches!(message, FromWorker::Crashed { .. });
                self.run.update(|run| {
                    if let Some(run) = run {
                        run.apply(message);
                    }
                });
                if crashed {
                    self.link_lost.set_value(true);
                }
            }
            TrainerEvent::Lost(reason) => {
                self.link_lost.set_value(true);
                self.workbench.trainer_lost(&reason);
                self.run.update(|run| {
                    if let Some(run) = run {
                        run.trainer_lost(&reason);
                    }
                });
            }
        }
    }
}
