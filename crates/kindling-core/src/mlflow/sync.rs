//! The sync: every run, then every model, version and alias, each checked against the ledger
//! and the server before anything is created, the ledger kept as it goes. See the module
//! docs of `mlflow` for what maps to what.

use serde_json::{Value as Json, json};

use super::api::{Api, SyncError, SyncProgress, SyncReport, SyncSource, SyncTarget};
use super::ledger::SyncLedger;
use super::payload;
use super::registry_sync;
use super::transport::Method;
use crate::tracking::RunRecord;

/// Runs synced between two writes of the ledger.
const LEDGER_EVERY: usize = 50;

/// Sends everything the server does not hold yet; see the module docs.
pub async fn sync(
    target: SyncTarget<'_>,
    source: SyncSource<'_>,
    now_ms: f64,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport, SyncError> {
    let api = Api::new(&target);
    // One question first, so a wrong address is said before anything else is read or sent.
    api.call(
        Method::Get,
        "/experiments/search?max_results=1",
        Json::Null,
        "list experiments",
    )
    .await
    .map_err(|error| match error {
        SyncError::BadAnswer { .. }
        | SyncError::Refused {
            status: 404 | 405, ..
        } => SyncError::NotMlflow {
            url: target.url.as_str().to_owned(),
        },
        other => other,
    })?;
    let mut ledger = source.ledgers.mlflow_ledger(target.url.as_str()).await?;
    ledger.tracking_url = target.url.as_str().to_owned();
    let mut runs = source.runs.runs().await?;
    runs.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
    let models = source.registry.models().await?;
    let versions = source.registry.versions().await?;
    let total = runs.len() + models.len();
    let mut report = SyncReport::default();
    // The ledger is kept every so many objects and whenever the sync stops, not after each
    // (a whole ledger written per run is quadratic in a 10,000-run workspace): what a closed
    // tab loses of it, the server's tags find again.
    let mut sent = async {
        for (done, run) in runs.iter().enumerate() {
            progress(SyncProgress {
                done,
                total,
                doing: format!("run {}", run.name),
            });
            sync_run(&api, &source, &mut ledger, run, &mut report).await?;
            if done % LEDGER_EVERY == LEDGER_EVERY - 1 {
                source.ledgers.save_mlflow_ledger(&ledger).await?;
            }
        }
        for (index, model) in models.iter().enumerate() {
            progress(SyncProgress {
                done: runs.len() + index,
                total,
                doing: format!("model {}", model.name),
            });
            let of_model: Vec<_> = versions
                .iter()
                .filter(|version| version.model == model.name)
                .collect();
            registry_sync::sync_model(&api, &source, &mut ledger, model, &of_model, &mut report)
                .await?;
            source.ledgers.save_mlflow_ledger(&ledger).await?;
        }
        Ok::<(), SyncError>(())
    }
    .await;
    if sent.is_ok() {
        progress(SyncProgress {
            done: total,
            total,
            doing: "done".into(),
        });
        ledger.last_sync_ms = Some(now_ms);
    }
    let kept = source.ledgers.save_mlflow_ledger(&ledger).await;
    sent = sent.and(kept.map_err(SyncError::from));
    sent?;
    report.requests = api.requests();
    Ok(report)
}

async fn sync_run(
    api: &Api<'_>,
    source: &SyncSource<'_>,
    ledger: &mut SyncLedger,
    run: &RunRecord,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let summary = payload::summary_of(run);
    let (status, final_state) = payload::status(&run.state);
    // Unchanged since it was last sent (its summary counts its epochs): nothing to do.
    if ledger
        .runs
        .get(&run.id)
        .is_some_and(|synced| synced.sent == summary)
    {
        return Ok(());
    }
    let experiment_name = payload::experiment_name(run);
    let experiment_id = match ledger.experiments.get(&experiment_name) {
        Some(id) => id.clone(),
        None => {
            let id = api.experiment(&experiment_name).await?;
            ledger.experiments.insert(experiment_name, id.clone());
            id
        }
    };
    let (mut synced, fresh) = match ledger.runs.get(&run.id) {
        Some(synced) => (synced.clone(), false),
        None => match api.find_run(&experiment_id, &run.id).await? {
            Some(found) => (found, false),
            None => (api.create_run(&experiment_id, run).await?, true),
        },
    };
    if fresh {
        report.runs_created += 1;
        ledger.runs.insert(run.id.clone(), synced.clone());
    } else {
        report.runs_updated += 1;
    }
    let run_id = synced.mlflow_run_id.clone();
    let history = source.runs.history(&run.id).await?;
    let sent_steps = if fresh {
        0
    } else {
        api.last_step(&run_id, payload::STEP_KEY)
            .await?
            .unwrap_or(0)
    };
    let mut metrics = payload::epoch_metrics(run, &history, sent_steps);
    if final_state {
        let finals = payload::final_metrics(run);
        let already = match finals.first().and_then(|point| point["key"].as_str()) {
            Some(key) if !fresh => api.last_step(&run_id, key).await?.is_some(),
            _ => false,
        };
        if !already && !finals.is_empty() {
            metrics.push(finals);
        }
    }
    report.metrics_logged += metrics.iter().map(Vec::len).sum::<usize>();
    let tags = payload::tags(run);
    let keys: std::collections::BTreeSet<String> =
        run.tags.iter().map(|tag| payload::tag_key(tag)).collect();
    for removed in synced.tags.difference(&keys) {
        api.call(
            Method::Post,
            "/runs/delete-tag",
            json!({ "run_id": run_id, "key": removed }),
            "remove a tag",
        )
        .await?;
    }
    // Nothing was sent yet if the ledger has no summary for the run (a run found on the server
    // was cut off before its first batch); params logged again with the same values are fine.
    let first_send = synced.sent.is_empty();
    let params = if first_send {
        payload::params(run)
    } else {
        Vec::new()
    };
    for body in payload::batches(&run_id, params, tags, metrics) {
        api.call(
            Method::Post,
            "/runs/log-batch",
            body,
            "log a run's params, tags and metrics",
        )
        .await?;
    }
    if first_send {
        api.call(
            Method::Post,
            "/runs/log-inputs",
            json!({ "run_id": run_id, "datasets": [payload::dataset_input(run)] }),
            "log a run's dataset",
        )
        .await?;
    }
    let mut update = json!({ "run_id": run_id, "status": status, "run_name": run.name });
    if let Some(ended_ms) = run.ended_ms.filter(|_| final_state) {
        update["end_time"] = json!(ended_ms.round() as i64);
    }
    api.call(
        Method::Post,
        "/runs/update",
        update,
        "update a run's status",
    )
    .await?;
    synced.sent = summary;
    synced.tags = keys;
    ledger.runs.insert(run.id.clone(), synced);
    Ok(())
}
