//! The JSON MLflow's REST API takes for a run: its params, tags, metric points and dataset
//! input, made from the run as tracking keeps it.

use serde_json::{Value as Json, json};

use crate::metrics::EpochMetrics;
use crate::tracking::RunRecord;
use crate::tracking::RunState;
use crate::tracking::query::Value;

/// MLflow's `log-batch` takes at most this many metrics, params and tags in one request.
pub const BATCH_LIMIT: usize = 1000;
/// …and at most this many params or tags.
pub const BATCH_PARAMS_LIMIT: usize = 100;

/// The MLflow experiment of a run: its Kindling experiment's, under `kindling/`.
pub fn experiment_name(run: &RunRecord) -> String {
    format!("kindling/{}", run.experiment)
}

/// MLflow's run status for a Kindling run state, and whether the state is final.
pub fn status(state: &RunState) -> (&'static str, bool) {
    match state {
        RunState::Running => ("RUNNING", false),
        RunState::Finished { .. } => ("FINISHED", true),
        RunState::Failed { .. } => ("FAILED", true),
        RunState::Stopped | RunState::Interrupted => ("KILLED", true),
    }
}

/// What a sync sent of a run's summary: when it changes, the run is synced again.
pub fn summary_of(run: &RunRecord) -> String {
    let tags: Vec<&String> = run.tags.iter().collect();
    json!([
        run.name,
        run.state.label(),
        run.note,
        tags,
        run.epochs_done,
        run.ended_ms
    ])
    .to_string()
}

pub fn params(run: &RunRecord) -> Vec<Json> {
    run.params()
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::Number(number) => number.to_string(),
                Value::Text(text) => text,
                Value::Bool(flag) => flag.to_string(),
            };
            json!({ "key": key, "value": value })
        })
        .collect()
}

/// The run's tags as MLflow keeps them: its own tags (empty values, named with the characters
/// MLflow allows in a key; `kindling.tags` lists them as written), its note, where it came
/// from and the data's full hash.
pub fn tags(run: &RunRecord) -> Vec<Json> {
    let written: Vec<&String> = run.tags.iter().collect();
    let mut tags = vec![
        json!({ "key": "mlflow.note.content", "value": run.note }),
        json!({ "key": "mlflow.source.name", "value": "Kindling" }),
        json!({ "key": "kindling.run_id", "value": run.id }),
        json!({ "key": "kindling.app_version", "value": run.app_version }),
        json!({ "key": "kindling.data_sha256", "value": run.dataset.id }),
        json!({ "key": "kindling.tags", "value": json!(written).to_string() }),
    ];
    tags.extend(
        run.tags
            .iter()
            .map(|tag| json!({ "key": tag_key(tag), "value": "" })),
    );
    tags
}

/// A tag as an MLflow key: alphanumerics, `_`, `-`, `.`, ` ` and `/` (anything else becomes
/// `_`), at most 250 characters.
pub fn tag_key(tag: &str) -> String {
    tag.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '/') {
                c
            } else {
                '_'
            }
        })
        .take(250)
        .collect()
}

/// Every metric of the epochs after `after_step`, at step = epoch, one group per epoch with
/// [`STEP_KEY`] last: a batch holds whole groups and MLflow stores a batch at once, so an epoch
/// whose step key the server holds is there whole, and a cut-off sync resumes after it.
pub fn epoch_metrics(
    run: &RunRecord,
    history: &[EpochMetrics],
    after_step: usize,
) -> Vec<Vec<Json>> {
    history
        .iter()
        .filter(|epoch| epoch.epoch > after_step)
        .map(|epoch| {
            let timestamp = (run.started_ms + epoch.elapsed_ms).round() as i64;
            [
                ("train_accuracy", epoch.train_accuracy),
                ("val_loss", epoch.val_loss),
                ("val_accuracy", epoch.val_accuracy),
                ("val_r2", epoch.val_r2),
                ("learning_rate", Some(epoch.learning_rate)),
                (STEP_KEY, Some(epoch.train_loss)),
            ]
            .into_iter()
            .filter_map(|(key, value)| {
                let value = value.filter(|value| value.is_finite())?;
                Some(json!({ "key": key, "value": value, "timestamp": timestamp, "step": epoch.epoch }))
            })
            .collect()
        })
        .collect()
}

/// The key every epoch logs: the server's last step of it is where the history resumes.
pub const STEP_KEY: &str = "train_loss";

/// The run's final figures that are not per-epoch (its test scores), at its last step.
pub fn final_metrics(run: &RunRecord) -> Vec<Json> {
    let per_epoch = [
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "val_r2",
        "learning_rate",
    ];
    let timestamp = run.ended_ms.unwrap_or(run.started_ms).round() as i64;
    run.metrics
        .iter()
        .filter(|(key, value)| !per_epoch.contains(&key.as_str()) && value.is_finite())
        .map(|(key, value)| {
            json!({ "key": key, "value": value, "timestamp": timestamp, "step": run.epochs_done })
        })
        .collect()
}

/// The run's data as an MLflow dataset input. MLflow keeps a digest of at most 36 characters,
/// so the full hash is in the source and the run's `kindling.data_sha256` tag.
pub fn dataset_input(run: &RunRecord) -> Json {
    let data = &run.dataset;
    let source = json!({ "uri": format!("kindling://datasets/{}", data.id) }).to_string();
    let profile = json!({ "num_rows": data.rows, "num_features": data.features }).to_string();
    json!({
        "tags": [{ "key": "mlflow.data.context", "value": "training" }],
        "dataset": {
            "name": data.name,
            "digest": data.id.chars().take(32).collect::<String>(),
            "source_type": "kindling",
            "source": source,
            "profile": profile,
        }
    })
}

/// Splits a run's params, tags and metric groups into `log-batch` bodies within MLflow's
/// limits, never splitting a group.
pub fn batches(
    run_id: &str,
    params: Vec<Json>,
    tags: Vec<Json>,
    groups: Vec<Vec<Json>>,
) -> Vec<Json> {
    let mut bodies = Vec::new();
    let mut params = params.into_iter().peekable();
    let mut tags = tags.into_iter().peekable();
    let mut groups = groups.into_iter().peekable();
    while params.peek().is_some() || tags.peek().is_some() || groups.peek().is_some() {
        let some_params: Vec<Json> = params.by_ref().take(BATCH_PARAMS_LIMIT).collect();
        let some_tags: Vec<Json> = tags.by_ref().take(BATCH_PARAMS_LIMIT).collect();
        let room = BATCH_LIMIT - some_params.len() - some_tags.len();
        let mut some_metrics: Vec<Json> = Vec::new();
        while let Some(group) = groups.next_if(|group| some_metrics.len() + group.len() <= room) {
            some_metrics.extend(group);
        }
        if some_params.is_empty() && some_tags.is_empty() && some_metrics.is_empty() {
            // A group larger than a whole batch: sent alone, split as it must be.
            let group = groups.next().expect("something is left");
            for chunk in group.chunks(BATCH_LIMIT) {
                bodies
                    .push(json!({ "run_id": run_id, "params": [], "tags": [], "metrics": chunk }));
            }
            continue;
        }
        bodies.push(json!({
            "run_id": run_id,
            "params": some_params,
            "tags": some_tags,
            "metrics": some_metrics,
        }));
    }
    bodies
}
