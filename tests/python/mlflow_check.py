#!/usr/bin/env python3
"""Checks, with MLflow's own Python client, that a tracking server holds a Kindling workspace.

Usage: mlflow_check.py TRACKING_URI WORKSPACE_JSON

WORKSPACE_JSON is a Kindling workspace file (the browser's "Export workspace", or a store's
workspace.json) that was synced to the server. For every run it checks the MLflow run tagged
with its id: name, status, note, tags, params (each one the recipe sets), every epoch's
metrics as history (step = epoch, values equal), the final test scores, and the dataset input;
for every model its registered model, every version (tagged with its Kindling number, linked
to its run) and every alias; and it loads each alias's version with
`mlflow.pyfunc.load_model("models:/NAME@ALIAS")` and predicts the package's example, which
must give the example's answers.

It prints one JSON line of what the server holds in all (runs, metric points, model versions,
aliases), so a caller can check a second sync added nothing, and exits 1 on the first
difference.
"""

import base64
import io
import json
import sys
import zipfile

import mlflow
from mlflow.tracking import MlflowClient

STATUS = {"Running": "RUNNING", "Finished": "FINISHED", "Failed": "FAILED",
          "Stopped": "KILLED", "Interrupted": "KILLED"}
EPOCH_KEYS = ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "val_r2", "learning_rate"]


def fail(message):
    raise SystemExit(f"mlflow_check: {message}")


def state_name(state):
    return state if isinstance(state, str) else next(iter(state))


def check_run(client, experiments, bundle):
    run = bundle["run"]
    found = client.search_runs(experiments, filter_string=f"tags.`kindling.run_id` = '{run['id']}'")
    if len(found) != 1:
        fail(f"run {run['name']} ({run['id']}) is on the server {len(found)} times, not once")
    mlflow_run = found[0]
    info, data = mlflow_run.info, mlflow_run.data
    if info.run_name != run["name"]:
        fail(f"run {run['id']} is called {info.run_name!r}, not {run['name']!r}")
    if info.status != STATUS[state_name(run["state"])]:
        fail(f"run {run['name']} has status {info.status}, expected {STATUS[state_name(run['state'])]}")
    if info.start_time != round(run["started_ms"]):
        fail(f"run {run['name']} started at {info.start_time}, not {round(run['started_ms'])}")
    if data.tags.get("mlflow.note.content") != run["note"]:
        fail(f"run {run['name']}'s note is {data.tags.get('mlflow.note.content')!r}, not {run['note']!r}")
    if json.loads(data.tags.get("kindling.tags", "null")) != sorted(run["tags"]):
        fail(f"run {run['name']}'s tags are {data.tags.get('kindling.tags')}, not {run['tags']}")
    if data.tags.get("kindling.data_sha256") != run["dataset"]["id"]:
        fail(f"run {run['name']}'s data hash is missing or wrong")
    spec = run["spec"]
    expected = {
        "dataset": run["dataset"]["name"], "learning_rate": spec["learning_rate"],
        "weight_decay": spec["weight_decay"], "batch_size": spec["batch_size"],
        "epochs": spec["epochs"], "seed": spec["seed"],
        "val_fraction": spec["split"]["validation_fraction"],
        "test_fraction": spec["split"]["test_fraction"],
        "early_stopping": "true" if spec["early_stopping"] else "false",
    }
    if isinstance(spec["model"], dict) and "Mlp" in spec["model"]:
        mlp = spec["model"]["Mlp"]
        expected["hidden_layers"] = "-".join(str(units) for units in mlp["hidden_layers"])
        expected["dropout"] = mlp["dropout"]
    for key, value in expected.items():
        got = data.params.get(key)
        same = got is not None and (got == str(value) or (not isinstance(value, str) and float(got) == float(value)))
        if not same:
            fail(f"run {run['name']}'s param {key} is {got!r}, expected {value!r}")
    for key in ["model", "optimizer", "schedule", "backend"]:
        if not data.params.get(key):
            fail(f"run {run['name']} has no param {key}")
    points = 0
    for key in EPOCH_KEYS:
        want = [(epoch["epoch"], epoch[key]) for epoch in bundle["history"] if epoch.get(key) is not None]
        got = sorted((m.step, m.value) for m in client.get_metric_history(info.run_id, key))
        if got != want:
            fail(f"run {run['name']}'s {key} history has {len(got)} points {got[:3]}…, expected {len(want)} {want[:3]}…")
        points += len(got)
    if state_name(run["state"]) != "Running":
        for key, value in run["metrics"].items():
            if key in EPOCH_KEYS:
                continue
            history = client.get_metric_history(info.run_id, key)
            if [(m.step, m.value) for m in history] != [(run["epochs_done"], value)]:
                fail(f"run {run['name']}'s {key} is {[(m.step, m.value) for m in history]}, expected one point {value} at step {run['epochs_done']}")
            points += 1
    inputs = mlflow_run.inputs.dataset_inputs
    if [(i.dataset.name, i.dataset.digest) for i in inputs] != [(run["dataset"]["name"], run["dataset"]["id"][:32])]:
        fail(f"run {run['name']}'s dataset inputs are {[(i.dataset.name, i.dataset.digest) for i in inputs]}")
    return info.run_id, points


def example_answers(package):
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    signature = manifest["signature"]
    columns = signature["feature_names"]
    import pandas as pd
    rows = pd.DataFrame(manifest["example"]["inputs"], columns=columns)
    output = signature["output"]
    if "Classes" in output:
        names = output["Classes"]["class_names"]
        want = [names[p["Class"]["label"]] for p in manifest["example"]["predictions"]]
        return rows, f"predicted_{output['Classes']['target']}", want
    return rows, f"predicted_{output['Value']['target']}", [p["Value"] for p in manifest["example"]["predictions"]]


def main():
    uri, path = sys.argv[1], sys.argv[2]
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    with open(path, encoding="utf-8") as file:
        workspace = json.load(file)
    experiments = [e.experiment_id for e in client.search_experiments() if e.name.startswith("kindling/")]
    mlflow_ids = {}
    for bundle in workspace["runs"]:
        mlflow_ids[bundle["run"]["id"]], _ = check_run(client, experiments, bundle)
    all_runs = client.search_runs(experiments, max_results=50000) if experiments else []
    total_points = sum(len(client.get_metric_history(r.info.run_id, key))
                       for r in all_runs for key in r.data.metrics)

    versions_total, aliases_total = 0, 0
    for model in workspace.get("models", []):
        registered = client.get_registered_model(model["name"])
        server_versions = client.search_model_versions(f"name='{model['name']}'")
        versions_total += len(server_versions)
        by_kindling = {}
        for version in server_versions:
            by_kindling.setdefault(int(version.tags["kindling.version"]), []).append(version)
        for bundle in [v for v in workspace["versions"] if v["version"]["model"] == model["name"]]:
            version = bundle["version"]
            matches = by_kindling.get(version["version"], [])
            if len(matches) != 1:
                fail(f"{model['name']} v{version['version']} is on the server {len(matches)} times, not once")
            expected_run = mlflow_ids.get(version["lineage"]["run_id"])
            if expected_run and matches[0].run_id != expected_run:
                fail(f"{model['name']} v{version['version']} is linked to run {matches[0].run_id}, not {expected_run}")
            if matches[0].tags.get("kindling.package_sha256") != version["package_sha256"]:
                fail(f"{model['name']} v{version['version']}'s package hash is missing or wrong")
        aliases = {alias: int(client.get_model_version(model["name"], number).tags["kindling.version"])
                   for alias, number in registered.aliases.items()}
        if aliases != model["aliases"]:
            fail(f"{model['name']}'s aliases are {aliases} (as Kindling versions), expected {model['aliases']}")
        aliases_total += len(aliases)
        for alias, number in model["aliases"].items():
            bundle = next(v for v in workspace["versions"]
                          if v["version"]["model"] == model["name"] and v["version"]["version"] == number)
            rows, column, want = example_answers(base64.b64decode(bundle["package"]))
            loaded = mlflow.pyfunc.load_model(f"models:/{model['name']}@{alias}")
            got = list(loaded.predict(rows)[column])
            same = got == want if isinstance(want[0], str) else all(abs(g - w) <= 1e-5 * max(1, abs(w)) for g, w in zip(got, want))
            if not same:
                fail(f"models:/{model['name']}@{alias} predicts {got}, the package's example says {want}")
    print(json.dumps({"runs": len(all_runs), "metric_points": total_points,
                      "model_versions": versions_total, "aliases": aliases_total}))


if __name__ == "__main__":
    main()
