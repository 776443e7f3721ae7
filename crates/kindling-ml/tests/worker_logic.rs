//! What the trainer worker decides, natively: a run's messages through Pause, Resume and Stop
//! and the boundary's rate (with a fake clock), and the model worker's answers and cache.

mod common;

use std::cell::Cell;

use common::ticking_clock;
use kindling_core::data::csv::ImportOptions;
use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::protocol::{FromWorker, ModelReply, ModelRequest, ModelSource};
use kindling_core::spec::{ModelSpec, TrainSpec};
use kindling_core::tracking::RunOutcome;
use kindling_ml::Trainer;
use kindling_ml::model_service::{KEPT_MODELS, ModelService};
use kindling_ml::run_loop::{BOUNDARY_EVERY_MS, Control, Step, TrainingRun};

fn spec(epochs: usize) -> TrainSpec {
    TrainSpec {
        epochs,
        dataset: kindling_core::spec::DatasetSpec::Synthetic(SyntheticSpec {
            sample_count: 200,
            ..SyntheticSpec::default()
        }),
        ..TrainSpec::default()
    }
}

fn spiral(samples: usize) -> kindling_core::data::Dataset {
    SyntheticSpec {
        sample_count: samples,
        ..SyntheticSpec::default()
    }
    .generate()
    .unwrap()
}

/// The kinds of messages, in order, as short words.
fn kinds(messages: &[FromWorker]) -> Vec<&'static str> {
    messages
        .iter()
        .map(|message| match message {
            FromWorker::Progress { .. } => "progress",
            FromWorker::Boundary { .. } => "boundary",
            FromWorker::Paused { .. } => "paused",
            FromWorker::Resumed { .. } => "resumed",
            FromWorker::Finished { .. } => "finished",
            FromWorker::Failed { .. } => "failed",
            _ => "other",
        })
        .collect()
}

fn messages(step: &Step) -> &[FromWorker] {
    match step {
        Step::Continue(messages) | Step::Wait(messages) | Step::Done(messages) => messages,
    }
}

#[test]
fn a_run_reports_every_epoch_and_ends_with_the_boundary_and_its_model() {
    let control = Control::default();
    assert!(control.begin_run());
    let mut run = TrainingRun::start("run-1".into(), &spec(5), &spiral(200)).unwrap();
    let clock = ticking_clock();
    let mut all = Vec::new();
    let done = loop {
        match run.step(&control, &clock, 30.0) {
            Step::Continue(messages) => all.extend(messages),
            Step::Wait(_) => panic!("nothing paused the run"),
            Step::Done(messages) => break messages,
        }
    };
    let epochs: Vec<usize> = all
        .iter()
        .chain(&done)
        .filter_map(|message| match message {
            FromWorker::Progress { epochs, .. } => Some(epochs.iter().map(|e| e.epoch)),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(epochs, [1, 2, 3, 4, 5]);
    assert_eq!(
        kinds(&done)[kinds(&done).len() - 2..],
        ["boundary", "finished"]
    );
    let Some(FromWorker::Finished { outcome, model, .. }) = done.last() else {
        panic!("the run ends with Finished");
    };
    assert_eq!(*outcome, RunOutcome::Completed);
    assert!(model.is_some(), "the kept weights travel with Finished");
    all.extend(done.iter().cloned());
    assert_eq!(
        kinds(&all)[..2],
        ["progress", "boundary"],
        "the first slice draws a boundary"
    );
}

#[test]
fn pause_waits_quietly_resume_says_so_and_stop_keeps_what_was_learned() {
    let control = Control::default();
    assert!(control.begin_run());
    assert!(!control.begin_run(), "one run at a time");
    let mut run = TrainingRun::start("run-1".into(), &spec(1000), &spiral(200)).unwrap();
    let clock = ticking_clock();
    assert!(matches!(
        run.step(&control, &clock, 30.0),
        Step::Continue(_)
    ));

    control.pause();
    let paused = run.step(&control, &clock, 30.0);
    assert!(matches!(paused, Step::Wait(_)));
    assert_eq!(kinds(messages(&paused)), ["paused"]);
    let still = run.step(&control, &clock, 30.0);
    assert_eq!(still, Step::Wait(Vec::new()), "Paused is said once");

    control.resume();
    let resumed = run.step(&control, &clock, 30.0);
    assert!(matches!(resumed, Step::Continue(_)));
    assert_eq!(kinds(messages(&resumed))[..2], ["resumed", "progress"]);

    control.pause();
    run.step(&control, &clock, 30.0);
    control.stop();
    let stopped = run.step(&control, &clock, 30.0);
    assert_eq!(
        kinds(messages(&stopped)),
        ["resumed", "boundary", "finished"]
    );
    assert!(matches!(
        messages(&stopped).last(),
        Some(FromWorker::Finished {
            outcome: RunOutcome::Stopped,
            ..
        })
    ));
    control.end_run();
    assert!(control.begin_run(), "the trainer is free again");
}

#[test]
fn the_boundary_is_drawn_at_most_every_quarter_second() {
    let control = Control::default();
    let mut run = TrainingRun::start("run-1".into(), &spec(1000), &spiral(200)).unwrap();
    let now = Cell::new(0.0);
    // Every reading moves the clock on 1 ms; each step also moves it on 10 ms.
    let clock = || {
        now.set(now.get() + 1.0);
        now.get()
    };
    let mut drawn_at = Vec::new();
    for _ in 0..100 {
        now.set(now.get() + 10.0);
        let step = run.step(&control, &clock, 5.0);
        if kinds(messages(&step)).contains(&"boundary") {
            drawn_at.push(now.get());
        }
    }
    assert!(drawn_at.len() >= 3, "{drawn_at:?}");
    assert!(
        drawn_at
            .windows(2)
            .all(|pair| pair[1] - pair[0] >= BOUNDARY_EVERY_MS),
        "{drawn_at:?}"
    );
}

#[test]
fn a_run_that_cannot_train_fails_in_words_and_regression_draws_no_boundary() {
    let cnn_on_points = TrainSpec {
        model: ModelSpec::small_cnn(),
        ..spec(3)
    };
    let Err(FromWorker::Failed { run_id, reason }) =
        TrainingRun::start("run-9".into(), &cnn_on_points, &spiral(200))
    else {
        panic!("a CNN cannot train on points");
    };
    assert_eq!(run_id, "run-9");
    assert!(reason.contains("image"), "{reason}");

    let sine = SyntheticSpec {
        kind: SyntheticKind::Sine,
        sample_count: 100,
        ..SyntheticSpec::default()
    }
    .generate()
    .unwrap();
    let control = Control::default();
    let mut run = TrainingRun::start("run-2".into(), &spec(2), &sine).unwrap();
    let clock = ticking_clock();
    let mut all = Vec::new();
    loop {
        let step = run.step(&control, &clock, 30.0);
        all.extend(kinds(messages(&step)));
        if matches!(step, Step::Done(_)) {
            break;
        }
    }
    assert!(!all.contains(&"boundary"), "{all:?}");
    assert_eq!(all.last(), Some(&"finished"));
}

fn trained_model() -> kindling_core::tracking::RunModel {
    let data = spiral(100);
    let mut trainer = Trainer::new(&spec(2), &data).unwrap();
    let clock = ticking_clock();
    while !trainer.run_slice(&clock, 1000.0).unwrap().done {}
    trainer.trained_model().run_model().unwrap()
}

#[test]
fn the_model_service_keeps_a_few_models_and_asks_again_for_others() {
    let mut service = ModelService::default();
    let model = trained_model();
    let predict = |key: &str, source: Option<ModelSource>| ModelRequest::Predict {
        key: key.to_owned(),
        source,
        rows: vec![0.1, 0.2, 0.3, 0.4],
    };
    assert_eq!(
        service.answer(predict("a", None)),
        Ok(ModelReply::NotLoaded)
    );
    let first = service
        .answer(predict(
            "a",
            Some(ModelSource::Run(Box::new(model.clone()))),
        ))
        .unwrap();
    let ModelReply::Predictions(predictions) = &first else {
        panic!("{first:?}");
    };
    assert_eq!(predictions.len(), 2, "two rows of two features");
    assert_eq!(service.answer(predict("a", None)), Ok(first.clone()));
    for key in 0..KEPT_MODELS {
        let source = Some(ModelSource::Run(Box::new(model.clone())));
        service.answer(predict(&key.to_string(), source)).unwrap();
    }
    assert_eq!(
        service.answer(predict("a", None)),
        Ok(ModelReply::NotLoaded),
        "the cache holds at most {KEPT_MODELS} models"
    );
    let last = (KEPT_MODELS - 1).to_string();
    let ragged = ModelRequest::Predict {
        key: last,
        source: None,
        rows: vec![1.0, 2.0, 3.0],
    };
    let error = service.answer(ragged).unwrap_err();
    assert!(error.contains("whole rows"), "{error}");
}

#[test]
fn a_csv_is_read_then_imported_and_a_bad_one_leaves_nothing_open() {
    let mut service = ModelService::default();
    let import = || ModelRequest::ImportCsv {
        name: "mine".into(),
        options: ImportOptions::default(),
    };
    let error = service.answer(import()).unwrap_err();
    assert!(error.contains("choose it again"), "{error}");
    let mut file = String::from("a,b,label\n");
    for row in 0..20 {
        file.push_str(&format!("{row}.5,{},{}\n", row * 2, ["x", "y"][row % 2]));
    }
    let Ok(ModelReply::CsvRead(preview)) = service.read_csv(file.as_bytes()) else {
        panic!("a good file reads");
    };
    assert_eq!(preview.row_count, 20);
    let Ok(ModelReply::CsvImported { dataset, .. }) = service.answer(import()) else {
        panic!("the file read is imported");
    };
    assert_eq!(dataset.row_count(), 20);
    assert!(service.read_csv(b"only one column\n1\n2\n").is_err());
    assert!(
        service.answer(import()).is_err(),
        "a file that failed to read leaves no table behind"
    );
}
