//! The quality bar: default settings and a fixed seed reach, on the held-out test split, the
//! figures scikit-learn's documented examples reach on the same data.

mod common;

use common::{bundled_data, load, test_score, train_to_end};
use kindling_core::data::bundled::BundledDataset;
use kindling_core::spec::{DatasetSpec, EarlyStopping, ModelSpec, StopMetric, TrainSpec};

fn bundled_score(bundled: BundledDataset, model: ModelSpec) -> f64 {
    let spec = TrainSpec {
        dataset: DatasetSpec::Bundled(bundled),
        model,
        ..TrainSpec::default()
    };
    let (trainer, _) = train_to_end(&spec, &bundled_data(bundled), 1000.0);
    let score = test_score(&trainer);
    eprintln!("{bundled:?} {}: {score:.4}", spec.model.label());
    score
}

fn default_mlp() -> ModelSpec {
    TrainSpec::default().model
}

#[test]
fn iris_reaches_93_percent() {
    assert!(bundled_score(BundledDataset::Iris, default_mlp()) >= 0.93);
}

#[test]
fn wine_reaches_93_percent() {
    assert!(bundled_score(BundledDataset::Wine, default_mlp()) >= 0.93);
}

#[test]
fn breast_cancer_reaches_95_percent() {
    assert!(bundled_score(BundledDataset::BreastCancer, default_mlp()) >= 0.95);
}

#[test]
fn digits_reach_95_percent_with_an_mlp() {
    assert!(bundled_score(BundledDataset::Digits, default_mlp()) >= 0.95);
}

#[test]
fn digits_reach_96_percent_with_a_cnn() {
    let preset = TrainSpec::preset_for(Some(BundledDataset::Digits)).model;
    assert_eq!(
        preset,
        ModelSpec::small_cnn(),
        "the digits preset is the CNN"
    );
    assert!(bundled_score(BundledDataset::Digits, preset) >= 0.96);
}

#[test]
fn diabetes_reaches_an_r2_of_035() {
    // As in scikit-learn's examples, the figure is a linear model's.
    let preset = TrainSpec::preset_for(Some(BundledDataset::Diabetes)).model;
    assert_eq!(preset, ModelSpec::Linear, "the diabetes preset is linear");
    assert!(bundled_score(BundledDataset::Diabetes, preset) >= 0.35);
}

#[test]
fn an_mlp_that_overfits_diabetes_is_rescued_by_early_stopping() {
    let bundled = BundledDataset::Diabetes;
    let data = bundled_data(bundled);
    let plain = TrainSpec {
        dataset: DatasetSpec::Bundled(bundled),
        ..TrainSpec::default()
    };
    let stopping = TrainSpec {
        early_stopping: Some(EarlyStopping {
            metric: StopMetric::ValidationLoss,
            patience: 10,
            min_delta: 0.0,
        }),
        ..plain.clone()
    };
    let overfit = test_score(&train_to_end(&plain, &data, 1000.0).0);
    let stopped = test_score(&train_to_end(&stopping, &data, 1000.0).0);
    eprintln!("diabetes MLP: R² {overfit:.4} after 100 epochs, {stopped:.4} with early stopping");
    assert!(stopped >= 0.35 && stopped > overfit);
}

#[test]
fn the_spiral_reaches_97_percent() {
    let spec = TrainSpec::default();
    let (trainer, _) = train_to_end(&spec, &load(&spec), 1000.0);
    assert!(test_score(&trainer) >= 0.97);
}
