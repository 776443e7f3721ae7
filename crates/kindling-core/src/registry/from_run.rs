//! A run made into a model version: the one place that decides what a version registered from
//! a run records (its lineage, its metrics, its gate report), so the browser's Register button,
//! a pipeline's register step in the tab and the command line's all register the same thing.
//!
//! The package is built after this, from the version (the manifest is made from it), so the
//! two hashes it cannot know yet are left empty for the caller to fill.

use super::card::ModelCard;
use super::gates::GateReport;
use super::model::{Lineage, ModelVersion, RegisteredModel, VersionSource};
use crate::signature::ModelSignature;
use crate::tracking::RunRecord;

/// Version `number` of `model` made from `run`, whose kept model has `signature` and was judged
/// by `report`. Only the run's test and validation figures are kept: they are what gates read
/// and what a card reports. `package_sha256` and `weights_sha256` are empty: the caller builds
/// the package from this version and fills both in before storing it.
pub fn version_from_run(
    model: &RegisteredModel,
    number: u32,
    run: &RunRecord,
    signature: ModelSignature,
    report: GateReport,
    now_ms: f64,
) -> ModelVersion {
    ModelVersion {
        model: model.name.clone(),
        version: number,
        created_ms: now_ms,
        source: VersionSource::Run,
        lineage: Lineage {
            run_id: run.id.clone(),
            run_name: run.name.clone(),
            dataset: run.dataset.clone(),
            recipe: run.spec.clone(),
            app_version: run.app_version.clone(),
        },
        signature,
        metrics: run
            .metrics
            .iter()
            .filter(|(name, _)| name.starts_with("test_") || name.starts_with("val_"))
            .map(|(name, value)| (name.clone(), *value))
            .collect(),
        gate_report: report,
        package_sha256: String::new(),
        weights_sha256: String::new(),
        archived: false,
        card: ModelCard::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::registry::fixtures;
    use crate::spec::TrainSpec;

    #[test]
    fn a_version_keeps_the_run_s_lineage_and_held_out_figures_and_leaves_the_hashes_empty() {
        let data = SyntheticSpec::default().generate().unwrap();
        let mut run = RunRecord::new(
            "run-7".into(),
            "swift-owl-3".into(),
            TrainSpec::default(),
            &data,
            1.0,
        );
        for (name, value) in [
            ("train_loss", 0.1),
            ("val_accuracy", 0.92),
            ("test_accuracy", 0.9),
            ("learning_rate", 0.01),
            ("best_epoch", 40.0),
        ] {
            run.metrics.insert(name.into(), value);
        }
        let model = RegisteredModel::new("spiral", 0.0).unwrap();
        let template = fixtures::version("spiral", 1);
        let version = version_from_run(
            &model,
            3,
            &run,
            template.signature.clone(),
            template.gate_report.clone(),
            50.0,
        );
        assert_eq!((version.model.as_str(), version.version), ("spiral", 3));
        assert_eq!(version.created_ms, 50.0);
        assert_eq!(version.source, VersionSource::Run);
        assert_eq!(version.lineage.run_id, "run-7");
        assert_eq!(version.lineage.run_name, "swift-owl-3");
        assert_eq!(version.lineage.dataset, run.dataset);
        assert_eq!(version.lineage.recipe, run.spec);
        assert_eq!(version.lineage.app_version, crate::APP_VERSION);
        let kept: Vec<&str> = version.metrics.keys().map(String::as_str).collect();
        assert_eq!(kept, ["test_accuracy", "val_accuracy"]);
        assert_eq!(version.signature, template.signature);
        assert_eq!(version.gate_report, template.gate_report);
        assert!(version.package_sha256.is_empty() && version.weights_sha256.is_empty());
        assert!(!version.archived);
        assert_eq!(version.card, ModelCard::default());
    }
}
