#!/usr/bin/env python3
"""Checks that a Kindling package is an MLflow model, with MLflow itself.

Usage: mlflow_model.py PACKAGE [CSV PREDICTIONS_CSV]

PACKAGE is a `.kindling.zip`. The script unzips it and
(a) loads it with `mlflow.pyfunc.load_model(dir)` and predicts the saved input example: the
    answers must be the manifest's example predictions (labels equal, numbers to 1e-5);
(b) loads the `onnx` flavour with `mlflow.onnx.load_model(dir)` (which runs onnx.checker);
(c) with CSV and PREDICTIONS_CSV (what the app's Predict page wrote for that file), predicts the
    raw CSV as pandas reads it and compares every column with the app's;
(d) serves the directory with `mlflow models serve -m dir --env-manager local` on 127.0.0.1,
    POSTs serving_input_example.json to /invocations and compares the answers as in (a). The
    server is stopped at the end, also when a check fails.
It prints what it compared and exits 1 on the first failure.
"""

import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

import mlflow
import mlflow.onnx
import pandas as pd

TOLERANCE = 1e-5


def close(a, b):
    return abs(float(a) - float(b)) <= TOLERANCE * max(1.0, abs(float(b)))


def expected_records(manifest):
    """The manifest's example predictions as the records the flavour answers with."""
    output = manifest["signature"]["output"]
    records = []
    for prediction in manifest["example"]["predictions"]:
        if "Classes" in output:
            classes = output["Classes"]
            label = classes["class_names"][prediction["Class"]["label"]]
            record = {f"predicted_{classes['target']}": label}
            for name, p in zip(classes["class_names"], prediction["Class"]["probabilities"]):
                record[f"probability_{name}"] = p
        else:
            record = {f"predicted_{output['Value']['target']}": prediction["Value"]}
        records.append(record)
    return records


def compare(what, got, want):
    if len(got) != len(want):
        raise SystemExit(f"{what}: {len(got)} answers, expected {len(want)}")
    for row, (g, w) in enumerate(zip(got, want)):
        if list(g.keys()) != list(w.keys()):
            raise SystemExit(f"{what}: row {row} has columns {list(g)}, expected {list(w)}")
        for key, value in w.items():
            same = g[key] == value if isinstance(value, str) else close(g[key], value)
            if not same:
                raise SystemExit(f"{what}: row {row} {key} is {g[key]!r}, expected {value!r}")
    print(f"{what}: {len(got)} rows agree")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_and_compare(directory, want):
    port = free_port()
    log = open(os.path.join(directory, "..", "serve.log"), "w")
    server = subprocess.Popen(
        ["mlflow", "models", "serve", "-m", directory, "--env-manager", "local",
         "--host", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise SystemExit("mlflow models serve did not start:\n" + open(log.name).read())
                time.sleep(0.25)
        with open(os.path.join(directory, "serving_input_example.json"), "rb") as file:
            body = file.read()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations", data=body,
            headers={"Content-Type": "application/json"})
        answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
        compare("mlflow models serve", answer["predictions"], want)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def main():
    package = sys.argv[1]
    with tempfile.TemporaryDirectory() as temporary:
        directory = os.path.join(temporary, "model")
        with zipfile.ZipFile(package) as archive:
            archive.extractall(directory)
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as file:
            manifest = json.load(file)
        want = expected_records(manifest)

        model = mlflow.pyfunc.load_model(directory)
        example = mlflow.models.Model.load(directory).load_input_example(directory)
        compare("mlflow.pyfunc", model.predict(example).to_dict("records"), want)
        mlflow.onnx.load_model(directory)
        print("mlflow.onnx: the onnx flavour loads and passes onnx.checker")

        if len(sys.argv) == 4:
            raw = pd.read_csv(sys.argv[2])
            app = pd.read_csv(sys.argv[3])
            got = model.predict(raw).to_dict("records")
            columns = [c for c in app.columns if c.startswith(("predicted_", "probability_"))]
            compare(f"mlflow.pyfunc on {os.path.basename(sys.argv[2])}", got,
                    app[columns].to_dict("records"))

        serve_and_compare(directory, want)


if __name__ == "__main__":
    main()
