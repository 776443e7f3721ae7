//! The trainer's contract, checked on every backend: it learns, it is deterministic, slicing
//! does not change the maths, early stopping keeps the best weights, saved weights reload to
//! the same predictions, divergence stops the run with a reason, and the decision boundary is
//! drawn without disturbing the run.

mod common;

use common::{BACKENDS, load, test_score, ticking_clock, train_to_end};
use kindling_core::choice::Choice;
use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::data::{ImageShape, Target};
use kindling_core::evaluation::Report;
use kindling_core::metrics::EpochMetrics;
use kindling_core::protocol::BoundaryGrid;
use kindling_core::signature::Prediction;
use kindling_core::spec::{
    Activation, DatasetSpec, EarlyStopping, ModelSpec, Optimizer, Schedule, StopMetric, TrainSpec,
};
use kindling_ml::{BuildError, TrainError, TrainedModel, Trainer};

/// Every figure of an epoch except its wall time, bit for bit.
fn without_times(history: &[EpochMetrics]) -> Vec<[u64; 6]> {
    let bits = |value: Option<f64>| value.map_or(u64::MAX, f64::to_bits);
    history
        .iter()
        .map(|m| {
            [
                m.epoch as u64,
                m.train_loss.to_bits(),
                bits(m.train_accuracy),
                bits(m.val_loss),
                bits(m.val_accuracy),
                m.learning_rate.to_bits(),
            ]
        })
        .collect()
}

#[test]
fn default_spec_learns_the_spiral() {
    for backend in BACKENDS {
        let spec = TrainSpec {
            backend,
            ..TrainSpec::default()
        };
        let (trainer, history) = train_to_end(&spec, &load(&spec), 50.0);
        assert_eq!(history.len(), spec.epochs);
        assert!(history.last().unwrap().train_loss < history[0].train_loss / 4.0);
        let accuracy = test_score(&trainer);
        assert!(accuracy >= 0.97, "{backend:?}: test accuracy {accuracy}");
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
        let (trainer, _) = train_to_end(&spec, &load(&spec), 1000.0);
        let accuracy = test_score(&trainer);
        assert!(accuracy >= 0.95, "{kind:?}: test accuracy {accuracy}");
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
        let data = load(&spec);
        let (_, one_batch_slices) = train_to_end(&spec, &data, 1.0);
        let (_, long_slices) = train_to_end(&spec, &data, 1000.0);
        assert_eq!(
            without_times(&one_batch_slices),
            without_times(&long_slices)
        );

        let other_seed = TrainSpec { seed: 7, ..spec };
        let (_, other) = train_to_end(&other_seed, &data, 1000.0);
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
    let mut trainer = Trainer::new(&spec, &load(&spec)).unwrap();
    let clock = ticking_clock();
    // Each step reads the clock once; a budget of 3 readings covers two of seven batches.
    let slice = trainer.run_slice(&clock, 3.0).unwrap();
    assert!(slice.epochs.is_empty());
    assert!(!slice.done);
    assert!(trainer.fraction_done() > 0.0 && trainer.fraction_done() < 0.5);
}

#[test]
fn a_huge_learning_rate_stops_with_the_epoch_it_diverged_at() {
    // Cross-entropy on standardised inputs stays finite, but squared error does not: plain
    // SGD at a learning rate of 100 overshoots further with every step.
    let spec = TrainSpec {
        dataset: DatasetSpec::Synthetic(SyntheticSpec {
            kind: SyntheticKind::Sine,
            ..Default::default()
        }),
        optimizer: Optimizer::Sgd { momentum: 0.0 },
        learning_rate: 100.0,
        epochs: 50,
        ..TrainSpec::default()
    };
    let mut trainer = Trainer::new(&spec, &load(&spec)).unwrap();
    let error = train_until_it_fails(&mut trainer);
    let TrainError::Diverged { epoch, .. } = error else {
        panic!("{error:?}")
    };
    assert!(error.to_string().starts_with("the loss became"));
    assert!(error.to_string().contains(&format!("at epoch {epoch}")));
}

/// Trains in slices until one fails, which a learning rate of 100 must make happen.
fn train_until_it_fails(trainer: &mut Trainer) -> TrainError {
    let clock = ticking_clock();
    loop {
        match trainer.run_slice(&clock, 1000.0) {
            Ok(slice) => assert!(
                !slice.done,
                "a learning rate of 100 trained without diverging"
            ),
            Err(error) => return error,
        }
    }
}

#[test]
fn a_diverged_classifier_still_draws_a_boundary_the_page_can_read() {
    // The spiral at a learning rate of 100 with plain SGD: the weights become NaN in epoch 1.
    let spec = TrainSpec {
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        learning_rate: 100.0,
        epochs: 50,
        ..TrainSpec::default()
    };
    let mut trainer = Trainer::new(&spec, &load(&spec)).unwrap();
    train_until_it_fails(&mut trainer);
    let grid = trainer.predict_grid(&[0.0, 0.0, 0.5, -0.5, 1.0, 1.0]);
    assert_eq!(grid.len(), 3);
    assert!(
        grid.iter().all(|(_, confidence)| confidence.is_finite()),
        "{grid:?}"
    );
    let message = serde_json::to_string(&grid).unwrap();
    let read: Vec<(usize, f32)> = serde_json::from_str(&message).unwrap();
    assert_eq!(read, grid, "the grid survives the trip to the page");
}

#[test]
fn sgd_with_momentum_learns_too() {
    let spec = TrainSpec {
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        learning_rate: 0.1,
        epochs: 150,
        ..TrainSpec::default()
    };
    let (trainer, _) = train_to_end(&spec, &load(&spec), 1000.0);
    let accuracy = test_score(&trainer);
    assert!(accuracy >= 0.9, "test accuracy {accuracy}");
}

#[test]
fn invalid_specs_are_refused_before_training() {
    let spec = TrainSpec {
        batch_size: 0,
        ..TrainSpec::default()
    };
    let error = Trainer::new(&spec, &load(&spec)).err().unwrap();
    assert_eq!(
        error.to_string(),
        "the batch size must be between 1 and 4096, not 0"
    );
}

#[test]
fn regression_sets_are_fitted_and_scored_in_their_own_units() {
    for kind in [SyntheticKind::Sine, SyntheticKind::Plane] {
        let spec = TrainSpec {
            dataset: DatasetSpec::Synthetic(SyntheticSpec {
                kind,
                noise: 0.1,
                ..Default::default()
            }),
            epochs: 60,
            ..TrainSpec::default()
        };
        let (trainer, history) = train_to_end(&spec, &load(&spec), 1000.0);
        assert!(
            history
                .iter()
                .all(|m| m.train_accuracy.is_none() && m.val_r2.is_some())
        );
        let Some(Report::Regression(report)) = trainer.evaluate().test else {
            panic!("{kind:?} is scored as a regression");
        };
        let r2 = report.r2.unwrap();
        assert!(r2 >= 0.95, "{kind:?}: R² {r2}");
        // The noise (σ = 0.1) bounds how small the error can be, in the target's units.
        assert!(
            report.rmse > 0.05 && report.rmse < 0.2,
            "{kind:?}: RMSE {}",
            report.rmse
        );
    }
}

#[test]
fn a_linear_model_fits_a_plane_but_not_a_sine() {
    let score = |kind| {
        let spec = TrainSpec {
            dataset: DatasetSpec::Synthetic(SyntheticSpec {
                kind,
                noise: 0.05,
                ..Default::default()
            }),
            model: ModelSpec::Linear,
            epochs: 40,
            ..TrainSpec::default()
        };
        test_score(&train_to_end(&spec, &load(&spec), 1000.0).0)
    };
    assert!(score(SyntheticKind::Plane) > 0.99);
    assert!(score(SyntheticKind::Sine) < 0.9);
}

#[test]
fn every_activation_and_dropout_learn_deterministically() {
    for activation in Activation::all() {
        let spec = TrainSpec {
            model: ModelSpec::Mlp {
                hidden_layers: vec![32, 32],
                activation,
                dropout: 0.1,
            },
            dataset: DatasetSpec::Synthetic(SyntheticSpec {
                kind: SyntheticKind::Moons,
                noise: 0.1,
                ..Default::default()
            }),
            epochs: 60,
            ..TrainSpec::default()
        };
        let data = load(&spec);
        let (trainer, history) = train_to_end(&spec, &data, 1000.0);
        let accuracy = test_score(&trainer);
        assert!(accuracy >= 0.9, "{activation:?}: test accuracy {accuracy}");
        let (_, again) = train_to_end(&spec, &data, 3.0);
        assert_eq!(
            without_times(&history),
            without_times(&again),
            "{activation:?}"
        );
    }
}

#[test]
fn adamw_weight_decay_and_schedules_are_applied_and_reported() {
    let base = TrainSpec {
        epochs: 20,
        ..TrainSpec::default()
    };
    let data = load(&base);
    let step = TrainSpec {
        optimizer: Optimizer::AdamW,
        weight_decay: 0.01,
        schedule: Schedule::Step {
            every_epochs: 5,
            factor: 0.5,
        },
        ..base.clone()
    };
    let (_, history) = train_to_end(&step, &data, 1000.0);
    let rates: Vec<f64> = history.iter().map(|m| m.learning_rate).collect();
    assert_eq!(rates[0], 0.01);
    assert_eq!(rates[5], 0.005);
    assert_eq!(rates[19], 0.00125);

    let (_, plain) = train_to_end(&base, &data, 1000.0);
    let decayed = TrainSpec {
        weight_decay: 0.1,
        ..base.clone()
    };
    let (_, with_decay) = train_to_end(&decayed, &data, 1000.0);
    assert_ne!(without_times(&plain), without_times(&with_decay));

    let cosine = TrainSpec {
        schedule: Schedule::Cosine,
        ..base
    };
    let (trainer, history) = train_to_end(&cosine, &data, 1000.0);
    assert!(history[19].learning_rate < 0.0001);
    assert!(test_score(&trainer) >= 0.9);
}

#[test]
fn early_stopping_ends_the_run_and_keeps_the_best_epoch() {
    // A wide network on few noisy points overfits: validation loss turns up early.
    let spec = TrainSpec {
        dataset: DatasetSpec::Synthetic(SyntheticSpec {
            kind: SyntheticKind::Moons,
            sample_count: 120,
            noise: 0.35,
            seed: 4,
        }),
        model: ModelSpec::mlp(vec![256, 256]),
        learning_rate: 0.01,
        batch_size: 16,
        epochs: 500,
        early_stopping: Some(EarlyStopping {
            metric: StopMetric::ValidationLoss,
            patience: 10,
            min_delta: 0.0,
        }),
        ..TrainSpec::default()
    };
    let data = load(&spec);
    let (trainer, history) = train_to_end(&spec, &data, 1000.0);
    assert!(trainer.stopped_early());
    assert!(history.len() < 500);
    assert_eq!(trainer.fraction_done(), 1.0);
    let best = history
        .iter()
        .min_by(|a, b| a.val_loss.unwrap().total_cmp(&b.val_loss.unwrap()))
        .unwrap();
    assert_eq!(history.len(), best.epoch + 10);
    let evaluation = trainer.evaluate();
    assert_eq!(evaluation.best_epoch, best.epoch);
    // The kept weights are the best epoch's: their validation log loss is that epoch's.
    let Some(Report::Classification(validation)) = evaluation.validation else {
        panic!()
    };
    assert!((validation.log_loss - best.val_loss.unwrap()).abs() < 1e-4);
}

#[test]
fn saved_weights_reload_to_identical_predictions() {
    for backend in BACKENDS {
        let spec = TrainSpec {
            backend,
            epochs: 5,
            model: ModelSpec::Mlp {
                hidden_layers: vec![16, 8],
                activation: Activation::Gelu,
                dropout: 0.2,
            },
            ..TrainSpec::default()
        };
        let data = load(&spec);
        let (trainer, _) = train_to_end(&spec, &data, 1000.0);
        let model = trainer.trained_model();
        let predictions = model.predict(&data.features);
        assert_eq!(predictions.len(), data.row_count());

        let record = model.record_bytes().unwrap();
        let from_record =
            TrainedModel::from_record_bytes(model.signature().clone(), &record).unwrap();
        assert_eq!(from_record.predict(&data.features), predictions);

        let tensors = model.safetensors_bytes().unwrap();
        let from_tensors =
            TrainedModel::from_safetensors(model.signature().clone(), &tensors).unwrap();
        assert_eq!(from_tensors.predict(&data.features), predictions);

        // Predictions twice in a row are equal too: dropout is off outside training.
        assert_eq!(model.predict(&data.features), predictions);
    }
}

#[test]
fn weights_for_another_architecture_are_refused_in_words() {
    let spec = TrainSpec {
        epochs: 1,
        ..TrainSpec::default()
    };
    let (trainer, _) = train_to_end(&spec, &load(&spec), 1000.0);
    let model = trainer.trained_model();
    let mut other = model.signature().clone();
    other.model = ModelSpec::mlp(vec![8]);
    let error = TrainedModel::from_safetensors(other.clone(), &model.safetensors_bytes().unwrap())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the weights do not fit this model"),
        "{error}"
    );
    let error = TrainedModel::from_record_bytes(other, &model.record_bytes().unwrap()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the weights do not fit this model"),
        "{error}"
    );
    assert!(TrainedModel::from_record_bytes(model.signature().clone(), b"not weights").is_err());
}

#[test]
fn predictions_carry_every_class_probability() {
    let spec = TrainSpec {
        dataset: DatasetSpec::Synthetic(SyntheticSpec {
            kind: SyntheticKind::Blobs { classes: 3 },
            noise: 0.05,
            ..Default::default()
        }),
        epochs: 20,
        ..TrainSpec::default()
    };
    let data = load(&spec);
    let (trainer, _) = train_to_end(&spec, &data, 1000.0);
    let Target::Classes { labels, .. } = &data.target else {
        panic!()
    };
    let predictions = trainer.trained_model().predict(&data.features[..6]);
    for (prediction, &label) in predictions.iter().zip(labels) {
        let Prediction::Class {
            label: predicted,
            probabilities,
        } = prediction
        else {
            panic!("{prediction:?}")
        };
        assert_eq!(*predicted, label);
        assert_eq!(probabilities.len(), 3);
        assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(probabilities[label as usize] > 0.5);
    }
}

#[test]
fn a_cnn_needs_image_rows() {
    let spec = TrainSpec {
        model: ModelSpec::small_cnn(),
        ..TrainSpec::default()
    };
    let error = Trainer::new(&spec, &load(&spec)).err().unwrap();
    assert_eq!(error, TrainError::Build(BuildError::CnnNeedsImages));
    let mut tiny = load(&spec);
    tiny.image_shape = Some(ImageShape {
        height: 2,
        width: 1,
    });
    assert_eq!(
        Trainer::new(&spec, &tiny).err().unwrap(),
        TrainError::Build(BuildError::ImageTooSmall)
    );
}

/// Trains to the end like `train_to_end`, asking for the grid after every slice as the worker
/// does.
fn train_drawing_the_boundary(
    spec: &TrainSpec,
    data: &kindling_core::data::Dataset,
    resolution: usize,
) -> (Trainer, Vec<EpochMetrics>, Vec<(usize, f32)>) {
    let centres = BoundaryGrid::cell_centres(BoundaryGrid::frame(&data.features), resolution);
    let mut trainer = Trainer::new(spec, data).unwrap();
    let clock = ticking_clock();
    let mut history = Vec::new();
    loop {
        let slice = trainer.run_slice(&clock, 3.0).unwrap();
        history.extend(slice.epochs);
        let cells = trainer.predict_grid(&centres);
        assert_eq!(cells.len(), resolution * resolution);
        if slice.done {
            return (trainer, history, cells);
        }
    }
}

#[test]
fn drawing_the_boundary_leaves_the_run_bit_identical() {
    for backend in BACKENDS {
        // With dropout, evaluation mode matters: in training mode the grid would be masked.
        let spec = TrainSpec {
            backend,
            epochs: 4,
            model: ModelSpec::Mlp {
                hidden_layers: vec![16, 16],
                activation: Activation::Relu,
                dropout: 0.2,
            },
            ..TrainSpec::default()
        };
        let data = load(&spec);
        let (plain, plain_history) = train_to_end(&spec, &data, 3.0);
        let (drawn, drawn_history, last_cells) = train_drawing_the_boundary(&spec, &data, 10);
        assert_eq!(
            without_times(&plain_history),
            without_times(&drawn_history),
            "{backend:?}"
        );
        assert_eq!(
            plain.trained_model().predict(&data.features),
            drawn.trained_model().predict(&data.features),
            "{backend:?}"
        );
        let centres = BoundaryGrid::cell_centres(BoundaryGrid::frame(&data.features), 10);
        assert_eq!(plain.predict_grid(&centres), last_cells, "{backend:?}");
        assert_eq!(drawn.predict_grid(&centres), last_cells, "{backend:?}");
    }
}

#[test]
fn the_boundary_puts_each_blob_in_its_own_class() {
    let spec = TrainSpec {
        dataset: DatasetSpec::Synthetic(SyntheticSpec {
            kind: SyntheticKind::Blobs { classes: 3 },
            noise: 0.05,
            ..Default::default()
        }),
        epochs: 20,
        ..TrainSpec::default()
    };
    let data = load(&spec);
    let resolution = 40;
    let (trainer, _, cells) = train_drawing_the_boundary(&spec, &data, resolution);
    let Target::Classes { labels, .. } = &data.target else {
        panic!()
    };
    let (x_min, x_max, y_min, y_max) = BoundaryGrid::frame(&data.features);
    let cell_of =
        |min: f64, max: f64, value: f64| ((value - min) / (max - min) * resolution as f64) as usize;
    for class in 0..3 {
        // A blob's centroid lies deep inside its class's region.
        let members: Vec<&[f32]> = (0..data.row_count())
            .filter(|&row| labels[row] == class)
            .map(|row| data.row(row))
            .collect();
        let mean = |column: usize| {
            members
                .iter()
                .map(|row| f64::from(row[column]))
                .sum::<f64>()
                / members.len() as f64
        };
        let (x, y) = (mean(0), mean(1));
        let (predicted, probability) =
            cells[cell_of(y_min, y_max, y) * resolution + cell_of(x_min, x_max, x)];
        assert_eq!(predicted, class as usize, "blob {class} at ({x}, {y})");
        assert!(probability > 0.9, "blob {class}: probability {probability}");
        let [(at_centroid, _)] = trainer.predict_grid(&[x as f32, y as f32])[..] else {
            panic!("one point, one answer")
        };
        assert_eq!(at_centroid, class as usize, "blob {class} at ({x}, {y})");
    }
}

#[test]
fn a_regression_model_has_no_boundary() {
    let spec = TrainSpec {
        dataset: DatasetSpec::Synthetic(SyntheticSpec {
            kind: SyntheticKind::Plane,
            ..Default::default()
        }),
        epochs: 1,
        ..TrainSpec::default()
    };
    let data = load(&spec);
    let (trainer, _) = train_to_end(&spec, &data, 1000.0);
    assert!(trainer.predict_grid(&data.features).is_empty());
}
