//! Plausible registry entries for store contracts and tests.

use std::collections::BTreeMap;

use super::card::ModelCard;
use super::gates::{CheckKind, CheckResult, GateReport};
use super::model::{Lineage, ModelVersion, VersionSource};
use crate::data::prepare::Preprocessing;
use crate::data::synthetic::SyntheticSpec;
use crate::signature::ModelSignature;
use crate::spec::TrainSpec;
use crate::tracking::DatasetRef;

/// A version of `model` numbered `number` whose one gate passed.
pub fn version(model: &str, number: u32) -> ModelVersion {
    let data = SyntheticSpec::default().generate().unwrap();
    let spec = TrainSpec::default();
    let rows: Vec<usize> = (0..data.row_count()).collect();
    ModelVersion {
        model: model.into(),
        version: number,
        created_ms: 1.0,
        source: VersionSource::Run,
        lineage: Lineage {
            run_id: "run-1".into(),
            run_name: "quick-fox-1".into(),
            dataset: DatasetRef::of(&data),
            recipe: spec.clone(),
            app_version: crate::APP_VERSION.into(),
        },
        signature: ModelSignature::for_data(
            &spec.model,
            &data,
            Preprocessing::fit(&data, &rows),
            spec.backend,
        ),
        metrics: BTreeMap::from([("test_accuracy".to_owned(), 0.9)]),
        gate_report: GateReport {
            checks: vec![CheckResult {
                kind: CheckKind::Threshold,
                name: "test_accuracy ≥ 0.95".into(),
                passed: true,
                value: Some(0.9),
                threshold: Some(0.95),
                detail: String::new(),
            }],
        },
        package_sha256: "ab".repeat(32),
        weights_sha256: "cd".repeat(32),
        archived: false,
        card: ModelCard::default(),
    }
}
