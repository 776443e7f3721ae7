//! The registry actions a pipeline takes, natively and over the store: judge a run (its gates,
//! the champion, the automatic checks on its weights), register it as a version with its
//! package, move an alias. The rules are core's and the model side is kindling-ml's, exactly
//! as the browser's Models pages use them, so a version registered here is indistinguishable
//! from one registered in the tab (and `workspace.json` carries it there).

use kindling_core::data::Dataset;
use kindling_core::data::prepare::dataset_id;
use kindling_core::ids::short_id;
use kindling_core::package::sha256_hex;
use kindling_core::protocol::Evidence;
use kindling_core::registry::gates::{self, Champion, Gate, GateReport};
use kindling_core::registry::store::RegistryStore;
use kindling_core::registry::{
    CHAMPION, ModelChange, ModelVersion, RegisteredModel, version_from_run,
};
use kindling_core::signature::ModelSignature;
use kindling_core::tracking::store::RunStore;
use kindling_core::tracking::{RunModel, RunRecord, RunState};
use kindling_core::workspace::memory::MemoryStore;
use kindling_ml::{TrainedModel, automatic_checks, build_package};

fn words(error: impl std::fmt::Display) -> String {
    error.to_string()
}

pub async fn model(store: &MemoryStore, name: &str) -> Result<Option<RegisteredModel>, String> {
    Ok(store
        .models()
        .await
        .map_err(words)?
        .into_iter()
        .find(|model| model.name == name))
}

pub async fn version(
    store: &MemoryStore,
    model: &str,
    number: u32,
) -> Result<Option<ModelVersion>, String> {
    Ok(store
        .versions()
        .await
        .map_err(words)?
        .into_iter()
        .find(|version| version.model == model && version.version == number))
}

/// The version holding `model`'s champion alias.
pub async fn champion(store: &MemoryStore, model: &str) -> Result<Option<ModelVersion>, String> {
    let Some(registered) = self::model(store, model).await? else {
        return Ok(None);
    };
    match registered.aliases.get(CHAMPION) {
        Some(&number) => version(store, model, number).await,
        None => Ok(None),
    }
}

/// The signature of the model's latest version, which every new version must match.
async fn registered_signature(
    store: &MemoryStore,
    model: &str,
) -> Result<Option<ModelSignature>, String> {
    Ok(store
        .versions()
        .await
        .map_err(words)?
        .into_iter()
        .filter(|version| version.model == model)
        .max_by_key(|version| version.version)
        .map(|version| version.signature))
}

/// The model a finished run kept, or why it has none.
async fn run_model(store: &MemoryStore, run: &RunRecord) -> Result<RunModel, String> {
    if !matches!(run.state, RunState::Finished { .. } | RunState::Stopped) {
        return Err(format!(
            "run {} {}: only a run that finished has a model to check and register",
            short_id(&run.id),
            run.state.label()
        ));
    }
    store
        .run_model(&run.id)
        .await
        .map_err(words)?
        .ok_or_else(|| {
            format!(
                "run {} has no stored model: train it again",
                short_id(&run.id)
            )
        })
}

/// `run` judged against exactly `gates` (the pipeline file's, whatever the model keeps), the
/// champion of `model` when it has one, and the automatic checks on its weights. `data` is the
/// data this pipeline run loaded: when it is the run's version, the checks that retrain and
/// rescore the recipe use it.
pub async fn judge(
    store: &MemoryStore,
    run: &RunRecord,
    data: Option<&Dataset>,
    model: Option<&str>,
    gates: &[Gate],
) -> Result<GateReport, String> {
    let kept = run_model(store, run).await?;
    let trained = TrainedModel::from_run_model(&kept).map_err(words)?;
    let registered = match model {
        Some(model) => registered_signature(store, model).await?,
        None => None,
    };
    let evidence = data
        .filter(|data| dataset_id(data) == run.dataset.id)
        .map(|data| Evidence {
            recipe: run.spec.clone(),
            data: data.clone(),
            claimed_metrics: run.metrics.clone(),
            early_weights: kept.early_weights.clone(),
        });
    let automatic = automatic_checks(&trained, registered.as_ref(), evidence.as_ref());
    let champion = match model {
        Some(model) => champion(store, model).await?,
        None => None,
    };
    let champion = champion.as_ref().map(|version| Champion {
        version: version.version,
        metrics: &version.metrics,
    });
    Ok(gates::evaluate(
        gates,
        &run.metrics,
        champion.as_ref(),
        automatic,
    ))
}

/// Registers `run` as `model`'s next version (creating the model with `gates` on first use),
/// with its package built from the run's kept weights. Returns the version and its package.
pub async fn register(
    store: &MemoryStore,
    run: &RunRecord,
    model_name: &str,
    gates: &[Gate],
    report: &GateReport,
    now_ms: f64,
) -> Result<(ModelVersion, Vec<u8>), String> {
    let kept = run_model(store, run).await?;
    let trained = TrainedModel::from_run_model(&kept).map_err(words)?;
    let model = match model(store, model_name).await? {
        Some(model) => model,
        None => {
            let mut model = RegisteredModel::new(model_name, now_ms).map_err(words)?;
            model.gates = gates.to_vec();
            model
        }
    };
    let versions = store.versions().await.map_err(words)?;
    let number = RegisteredModel::next_version(&versions, &model.name);
    let mut version = version_from_run(
        &model,
        number,
        run,
        kept.signature.clone(),
        report.clone(),
        now_ms,
    );
    let (package, weights_sha256) = build_package(&version, &trained).map_err(words)?;
    version.package_sha256 = sha256_hex(&package);
    version.weights_sha256 = weights_sha256;
    store
        .add_version(&model, &version, &package)
        .await
        .map_err(words)?;
    Ok((version, package))
}

/// Points `alias` of `model` at `number`, recording `reason` in the model's history.
pub async fn promote(
    store: &MemoryStore,
    model_name: &str,
    alias: &str,
    number: u32,
    reason: &str,
    now_ms: f64,
) -> Result<(), String> {
    let change = ModelChange::MoveAlias {
        alias: alias.to_owned(),
        version: number,
        reason: reason.to_owned(),
        override_reason: None,
        at_ms: now_ms,
    };
    store
        .change_model(model_name, &change, None)
        .await
        .map(drop)
        .map_err(words)
}
