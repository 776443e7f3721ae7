//! The trainer's contract, checked on every backend: it learns, it is deterministic, slicing
//! does not change the maths, and divergence stops the run with a reason.

use std::cell::Cell;

use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::metrics::EpochMetrics;
use kindling_core::spec::{Backend, DatasetSpec, Optimizer, TrainSpec};
use kindling_ml::{TrainError, Trainer};

const BACKENDS: [Backend; 2] = [Backend::NdArray, Backend::Flex];

/// A clock that advances one millisecond per reading, so a slice's budget counts readings and
/// tests do not depend on the machine's speed.
fn ticking_clock() -> impl Fn() -> f64 {
    let ticks = Cell::new(0.0);
    move || {
        ticks.set(ticks.get() + 1.0);
        ticks.get()
    }
}

fn train_to_end(spec: &TrainSpec, budget_ms: f64) -> (Trainer, Vec<EpochMetrics>) {
    let data = spec.dataset.load().unwrap();
    let mut trainer = Trainer::new(spec, &data).unwrap();
    let clock = ticking_clock();
    let mut history = Vec::new();
    loop {
        let slice = trainer.run_slice(&clock, budget_ms).unwrap();
        history.extend(slice.epochs);
        if slice.done {
            return (trainer, history);
        }
    }
}

fn without_times(history: &[EpochMetrics]) -> Vec<(usize, u64, u64)> {
    history
        .iter()
        .map(|m| (m.epoch, m.train_loss.to_bits(), m.train_accuracy.to_bits()))
        .collect()
}

#[test]
fn default_spec_learns_the_spiral() {
    for backend in BACKENDS {
        let spec = TrainSpec {
            backend,
            ..TrainSpec::default()
        };
        let (trainer, history) = train_to_end(&spec, 50.0);
        assert_eq!(history.len(), spec.epochs);
        assert!(history.last().unwrap().train_loss < history[0].train_loss / 4.0);
        let final_metrics = trainer.evaluate();
        assert!(
            final_metrics.accuracy >= 0.95,
            "{backend:?}: accuracy {}",
            final_metrics.accuracy
        );
        assert_eq!(trainer.fraction_done(), 1.0);
    }
}

#[test]
fn every_synthetic_set_is_learned() {
    let kinds = [
        SyntheticKind::Circles,
        SyntheticKind::Xor,
        SyntheticKind::Moons,
        SyntheticKind::Blobs { classes: 5 },
    ];
    for kind in kinds {
        let spec = TrainSpec {
            dataset: DatasetSpec::Synthetic(SyntheticSpec {
                kind,
                noise: 0.05,
                ..Default::default()
            }),
            epochs: 40,
            ..TrainSpec::default()
        };
        let (trainer, _) = train_to_end(&spec, 1000.0);
        let accuracy = trainer.evaluate().accuracy;
        assert!(accuracy >= 0.95, "{kind:?}: accuracy {accuracy}");
    }
}

#[test]
fn same_seed_gives_bit_identical_histories_whatever_the_slicing() {
    for backend in BACKENDS {
        let spec = TrainSpec {
            backend,
            epochs: 5,
            ..TrainSpec::default()
        };
        let (_, one_batch_slices) = train_to_end(&spec, 1.0);
        let (_, long_slices) = train_to_end(&spec, 1000.0);
        assert_eq!(
            without_times(&one_batch_slices),
            without_times(&long_slices)
        );

        let other_seed = TrainSpec { seed: 7, ..spec };
        let (_, other) = train_to_end(&other_seed, 1000.0);
        assert_ne!(without_times(&other), without_times(&long_slices));
    }
}

#[test]
fn slices_stop_mid_epoch_and_report_progress() {
    let spec = TrainSpec {
        epochs: 2,
        batch_size: 100,
        ..TrainSpec::default()
    };
    let data = spec.dataset.load().unwrap();
    let mut trainer = Trainer::new(&spec, &data).unwrap();
    let clock = ticking_clock();
    // Each step reads the clock once; a budget of 3 readings covers two batches of ten.
    let slice = trainer.run_slice(&clock, 3.0).unwrap();
    assert!(slice.epochs.is_empty());
    assert!(!slice.done);
    assert!(trainer.fraction_done() > 0.0 && trainer.fraction_done() < 0.5);
}

#[test]
fn a_huge_learning_rate_stops_with_the_epoch_it_diverged_at() {
    // Cross-entropy on logits stays finite on well-scaled data, so the overflow comes from
    // features no one standardised (values near 1e18) and a learning rate of 100.
    let spec = TrainSpec {
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        learning_rate: 100.0,
        epochs: 50,
        ..TrainSpec::default()
    };
    let mut data = spec.dataset.load().unwrap();
    data.features.iter_mut().for_each(|x| *x *= 1e18);
    let mut trainer = Trainer::new(&spec, &data).unwrap();
    let clock = ticking_clock();
    let error = loop {
        match trainer.run_slice(&clock, 1000.0) {
            Ok(slice) => assert!(
                !slice.done,
                "a learning rate of 100 trained without diverging"
            ),
            Err(error) => break error,
        }
    };
    let TrainError::Diverged { epoch, .. } = error else {
        panic!("{error:?}")
    };
    assert!(error.to_string().starts_with("the loss became"));
    assert!(error.to_string().contains(&format!("at epoch {epoch}")));
}

#[test]
fn sgd_with_momentum_learns_too() {
    let spec = TrainSpec {
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        learning_rate: 0.1,
        epochs: 150,
        ..TrainSpec::default()
    };
    let (trainer, _) = train_to_end(&spec, 1000.0);
    let accuracy = trainer.evaluate().accuracy;
    assert!(accuracy >= 0.9, "accuracy {accuracy}");
}

#[test]
fn invalid_specs_are_refused_before_training() {
    let spec = TrainSpec {
        batch_size: 0,
        ..TrainSpec::default()
    };
    let data = spec.dataset.load().unwrap();
    let error = Trainer::new(&spec, &data).err().unwrap();
    assert_eq!(
        error.to_string(),
        "the batch size must be between 1 and 4096, not 0"
    );
}
