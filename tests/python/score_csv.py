#!/usr/bin/env python3
"""Scores a raw CSV file with a Kindling package's ONNX graph, as a Python user would, and
compares the answers with Kindling's own.

Usage: score_csv.py PACKAGE.kindling.zip DATA.csv KINDLING_PREDICTIONS.csv

DATA.csv is read with pandas exactly as a person would read their file (`pandas.read_csv`,
default options), and each of the model's columns is fed to onnxruntime as it comes: numbers
as float32 (a gap is NaN), text as strings (a gap, which pandas reads as NaN, as ""). The
graph does the rest: filling gaps, one-hot encoding, scaling. Class names come from the
graph's own metadata ("classes"), not from the manifest.

KINDLING_PREDICTIONS.csv is what Kindling's Predict page wrote for the same file:
`predicted_<target>` and, for a classifier, `probability_<class>` per class. Classes must be
equal and probabilities within 1e-5; values within 1e-5 relative to max(1, |value|).
"""

import io
import json
import sys
import zipfile

import numpy as np
import onnxruntime
import pandas

TOLERANCE = 1e-5


def main(package_path, data_path, expected_path):
    with zipfile.ZipFile(package_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        graph = archive.read("model.onnx")
    session = onnxruntime.InferenceSession(graph, providers=["CPUExecutionProvider"])
    data = pandas.read_csv(data_path)
    feeds = {}
    for model_input in session.get_inputs():
        column = data[model_input.name]
        if model_input.type == "tensor(string)":
            values = column.astype(object).where(column.notna(), "").astype(str)
            feeds[model_input.name] = values.to_numpy(dtype=object).reshape(-1, 1)
        else:
            feeds[model_input.name] = column.to_numpy(dtype=np.float32).reshape(-1, 1)
    names = [output.name for output in session.get_outputs()]
    results = dict(zip(names, session.run(None, feeds)))
    expected = pandas.read_csv(io.StringIO(open(expected_path, encoding="utf-8").read()))
    target = manifest["signature"]["output"]
    failures = []
    if "Classes" in target:
        classes = json.loads(session.get_modelmeta().custom_metadata_map["classes"])
        name = target["Classes"]["target"]
        predicted = [classes[label] for label in results["label"]]
        wanted = expected[f"predicted_{name}"].astype(str).tolist()
        differing = [row for row, (a, b) in enumerate(zip(predicted, wanted)) if a != b]
        if differing:
            failures.append(f"{len(differing)} rows get another class, first row {differing[0] + 1}")
        wanted_p = expected[[f"probability_{c}" for c in classes]].to_numpy(dtype=np.float64)
        difference = float(np.abs(results["probabilities"].astype(np.float64) - wanted_p).max())
        measure = f"classes equal on {len(predicted) - len(differing)} of {len(predicted)} rows, max |Δp| = {difference:.3g}"
    else:
        name = target["Value"]["target"]
        got = results["value"].astype(np.float64).reshape(-1)
        want = expected[f"predicted_{name}"].to_numpy(dtype=np.float64)
        difference = float((np.abs(got - want) / np.maximum(np.abs(want), 1.0)).max())
        measure = f"max |Δv|/max(1,|v|) = {difference:.3g}"
    if difference > TOLERANCE:
        failures.append(f"the answers differ by {difference:.3g}")
    print(f"{data_path}: {len(data)} rows, {len(feeds)} columns fed to onnxruntime "
          f"{onnxruntime.__version__} with pandas {pandas.__version__}; {measure}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
