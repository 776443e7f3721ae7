//! Pipelines in the state layer natively: a sweep's trials on several fake trainers at once,
//! each a stored run; the chosen one registered and promoted through the same registry the
//! Models pages use; an unchanged re-run reusing every step; a run a closed page left going
//! found interrupted.

use std::cell::Cell;
use std::rc::Rc;

use kindling_core::evaluation::{Evaluation, Report, classification_report};
use kindling_core::pipeline::file::parse;
use kindling_core::pipeline::record::{Outcome, PipelineRun, Trigger};
use kindling_core::pipeline::store::SharedPipelines;
use kindling_core::protocol::{FromWorker, ToWorker};
use kindling_core::registry::CHAMPION;
use kindling_core::registry::store::SharedRegistry;
use kindling_core::tracking::shared::SharedStore;
use kindling_core::tracking::{RunModel, RunOutcome, contract};
use kindling_core::workspace::SharedWorkspace;
use kindling_core::workspace::memory::MemoryStore;
use leptos::prelude::*;

use super::fakes::{
    AssetFiles, FakeWorker, advance_ms, now_ms, random_u32, run, settle, with_runtime,
};
use super::models::Models;
use super::pipelines::{PipelineDeps, Pipelines};
use super::registry::Registry;
use super::training::{SpawnTrainer, TrainerEvent, TrainerLink};
use super::workbench::Workbench;

/// Trainers that finish every run they are sent at once, counting how many were started and
/// how many trained at the same time.
#[derive(Default)]
struct Trainers {
    spawned: Cell<usize>,
    training: Cell<usize>,
    most_at_once: Cell<usize>,
}

struct AutoLink {
    trainers: Rc<Trainers>,
    on_event: Rc<dyn Fn(TrainerEvent)>,
}

impl TrainerLink for AutoLink {
    fn send(&self, message: &ToWorker) -> Result<(), String> {
        if let ToWorker::Train { run_id, .. } = message {
            let trainers = Rc::clone(&self.trainers);
            trainers.training.set(trainers.training.get() + 1);
            trainers
                .most_at_once
                .set(trainers.most_at_once.get().max(trainers.training.get()));
            let (on_event, run_id) = (Rc::clone(&self.on_event), run_id.clone());
            leptos::task::spawn_local(async move {
                on_event(TrainerEvent::Message(FromWorker::Progress {
                    run_id: run_id.clone(),
                    epochs: vec![contract::epoch(1), contract::epoch(2)],
                    fraction_done: 1.0,
                }));
                trainers.training.set(trainers.training.get() - 1);
                on_event(TrainerEvent::Message(FromWorker::Finished {
                    run_id: run_id.clone(),
                    outcome: RunOutcome::Completed,
                    evaluation: Box::new(Evaluation {
                        best_epoch: 2,
                        validation: None,
                        test: Some(Report::Classification(classification_report(
                            &[0, 1],
                            &[0.9, 0.1, 0.2, 0.8],
                            2,
                        ))),
                    }),
                    // Each run's weights are its own, as a trainer's are.
                    model: Some(Box::new(RunModel {
                        signature: kindling_core::registry::fixtures::version("m", 1).signature,
                        burnpack: run_id.as_bytes().to_vec(),
                        early_weights: None,
                    })),
                }));
            });
        }
        Ok(())
    }
}

fn spawner(trainers: &Rc<Trainers>) -> SpawnTrainer {
    let trainers = Rc::clone(trainers);
    Rc::new(move |on_event| {
        trainers.spawned.set(trainers.spawned.get() + 1);
        Ok(Box::new(AutoLink {
            trainers: Rc::clone(&trainers),
            on_event,
        }) as Box<dyn TrainerLink>)
    })
}

pub(super) struct App {
    trainers: Rc<Trainers>,
    pub(super) workbench: Workbench,
    pub(super) registry: Registry,
    pub(super) pipelines: Pipelines,
    pub(super) store: Rc<MemoryStore>,
}

impl App {
    pub(super) fn new() -> Self {
        let trainers = Rc::new(Trainers::default());
        let workbench = Workbench::new(now_ms);
        let models = Models::new(Rc::new(FakeWorker::default()).spawner());
        let registry = Registry::new(workbench, models, Rc::new(AssetFiles), now_ms);
        let pipelines = Pipelines::new(PipelineDeps {
            workbench,
            registry,
            files: Rc::new(AssetFiles),
            spawn: spawner(&trainers),
            now_ms,
            random_u32,
            cores: 2,
        });
        Self {
            trainers,
            workbench,
            registry,
            pipelines,
            store: Rc::new(MemoryStore::default()),
        }
    }

    pub(super) fn attach(&self) {
        let (workbench, registry, pipelines) = (self.workbench, self.registry, self.pipelines);
        let store = Rc::clone(&self.store);
        run(async move {
            workbench
                .attach(
                    Rc::clone(&store) as Rc<dyn SharedStore>,
                    Rc::clone(&store) as Rc<dyn SharedWorkspace>,
                )
                .await;
            registry
                .attach(Rc::clone(&store) as Rc<dyn SharedRegistry>)
                .await;
            pipelines.attach(store as Rc<dyn SharedPipelines>).await;
        });
    }

    /// Runs the named pipeline to its end and returns its record.
    pub(super) fn run_pipeline(&self, name: &str) -> PipelineRun {
        advance_ms(1_000.0);
        let id = self.pipelines.start(name, Trigger::Manual).unwrap();
        settle();
        assert_eq!(
            self.pipelines.running.get_untracked(),
            None,
            "the fakes answer at once"
        );
        self.pipelines
            .runs
            .with_untracked(|runs| runs.iter().find(|run| run.id == id).cloned())
            .unwrap()
    }
}

pub(super) const SWEEP: &str = r#"
format = "kindling-pipeline/1"
name = "spiral"
[data]
synthetic = "spiral"
samples = 60
[train]
epochs = 2
[sweep]
strategy = "grid"
learning_rate = [0.1, 0.01, 0.001]
[gate]
test_accuracy = ">= 0.5"
[promote]
model = "spiral"
alias = "champion"
"#;

#[test]
fn a_sweep_trains_on_parallel_trainers_and_its_best_run_becomes_the_champion() {
    with_runtime(|| {
        let app = App::new();
        app.attach();
        let pipelines = app.pipelines;
        assert_eq!(
            run(async move { pipelines.save_text(SWEEP.to_owned()).await }).unwrap(),
            "spiral"
        );

        let first = app.run_pipeline("spiral");
        assert_eq!(first.outcome, Some(Outcome::Passed), "{first:#?}");
        assert_eq!(app.trainers.spawned.get(), 2, "two lanes for two cores");
        assert_eq!(
            app.trainers.most_at_once.get(),
            2,
            "both lanes trained at once"
        );
        let trials: Vec<_> = app.workbench.runs.with_untracked(|runs| {
            runs.iter()
                .map(|run| (run.name.clone(), run.state.label()))
                .collect()
        });
        assert_eq!(trials.len(), 3);
        assert!(
            trials
                .iter()
                .all(|(name, state)| name.starts_with("spiral-t") && *state == "finished"),
            "{trials:?}"
        );
        let model = app.registry.model("spiral").expect("registered");
        assert_eq!(model.aliases[CHAMPION], 1);

        let again = app.run_pipeline("spiral");
        let states: Vec<&str> = again.steps.iter().map(|step| step.state.label()).collect();
        assert_eq!(states, ["cached"; 8]);
        assert_eq!(
            app.workbench.runs.with_untracked(Vec::len),
            3,
            "nothing trained again"
        );

        let store = Rc::clone(&app.store);
        let stored = run(async move {
            SharedPipelines::pipeline_runs(store.as_ref(), "spiral")
                .await
                .unwrap()
        });
        assert_eq!(
            stored,
            app.pipelines.runs.get_untracked(),
            "every record as shown is stored"
        );
    });
}

#[test]
fn a_pipeline_run_a_closed_page_left_going_is_found_interrupted() {
    with_runtime(|| {
        let app = App::new();
        let pipeline = parse(SWEEP).unwrap();
        let left = PipelineRun::start("left".into(), &pipeline, "sha".into(), Trigger::Manual, 1.0);
        let store = Rc::clone(&app.store);
        run(async move {
            SharedPipelines::save_pipeline_run(store.as_ref(), &left)
                .await
                .unwrap()
        });
        // Its pipeline must be listed for its runs to be read.
        let store = Rc::clone(&app.store);
        let stored = kindling_core::pipeline::record::StoredPipeline {
            name: "spiral".into(),
            text: SWEEP.into(),
            created_ms: 0.0,
            updated_ms: 0.0,
            schema: None,
            last_profile: None,
        };
        run(async move {
            SharedPipelines::save_pipeline(store.as_ref(), &stored)
                .await
                .unwrap()
        });
        app.attach();
        let runs = app.pipelines.runs.get_untracked();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].outcome, Some(Outcome::Interrupted));
    });
}
