//! Helpers shared by the trainer's test files.
#![allow(dead_code)]

pub mod python;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::Path;

use kindling_core::data::Dataset;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::metrics::EpochMetrics;
use kindling_core::registry::card::ModelCard;
use kindling_core::registry::gates::GateReport;
use kindling_core::registry::{Lineage, ModelVersion, VersionSource};
use kindling_core::spec::{Backend, DatasetSpec, TrainSpec};
use kindling_core::tracking::DatasetRef;
use kindling_ml::{TrainedModel, Trainer};

pub const BACKENDS: [Backend; 2] = [Backend::NdArray, Backend::Flex];

/// A clock that advances one millisecond per reading, so a slice's budget counts readings and
/// tests do not depend on the machine's speed.
pub fn ticking_clock() -> impl Fn() -> f64 {
    let ticks = Cell::new(0.0);
    move || {
        ticks.set(ticks.get() + 1.0);
        ticks.get()
    }
}

/// The dataset a spec names: generated, or read from the bundled CSV files.
pub fn load(spec: &TrainSpec) -> Dataset {
    match &spec.dataset {
        DatasetSpec::Synthetic(synthetic) => synthetic.generate().unwrap(),
        DatasetSpec::Bundled(bundled) => bundled_data(*bundled),
        DatasetSpec::Imported { name } => panic!("tests do not import {name}"),
    }
}

pub fn bundled_data(bundled: BundledDataset) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/datasets")
        .join(bundled.file_name());
    bundled.parse(&std::fs::read(path).unwrap()).unwrap()
}

pub fn train_to_end(
    spec: &TrainSpec,
    data: &Dataset,
    budget_ms: f64,
) -> (Trainer, Vec<EpochMetrics>) {
    let mut trainer = Trainer::new(spec, data).unwrap();
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

/// The kept model's headline score (accuracy or R²) on the held-out test rows.
pub fn test_score(trainer: &Trainer) -> f64 {
    trainer
        .evaluate()
        .test
        .and_then(|report| report.headline())
        .expect("the default split keeps test rows")
}

/// A registry version of `model`, as the page registers one, to build its package.
pub fn version_of(
    model: &TrainedModel,
    spec: &TrainSpec,
    data: &kindling_core::data::Dataset,
) -> ModelVersion {
    ModelVersion {
        model: "spiral".into(),
        version: 2,
        created_ms: 1_700_000_000_000.0,
        source: VersionSource::Run,
        lineage: Lineage {
            run_id: "run-1".into(),
            run_name: "quick-fox-1".into(),
            dataset: DatasetRef::of(data),
            recipe: spec.clone(),
            app_version: kindling_core::APP_VERSION.into(),
        },
        signature: model.signature().clone(),
        metrics: BTreeMap::from([("test_accuracy".to_owned(), 0.97)]),
        gate_report: GateReport::default(),
        package_sha256: String::new(),
        weights_sha256: String::new(),
        archived: false,
        card: ModelCard::default(),
    }
}
