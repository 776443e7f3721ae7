//! The train and evaluate steps. A plain recipe is one trial; a sweep is many, trained at most
//! `parallel` at once by the host. Every trial is keyed by the data version and its recipe, so
//! a sweep cut off by a Stop or a reload resumes: finished trials are found in earlier runs and
//! only the rest train. Halving trains rung by rung, keeping the best `1 / eta` each time.

use std::collections::BTreeMap;

use super::{Done, Halt, PipelineHost, Steps, TrainRequest, json};
use crate::data::prepare::dataset_id;
use crate::data::{Dataset, Task};
use crate::ids::short_id;
use crate::pipeline::cache;
use crate::pipeline::record::{Artefact, PipelineRun, Step, StepState, Training, TrialRecord};
use crate::pipeline::sweep::{Strategy, Trial, ranked, rungs};
use crate::spec::{ModelSpec, TrainSpec};
use crate::tracking::{RunRecord, RunState};

/// A trial's run reused from an earlier pipeline run, or trained now.
enum Source {
    Earlier(Box<RunRecord>),
    Train(Box<TrainRequest>),
}

impl<H: PipelineHost + ?Sized> Steps<'_, H> {
    pub(super) async fn train(
        &self,
        record: &mut PipelineRun,
        data: &Dataset,
    ) -> Result<Training, Halt> {
        let started = self.begin(record, Step::Train);
        let data_id = dataset_id(data);
        let sweep = self.pipeline.sweep.as_ref();
        let key = cache::key(
            "train",
            &[&data_id, &json(&self.pipeline.train), &format!("{sweep:?}")],
        );
        if let Some((run, Artefact::Training(training))) =
            cache::cached(self.previous, Step::Train, &key)
        {
            let best_run = training
                .best
                .and_then(|best| training.trials[best].run_id.as_deref());
            if let Some(best_run) = best_run
                && matches!(self.host.run(best_run).await, Ok(Some(_)))
            {
                let training = training.clone();
                self.end(
                    record,
                    Step::Train,
                    started,
                    Done::reused(run, key, &Artefact::Training(training.clone())),
                );
                return Ok(training);
            }
        }
        let trials = match sweep {
            Some(sweep) => match sweep.trials(&self.pipeline.train) {
                Ok(trials) => trials,
                Err(reason) => {
                    let reason = format!("the sweep cannot run: {reason}");
                    return Err(self.fail(record, Step::Train, started, Vec::new(), reason, None));
                }
            },
            None => vec![Trial {
                number: 1,
                settings: Vec::new(),
                spec: self.pipeline.train.clone(),
            }],
        };
        let classification = data.task() == Task::Classification;
        let pick = sweep.map_or_else(
            || {
                if classification {
                    "val_accuracy".to_owned()
                } else {
                    "val_r2".to_owned()
                }
            },
            |sweep| sweep.pick_metric(classification),
        );
        let strategy = sweep.map_or(Strategy::Grid, |sweep| sweep.strategy);
        let epochs = self.pipeline.train.epochs;
        let schedule = if strategy == Strategy::Halving {
            rungs(
                trials.len(),
                epochs,
                sweep.map_or(3, |sweep| sweep.eta.max(2)),
            )
        } else {
            vec![(epochs, trials.len())]
        };
        let mut training = Training {
            strategy: sweep
                .map_or("single", |sweep| sweep.strategy.key())
                .to_owned(),
            pick: pick.clone(),
            trials: Vec::new(),
            best: None,
        };
        let mut log = vec![match sweep {
            None => "one recipe".to_owned(),
            Some(_) if schedule.len() > 1 => format!(
                "{} candidates, halving over {} rungs ({}), picked by {pick}",
                trials.len(),
                schedule.len(),
                schedule
                    .iter()
                    .map(|(epochs, count)| format!("{count} × {epochs} epochs"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(_) => format!("{} trials, picked by {pick}", trials.len()),
        }];
        let mut candidates: Vec<usize> = (0..trials.len()).collect();
        let mut last_rung = Vec::new();
        for (rung, &(rung_epochs, _)) in schedule.iter().enumerate() {
            let first_record = training.trials.len();
            let mut sources = Vec::new();
            for &candidate in &candidates {
                let trial = &trials[candidate];
                let mut spec = trial.spec.clone();
                if schedule.len() > 1 {
                    spec.epochs = rung_epochs;
                }
                let trial_key = cache::key("trial", &[&data_id, &json(&spec)]);
                let earlier = self.earlier_run(&trial_key).await;
                let (run_id, source) = match earlier {
                    Some(run) => (run.id.clone(), Source::Earlier(Box::new(run))),
                    None => {
                        let run_id = self.host.new_run_id();
                        let name = match (sweep.is_some(), schedule.len() > 1) {
                            (false, _) => self.pipeline.name.clone(),
                            (true, false) => format!("{}-t{}", self.pipeline.name, trial.number),
                            (true, true) => {
                                format!("{}-t{}-r{}", self.pipeline.name, trial.number, rung + 1)
                            }
                        };
                        let mut tags = vec![format!("pipeline-{}", self.pipeline.name)];
                        if sweep.is_some() {
                            tags.push("sweep".to_owned());
                        }
                        (
                            run_id.clone(),
                            Source::Train(Box::new(TrainRequest {
                                run_id,
                                name,
                                experiment: self.pipeline.name.clone(),
                                tags,
                                spec: spec.clone(),
                            })),
                        )
                    }
                };
                training.trials.push(TrialRecord {
                    number: trial.number,
                    rung,
                    epochs: spec.epochs,
                    label: trial.label(),
                    key: trial_key,
                    run_id: Some(run_id),
                    state: "waiting".to_owned(),
                    score: None,
                });
                sources.push(source);
            }
            let mut requests = Vec::new();
            for (offset, source) in sources.into_iter().enumerate() {
                match source {
                    Source::Earlier(run) => {
                        let trial = &mut training.trials[first_record + offset];
                        trial.state = run.state.label().to_owned();
                        trial.score = run.metrics.get(&pick).copied();
                        log.push(format!(
                            "trial {} ({}) reuses run {}",
                            trial.number,
                            trial.label,
                            short_id(&run.id)
                        ));
                    }
                    Source::Train(request) => requests.push(*request),
                }
            }
            record.step_mut(Step::Train).artefact = Some(Artefact::Training(training.clone()));
            record.step_mut(Step::Train).log = log.clone();
            self.host.report(record);
            if !requests.is_empty() {
                if self.host.stop_requested() {
                    return Err(self.stopped(record, started, log, training));
                }
                // Longest first: the last trial to start is a short one, so no worker idles
                // long at the end while another finishes a big one.
                requests.sort_by(|a, b| relative_work(&b.spec).total_cmp(&relative_work(&a.spec)));
                let parallel = sweep.and_then(|sweep| sweep.parallel);
                let runs = match self.host.train(data, requests, parallel).await {
                    Ok(runs) => runs,
                    Err(reason) => {
                        return Err(self.fail(
                            record,
                            Step::Train,
                            started,
                            log,
                            reason,
                            Some(Artefact::Training(training)),
                        ));
                    }
                };
                for run in runs {
                    if let Some(trial) = training.trials[first_record..]
                        .iter_mut()
                        .find(|trial| trial.run_id.as_deref() == Some(&run.id))
                    {
                        trial.state = run.state.label().to_owned();
                        trial.score = run.metrics.get(&pick).copied();
                        if let RunState::Failed { reason } = &run.state {
                            log.push(format!("trial {} failed: {reason}", trial.number));
                        }
                    }
                }
                if self.host.stop_requested() {
                    return Err(self.stopped(record, started, log, training));
                }
            }
            let scored: Vec<(usize, Option<f64>)> = (first_record..training.trials.len())
                .map(|index| {
                    let trial = &training.trials[index];
                    (index, trial.score.filter(|_| trial.state == "finished"))
                })
                .collect();
            let order = ranked(&scored, &pick);
            if let Some(&(next_epochs, next_count)) = schedule.get(rung + 1) {
                let keep: Vec<usize> = order
                    .iter()
                    .take(next_count)
                    .map(|&index| index - first_record)
                    .collect();
                log.push(format!(
                    "rung {} kept {} of {} for {next_epochs} epochs",
                    rung + 1,
                    keep.len(),
                    candidates.len()
                ));
                candidates = keep.iter().map(|&offset| candidates[offset]).collect();
            }
            last_rung = order
                .into_iter()
                .filter(|&index| scored[index - first_record].1.is_some())
                .collect();
        }
        let Some(&best) = last_rung.first() else {
            let reason = if training.trials.len() == 1 {
                "the run did not finish".to_owned()
            } else {
                "no trial finished".to_owned()
            };
            return Err(self.fail(
                record,
                Step::Train,
                started,
                log,
                reason,
                Some(Artefact::Training(training)),
            ));
        };
        training.best = Some(best);
        let chosen = &training.trials[best];
        log.push(match sweep {
            None => format!("{pick} {}", show(chosen.score)),
            Some(_) => format!(
                "best: trial {} ({}), {pick} {}",
                chosen.number,
                chosen.label,
                show(chosen.score)
            ),
        });
        self.end(
            record,
            Step::Train,
            started,
            Done::passed(log, Some(key), Artefact::Training(training.clone())),
        );
        Ok(training)
    }

    /// A finished run an earlier pipeline run trained with `trial_key`, if it is still stored.
    async fn earlier_run(&self, trial_key: &str) -> Option<RunRecord> {
        for trial in cache::earlier_trials(self.previous, trial_key) {
            let Some(run_id) = trial.run_id.as_deref() else {
                continue;
            };
            if let Ok(Some(run)) = self.host.run(run_id).await
                && matches!(run.state, RunState::Finished { .. })
            {
                return Some(run);
            }
        }
        None
    }

    fn stopped(
        &self,
        record: &mut PipelineRun,
        started_ms: f64,
        mut log: Vec<String>,
        training: Training,
    ) -> Halt {
        log.push("stopped: finished trials are kept, and running the pipeline again trains only the rest".to_owned());
        let done = Done {
            state: StepState::Stopped,
            log,
            key: None,
            artefact: Some(Artefact::Training(training)),
        };
        self.end(record, Step::Train, started_ms, done);
        Halt::Stopped
    }

    /// The chosen run's held-out scores: what the gates judge.
    pub(super) async fn evaluate(
        &self,
        record: &mut PipelineRun,
        training: &Training,
    ) -> Result<RunRecord, Halt> {
        let started = self.begin(record, Step::Evaluate);
        let run_id = training
            .best
            .and_then(|best| training.trials[best].run_id.clone())
            .expect("the train step passes only with a chosen run");
        let run = match self.host.run(&run_id).await {
            Ok(Some(run)) => run,
            Ok(None) => {
                let reason = format!("run {} is no longer stored", short_id(&run_id));
                return Err(self.fail(record, Step::Evaluate, started, Vec::new(), reason, None));
            }
            Err(reason) => {
                return Err(self.fail(record, Step::Evaluate, started, Vec::new(), reason, None));
            }
        };
        let metrics: BTreeMap<String, f64> = run
            .metrics
            .iter()
            .filter(|(name, _)| name.starts_with("test_") || name.starts_with("val_"))
            .map(|(name, value)| (name.clone(), *value))
            .collect();
        // A finished run's scores never change: its id is its scores' version. (Keying the
        // numbers themselves would miss when a store reads a float back one ulp off.)
        let key = cache::key("evaluate", &[&run.id]);
        let artefact = Artefact::Evaluation {
            run_id: run.id.clone(),
            metrics: metrics.clone(),
        };
        if let Some((earlier, _)) = cache::cached(self.previous, Step::Evaluate, &key) {
            self.end(
                record,
                Step::Evaluate,
                started,
                Done::reused(earlier, key, &artefact),
            );
            return Ok(run);
        }
        let mut log = vec![format!("run {} ({})", run.name, short_id(&run.id))];
        log.extend(
            metrics
                .iter()
                .filter(|(name, _)| name.starts_with("test_"))
                .map(|(name, value)| format!("{name} {}", show(Some(*value)))),
        );
        self.end(
            record,
            Step::Evaluate,
            started,
            Done::passed(log, Some(key), artefact),
        );
        Ok(run)
    }
}

/// How much computing a recipe asks for, relative to others on the same data: epochs times the
/// units a sample passes through. Only its order matters.
fn relative_work(spec: &TrainSpec) -> f64 {
    let units = match &spec.model {
        ModelSpec::Mlp { hidden_layers, .. } => {
            let widths: usize = hidden_layers.iter().sum();
            let between: usize = hidden_layers.windows(2).map(|pair| pair[0] * pair[1]).sum();
            // Weights between hidden layers count as much as a layer of that many units per input.
            1 + widths + between / 16
        }
        ModelSpec::Linear => 1,
        ModelSpec::Cnn {
            filters,
            dense_units,
            ..
        } => 1 + filters * 9 + dense_units,
    };
    spec.epochs as f64 * units as f64
}

/// A metric for the log: four decimals, or a dash when missing.
fn show(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.4}"))
}
