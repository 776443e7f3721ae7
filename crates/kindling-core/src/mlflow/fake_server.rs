//! An MLflow tracking server in memory, answering the endpoints the sync uses as MLflow
//! 3.17 answers them (checked by hand against a real server with curl), and able to stop
//! answering after a number of requests: a sync cut off at every point can then be resumed and
//! compared with one that was not. The real server is exercised by kindling-cli's tests and
//! the e2e layer; this one lets every cut point be tried in milliseconds.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use super::transport::{
    Body, Method, MlflowTransport, Request, Response, TransportError, TransportFuture,
};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct FakeRun {
    pub experiment: String,
    pub name: String,
    pub status: String,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub tags: BTreeMap<String, String>,
    pub params: BTreeMap<String, String>,
    /// (key, step, value bits, timestamp)
    pub metrics: Vec<(String, u64, u64, i64)>,
    /// Dataset digests: MLflow keeps a dataset input once per run however often it is logged.
    pub inputs: BTreeSet<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct FakeVersion {
    pub version: String,
    pub run_id: Option<String>,
    pub source: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone)]
pub struct State {
    pub experiments: BTreeMap<String, String>,
    pub runs: BTreeMap<String, FakeRun>,
    pub models: BTreeSet<String>,
    pub versions: BTreeMap<String, Vec<FakeVersion>>,
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    pub artifacts: BTreeSet<String>,
}

#[derive(Default)]
pub struct FakeMlflow {
    pub state: RefCell<State>,
    /// Requests answered before the server "goes away"; `None`: never.
    pub answers_left: Cell<Option<usize>>,
    pub requests: Cell<usize>,
}

impl FakeMlflow {
    /// What the server holds, without the ids it made up: runs keyed by their Kindling id,
    /// versions by their Kindling number, so two servers fed the same workspace compare equal.
    pub fn snapshot(&self) -> Json {
        let state = self.state.borrow();
        let kindling_id = |run_id: &str| state.runs[run_id].tags["kindling.run_id"].clone();
        let runs: BTreeMap<String, Json> = state
            .runs
            .values()
            .map(|run| {
                let mut metrics = run.metrics.clone();
                metrics.sort();
                (
                    run.tags["kindling.run_id"].clone(),
                    json!({
                        "experiment": state.experiments.iter().find(|(_, id)| **id == run.experiment).map(|(name, _)| name),
                        "name": run.name, "status": run.status, "start": run.start_time, "end": run.end_time,
                        "tags": run.tags, "params": run.params, "metrics": metrics, "inputs": run.inputs,
                    }),
                )
            })
            .collect();
        let versions: BTreeMap<String, Json> = state
            .versions
            .iter()
            .map(|(model, versions)| {
                let described: Vec<Json> = versions
                    .iter()
                    .map(|v| json!({ "tags": v.tags, "run": v.run_id.as_deref().map(kindling_id) }))
                    .collect();
                (model.clone(), json!(described))
            })
            .collect();
        let aliases: BTreeMap<String, BTreeMap<String, String>> = state
            .aliases
            .iter()
            .map(|(model, aliases)| {
                let by_kindling = aliases
                    .iter()
                    .map(|(alias, number)| {
                        let version = state.versions[model]
                            .iter()
                            .find(|v| &v.version == number)
                            .unwrap();
                        (alias.clone(), version.tags["kindling.version"].clone())
                    })
                    .collect();
                (model.clone(), by_kindling)
            })
            .collect();
        // Counted apart: two MLflow runs of one Kindling run would be one entry of `runs`.
        json!({ "run_count": state.runs.len(), "experiments": state.experiments.keys().collect::<Vec<_>>(), "runs": runs, "models": state.models, "versions": versions, "aliases": aliases, "artifacts": state.artifacts.len() })
    }

    fn answer(
        &self,
        method: Method,
        path: &str,
        query: &BTreeMap<String, String>,
        body: &Json,
    ) -> (u16, Json) {
        let mut state = self.state.borrow_mut();
        let error = |status: u16, code: &str| {
            (
                status,
                json!({ "error_code": code, "message": format!("{code} (fake)") }),
            )
        };
        let ok = |value: Json| (200, value);
        match (method, path) {
            (Method::Get, "experiments/search") => ok(json!({})),
            (Method::Get, "experiments/get-by-name") => {
                match state.experiments.get(&query["experiment_name"]) {
                    Some(id) => ok(json!({ "experiment": { "experiment_id": id } })),
                    None => error(404, "RESOURCE_DOES_NOT_EXIST"),
                }
            }
            (Method::Post, "experiments/create") => {
                let name = body["name"].as_str().unwrap().to_owned();
                if state.experiments.contains_key(&name) {
                    return error(400, "RESOURCE_ALREADY_EXISTS");
                }
                let id = (state.experiments.len() + 1).to_string();
                state.experiments.insert(name, id.clone());
                ok(json!({ "experiment_id": id }))
            }
            (Method::Post, "runs/search") => {
                let filter = body["filter"].as_str().unwrap();
                let wanted = filter.rsplit_once(" = '").unwrap().1.trim_end_matches('\'');
                let experiments: Vec<&str> = body["experiment_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap())
                    .collect();
                let found: Vec<Json> = state
                    .runs
                    .iter()
                    .filter(|(_, run)| experiments.contains(&run.experiment.as_str()) && run.tags.get("kindling.run_id").map(String::as_str) == Some(wanted))
                    .map(|(id, run)| json!({ "info": { "run_id": id, "artifact_uri": format!("mlflow-artifacts:/{}/{id}/artifacts", run.experiment) } }))
                    .collect();
                ok(if found.is_empty() {
                    json!({})
                } else {
                    json!({ "runs": found })
                })
            }
            (Method::Post, "runs/create") => {
                let experiment = body["experiment_id"].as_str().unwrap().to_owned();
                let id = format!("r{}", state.runs.len() + 1);
                let tags = tags_of(&body["tags"]);
                state.runs.insert(
                    id.clone(),
                    FakeRun {
                        experiment: experiment.clone(),
                        name: body["run_name"].as_str().unwrap().to_owned(),
                        status: "RUNNING".into(),
                        start_time: body["start_time"].as_i64().unwrap(),
                        tags,
                        ..FakeRun::default()
                    },
                );
                ok(
                    json!({ "run": { "info": { "run_id": id, "artifact_uri": format!("mlflow-artifacts:/{experiment}/{id}/artifacts") } } }),
                )
            }
            (Method::Post, "runs/log-batch") => {
                let Some(run) = state.runs.get_mut(body["run_id"].as_str().unwrap()) else {
                    return error(404, "RESOURCE_DOES_NOT_EXIST");
                };
                for param in body["params"].as_array().unwrap() {
                    let (key, value) = (
                        param["key"].as_str().unwrap(),
                        param["value"].as_str().unwrap(),
                    );
                    if run.params.get(key).is_some_and(|old| old != value) {
                        return error(400, "INVALID_PARAMETER_VALUE");
                    }
                    run.params.insert(key.into(), value.into());
                }
                run.tags.extend(tags_of(&body["tags"]));
                for metric in body["metrics"].as_array().unwrap() {
                    run.metrics.push((
                        metric["key"].as_str().unwrap().into(),
                        metric["step"].as_u64().unwrap(),
                        metric["value"].as_f64().unwrap().to_bits(),
                        metric["timestamp"].as_i64().unwrap(),
                    ));
                }
                ok(json!({}))
            }
            (Method::Post, "runs/log-inputs") => {
                let run = state
                    .runs
                    .get_mut(body["run_id"].as_str().unwrap())
                    .unwrap();
                for input in body["datasets"].as_array().unwrap() {
                    run.inputs
                        .insert(input["dataset"]["digest"].as_str().unwrap().to_owned());
                }
                ok(json!({}))
            }
            (Method::Post, "runs/update") => {
                let run = state
                    .runs
                    .get_mut(body["run_id"].as_str().unwrap())
                    .unwrap();
                run.status = body["status"].as_str().unwrap().into();
                run.name = body["run_name"].as_str().unwrap().into();
                run.end_time = body["end_time"].as_i64().or(run.end_time);
                ok(json!({}))
            }
            (Method::Post, "runs/delete-tag") => {
                let run = state
                    .runs
                    .get_mut(body["run_id"].as_str().unwrap())
                    .unwrap();
                run.tags.remove(body["key"].as_str().unwrap());
                ok(json!({}))
            }
            (Method::Get, "metrics/get-history") => {
                let run = &state.runs[&query["run_id"]];
                let points: Vec<Json> = run
                    .metrics
                    .iter()
                    .filter(|(key, ..)| *key == query["metric_key"])
                    .map(|(key, step, value, timestamp)| json!({ "key": key, "step": step, "value": f64::from_bits(*value), "timestamp": timestamp }))
                    .collect();
                ok(if points.is_empty() {
                    json!({})
                } else {
                    json!({ "metrics": points })
                })
            }
            (Method::Post, "registered-models/create") => {
                let name = body["name"].as_str().unwrap().to_owned();
                if !state.models.insert(name.clone()) {
                    return error(400, "RESOURCE_ALREADY_EXISTS");
                }
                ok(json!({ "registered_model": { "name": name } }))
            }
            (Method::Get, "model-versions/search") => {
                let filter = &query["filter"];
                let model = filter.trim_start_matches("name='").trim_end_matches('\'');
                let versions: Vec<Json> = state
                    .versions
                    .get(model)
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        let tags: Vec<Json> = v
                            .tags
                            .iter()
                            .map(|(key, value)| json!({ "key": key, "value": value }))
                            .collect();
                        json!({ "version": v.version, "tags": tags })
                    })
                    .collect();
                ok(if versions.is_empty() {
                    json!({})
                } else {
                    json!({ "model_versions": versions })
                })
            }
            (Method::Post, "model-versions/create") => {
                let model = body["name"].as_str().unwrap().to_owned();
                if !state.models.contains(&model) {
                    return error(404, "RESOURCE_DOES_NOT_EXIST");
                }
                let versions = state.versions.entry(model).or_default();
                let number = (versions.len() + 1).to_string();
                versions.push(FakeVersion {
                    version: number.clone(),
                    run_id: body["run_id"].as_str().map(str::to_owned),
                    source: body["source"].as_str().unwrap().into(),
                    tags: tags_of(&body["tags"]),
                });
                ok(json!({ "model_version": { "version": number } }))
            }
            (Method::Post, "registered-models/alias") => {
                let (model, alias, version) = (
                    body["name"].as_str().unwrap(),
                    body["alias"].as_str().unwrap(),
                    body["version"].as_str().unwrap(),
                );
                state
                    .aliases
                    .entry(model.into())
                    .or_default()
                    .insert(alias.into(), version.into());
                ok(json!({}))
            }
            (Method::Delete, "registered-models/alias") => {
                let (model, alias) = (
                    body["name"].as_str().unwrap(),
                    body["alias"].as_str().unwrap(),
                );
                state.aliases.entry(model.into()).or_default().remove(alias);
                ok(json!({}))
            }
            _ => error(404, "ENDPOINT_NOT_FOUND"),
        }
    }
}

fn tags_of(tags: &Json) -> BTreeMap<String, String> {
    tags.as_array()
        .into_iter()
        .flatten()
        .map(|tag| {
            (
                tag["key"].as_str().unwrap().into(),
                tag["value"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            out.push(u8::from_str_radix(&text[at + 1..at + 3], 16).unwrap());
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

impl MlflowTransport for FakeMlflow {
    fn send<'a>(&'a self, request: Request<'a>) -> TransportFuture<'a> {
        Box::pin(async move {
            if let Some(left) = self.answers_left.get() {
                if left == 0 {
                    return Err(TransportError::NoAnswer("the fake server went away".into()));
                }
                self.answers_left.set(Some(left - 1));
            }
            self.requests.set(self.requests.get() + 1);
            let path = request.url.split_once("127.0.0.1:5000").unwrap().1;
            if let Some(artifact) = path.strip_prefix("/api/2.0/mlflow-artifacts/artifacts/") {
                assert_eq!(request.method, Method::Put);
                self.state
                    .borrow_mut()
                    .artifacts
                    .insert(artifact.to_owned());
                return Ok(Response {
                    status: 200,
                    body: Vec::new(),
                });
            }
            let path = path
                .strip_prefix("/api/2.0/mlflow/")
                .expect("an MLflow API path");
            let (endpoint, query) = path.split_once('?').unwrap_or((path, ""));
            let query: BTreeMap<String, String> = query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(key, value)| (key.to_owned(), decode(value)))
                .collect();
            let body = match &request.body {
                Body::Json(text) => serde_json::from_str(text).unwrap(),
                _ => Json::Null,
            };
            let (status, answer) = self.answer(request.method, endpoint, &query, &body);
            Ok(Response {
                status,
                body: answer.to_string().into_bytes(),
            })
        })
    }
}
