//! A pipeline's trials on several trainers at once. Each lane is its own trainer (a Web
//! Worker in the browser) taking the next trial from a shared queue until none is left, so
//! `parallel` lanes keep `parallel` cores busy. Every trial is an ordinary tracked run: stored
//! as running when it starts (a reload then finds it interrupted), listed live on the Runs
//! page, and stored whole (epochs, evaluation, weights) when it ends. The Workbench's own live
//! run is untouched: a person can train by hand while a sweep runs.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures::StreamExt;
use futures::channel::{mpsc, oneshot};
use kindling_core::data::Dataset;
use kindling_core::evaluation::Evaluation;
use kindling_core::metrics::EpochMetrics;
use kindling_core::pipeline::runner::TrainRequest;
use kindling_core::protocol::{FromWorker, ToWorker};
use kindling_core::tracking::{RunModel, RunRecord};

use crate::state::training::{SpawnTrainer, TrainerEvent};
use crate::state::workbench::Workbench;

/// How often a lane refreshes its run in the Runs list while it trains.
const LIST_REFRESH_MS: f64 = 1_000.0;

pub struct Pool {
    pub spawn: SpawnTrainer,
    pub workbench: Workbench,
    pub now_ms: fn() -> f64,
    /// Set when a person pressed Stop: every lane stops its run and takes no more.
    pub stop: Rc<Cell<bool>>,
}

impl Pool {
    /// Trains every request, at most `parallel` at once, and returns their final records in
    /// the order asked.
    pub async fn train_all(
        &self,
        data: &Dataset,
        requests: Vec<TrainRequest>,
        parallel: usize,
    ) -> Result<Vec<RunRecord>, String> {
        let order: Vec<String> = requests
            .iter()
            .map(|request| request.run_id.clone())
            .collect();
        let lanes = parallel.clamp(1, requests.len().max(1));
        let queue = Rc::new(RefCell::new(VecDeque::from(requests)));
        let mut finished = Vec::new();
        for _ in 0..lanes {
            let (send, receive) = oneshot::channel();
            let lane = Lane {
                spawn: Rc::clone(&self.spawn),
                workbench: self.workbench,
                now_ms: self.now_ms,
                stop: Rc::clone(&self.stop),
                queue: Rc::clone(&queue),
                data: data.clone(),
            };
            leptos::task::spawn_local(async move {
                let _ = send.send(lane.work().await);
            });
            finished.push(receive);
        }
        let mut runs = Vec::new();
        for lane in finished {
            runs.extend(
                lane.await
                    .map_err(|_| "a trainer lane ended unexpectedly".to_owned())??,
            );
        }
        runs.sort_by_key(|run| order.iter().position(|id| *id == run.id));
        Ok(runs)
    }
}

struct Lane {
    spawn: SpawnTrainer,
    workbench: Workbench,
    now_ms: fn() -> f64,
    stop: Rc<Cell<bool>>,
    queue: Rc<RefCell<VecDeque<TrainRequest>>>,
    data: Dataset,
}

impl Lane {
    async fn work(self) -> Result<Vec<RunRecord>, String> {
        let (send, mut events) = mpsc::unbounded::<TrainerEvent>();
        let link = (self.spawn)(Rc::new(move |event| {
            let _ = send.unbounded_send(event);
        }))?;
        let mut done = Vec::new();
        let mut writes = Vec::new();
        loop {
            let Some(request) = self.queue.borrow_mut().pop_front() else {
                break;
            };
            let mut run = RunRecord::new(
                request.run_id.clone(),
                request.name,
                request.spec.clone(),
                &self.data,
                (self.now_ms)(),
            );
            run.tags = request.tags.into_iter().collect();
            run.experiment = request.experiment;
            if self.stop.get() {
                run.state = kindling_core::tracking::RunState::Stopped;
                done.push(run);
                continue;
            }
            self.workbench.show_in_list(&run);
            let store = self
                .workbench
                .opened_store()
                .await
                .map_err(|error| error.to_string())?;
            store
                .save_run(&run)
                .await
                .map_err(|error| error.to_string())?;
            link.send(&ToWorker::Train {
                run_id: run.id.clone(),
                spec: Box::new(request.spec),
                data: self.data.clone(),
            })?;
            let mut epochs: Vec<EpochMetrics> = Vec::new();
            let mut stop_sent = false;
            let mut listed_ms = 0.0;
            let outcome: Option<(Evaluation, Option<RunModel>)> = loop {
                if self.stop.get() && !stop_sent {
                    stop_sent = link.send(&ToWorker::Stop).is_ok();
                }
                let now_ms = (self.now_ms)();
                match events.next().await {
                    Some(TrainerEvent::Message(FromWorker::Progress {
                        run_id,
                        epochs: new,
                        ..
                    })) if run_id == run.id => {
                        run.record_epochs(&new);
                        epochs.extend(new);
                        if now_ms - listed_ms >= LIST_REFRESH_MS {
                            listed_ms = now_ms;
                            self.workbench.show_in_list(&run);
                        }
                    }
                    Some(TrainerEvent::Message(FromWorker::Finished {
                        run_id,
                        outcome,
                        evaluation,
                        model,
                    })) if run_id == run.id => {
                        run.finish(outcome, &evaluation, now_ms);
                        break Some((*evaluation, model.map(|model| *model)));
                    }
                    Some(TrainerEvent::Message(FromWorker::Failed { run_id, reason }))
                        if run_id == run.id =>
                    {
                        run.fail(reason, now_ms);
                        break None;
                    }
                    Some(TrainerEvent::Message(FromWorker::Crashed { message })) => {
                        run.interrupt(format!("the trainer crashed: {message}"), now_ms);
                        break None;
                    }
                    Some(TrainerEvent::Lost(reason)) => {
                        run.interrupt(reason, now_ms);
                        break None;
                    }
                    None => {
                        run.interrupt("the trainer went away".into(), now_ms);
                        break None;
                    }
                    Some(TrainerEvent::Message(_)) => {}
                }
            };
            let (evaluation, model) = outcome.unzip();
            // Stored while this lane's trainer already starts the next trial; the lane waits
            // for every write before it reports its runs. The list shows the run's end only
            // once it is stored, so a reload never loses a trial that was on screen as done.
            let (stored, written) = oneshot::channel();
            let (record, store, workbench) = (run.clone(), Rc::clone(&store), self.workbench);
            leptos::task::spawn_local(async move {
                let result = async {
                    if !epochs.is_empty() {
                        store.append_epochs(&record, &epochs).await?;
                    }
                    store
                        .finish_run(&record, evaluation.as_ref(), model.flatten().as_ref())
                        .await
                }
                .await;
                if result.is_ok() {
                    workbench.show_in_list(&record);
                }
                let _ = stored.send(result.map_err(|error| error.to_string()));
            });
            writes.push(written);
            let lost = matches!(run.state, kindling_core::tracking::RunState::Interrupted);
            done.push(run);
            if lost {
                // The trainer is gone; the trials left go to the other lanes, or stay waiting.
                break;
            }
        }
        for written in writes {
            written
                .await
                .map_err(|_| "a trial's record was not stored".to_owned())??;
        }
        drop(link);
        Ok(done)
    }
}
