//! A registered model, its versions (each with its package as artifacts) and its aliases.

use serde_json::{Value as Json, json};

use super::api::{Api, SyncError, SyncReport, SyncSource};
use super::ledger::{SyncLedger, version_key};
use super::transport::Method;
use crate::package::zip;
use crate::percent::encode_query_value;
use crate::registry::card_text::to_markdown;
use crate::registry::{ModelVersion, RegisteredModel};

pub(super) async fn sync_model(
    api: &Api<'_>,
    source: &SyncSource<'_>,
    ledger: &mut SyncLedger,
    model: &RegisteredModel,
    versions: &[&ModelVersion],
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let all_sent = ledger.models.contains(&model.name)
        && versions.iter().all(|version| {
            ledger
                .versions
                .contains_key(&version_key(&model.name, version.version))
        });
    let empty = Default::default();
    let pushed = ledger.aliases.get(&model.name).unwrap_or(&empty);
    if all_sent && *pushed == model.aliases {
        return Ok(());
    }
    if !ledger.models.contains(&model.name) {
        let created = api
            .call_allowing(
                Method::Post,
                "/registered-models/create",
                json!({
                    "name": model.name,
                    "description": model.description,
                    "tags": [{ "key": "kindling.created_ms", "value": model.created_ms.to_string() }],
                }),
                "register a model",
                Some("RESOURCE_ALREADY_EXISTS"),
            )
            .await?;
        report.models_created += usize::from(created.is_some());
        ledger.models.insert(model.name.clone());
    }
    if !all_sent {
        let on_server = server_versions(api, &model.name).await?;
        for version in versions {
            let key = version_key(&model.name, version.version);
            if ledger.versions.contains_key(&key) {
                continue;
            }
            let number = match on_server
                .iter()
                .find(|(kindling, _)| *kindling == version.version)
            {
                Some((_, number)) => number.clone(),
                None => {
                    report.versions_created += 1;
                    create_version(api, source, ledger, version).await?
                }
            };
            ledger.versions.insert(key, number);
        }
    }
    let mut changed = false;
    for (alias, version) in &model.aliases {
        if pushed.get(alias) == Some(version) {
            continue;
        }
        let Some(number) = ledger.versions.get(&version_key(&model.name, *version)) else {
            continue;
        };
        api.call(
            Method::Post,
            "/registered-models/alias",
            json!({ "name": model.name, "alias": alias, "version": number }),
            &format!("point the alias {alias} at a version"),
        )
        .await?;
        report.aliases_changed += 1;
        changed = true;
    }
    for alias in pushed
        .keys()
        .filter(|alias| !model.aliases.contains_key(*alias))
    {
        api.call_allowing(
            Method::Delete,
            "/registered-models/alias",
            json!({ "name": model.name, "alias": alias }),
            &format!("remove the alias {alias}"),
            Some("RESOURCE_DOES_NOT_EXIST"),
        )
        .await?;
        report.aliases_changed += 1;
        changed = true;
    }
    if changed || !ledger.aliases.contains_key(&model.name) {
        ledger
            .aliases
            .insert(model.name.clone(), model.aliases.clone());
    }
    Ok(())
}

/// The server's versions of `model` that a sync made: (Kindling version, MLflow version).
async fn server_versions(api: &Api<'_>, model: &str) -> Result<Vec<(u32, String)>, SyncError> {
    let filter = encode_query_value(&format!("name='{}'", model.replace('\'', "\\'")));
    let answer = api
        .call(
            Method::Get,
            &format!("/model-versions/search?filter={filter}&max_results=10000"),
            Json::Null,
            "list a model's versions",
        )
        .await?;
    let versions = answer["model_versions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(versions
        .iter()
        .filter_map(|version| {
            let kindling = version["tags"]
                .as_array()?
                .iter()
                .find(|tag| tag["key"] == "kindling.version")?["value"]
                .as_str()?
                .parse()
                .ok()?;
            Some((kindling, version["version"].as_str()?.to_owned()))
        })
        .collect())
}

/// Uploads the version's package (unzipped: an MLflow model; and as it is) and registers it.
async fn create_version(
    api: &Api<'_>,
    source: &SyncSource<'_>,
    ledger: &SyncLedger,
    version: &ModelVersion,
) -> Result<String, SyncError> {
    let package = source
        .registry
        .package(&version.model, version.version)
        .await?
        .ok_or_else(|| {
            crate::storage::StoreError::Other(format!(
                "the package of {} v{} is not stored",
                version.model, version.version
            ))
        })?;
    let run = ledger.runs.get(&version.lineage.run_id);
    // Beside its run's artifacts when the run was synced; else in a folder of its own.
    let base = match run {
        Some(run) if !run.artifact_uri.is_empty() => format!(
            "{}/{}-v{}",
            run.artifact_uri, version.model, version.version
        ),
        _ => format!(
            "mlflow-artifacts:/kindling-models/{}/v{}",
            version.model, version.version
        ),
    };
    let entries = zip::read(&package, &zip::PACKAGE_LIMITS).map_err(|error| {
        crate::storage::StoreError::Other(format!(
            "the stored package of {} v{} cannot be read: {error}",
            version.model, version.version
        ))
    })?;
    for (name, bytes) in &entries {
        api.put_artifact(&format!("{base}/model/{name}"), bytes)
            .await?;
    }
    api.put_artifact(&format!("{base}/{}", version.package_file_name()), &package)
        .await?;
    let mut body = json!({
        "name": version.model,
        "source": format!("{base}/model"),
        "description": to_markdown(version),
        "tags": [
            { "key": "kindling.version", "value": version.version.to_string() },
            { "key": "kindling.package_sha256", "value": version.package_sha256 },
            { "key": "kindling.archived", "value": version.archived.to_string() },
        ],
    });
    if let Some(run) = run {
        body["run_id"] = json!(run.mlflow_run_id);
    }
    let answer = api
        .call(
            Method::Post,
            "/model-versions/create",
            body,
            "register a model version",
        )
        .await?;
    answer["model_version"]["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| SyncError::BadAnswer {
            what: "registering a version".into(),
            detail: "it names no version".into(),
        })
}
