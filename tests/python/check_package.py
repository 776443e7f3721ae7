#!/usr/bin/env python3
"""Checks Kindling model packages with Python's own tools, without Kindling.

Usage: check_package.py PACKAGE [PACKAGE ...]

Each PACKAGE is either
- a directory holding model.onnx, weights.safetensors and manifest.json, where the manifest has
  "signature" (the model's signature as Kindling writes it), "inputs" (raw rows: numbers,
  category names, null for a gap) and "expected"
  (Kindling's answers: probabilities [[p]] for a classifier, values [v] for a regressor; and
  optionally "labels"); or
- a `.kindling.zip` package, whose manifest.json has "signature" and an "example" of raw
  "inputs" and Kindling's "predictions" ({"Class": {"label", "probabilities"}} or {"Value": v}).

For each package it
(a) runs model.onnx in onnxruntime (CPU) on the inputs and compares with Kindling's answers
    (one input per raw column, as the graph of a format-2 package takes them; a classifier's
    class names must be in its metadata under "classes");
(b) runs its own numpy forward pass from weights.safetensors and the signature (the layout
    described in the manifest's "weights_layout") and compares likewise;
(c) checks model.onnx with onnx.checker (full check, with strict shape inference).

Probabilities must agree to 1e-5; values to 1e-5 relative to max(1, |value|), which is what
float32 can promise for a value in the target's units (Kindling's own package check uses the
same rule). The script prints the largest differences and exits 1 if any check fails.
"""

import hashlib
import json
import math
import os
import sys
import zipfile

import numpy as np
import onnx
import onnxruntime
import safetensors.numpy
from numpy.lib.stride_tricks import sliding_window_view

TOLERANCE = 1e-5
ERF = np.vectorize(math.erf, otypes=[np.float64])


class CheckFailed(Exception):
    pass


def as_f32(values):
    """JSON numbers written from float32 values, back to exactly those float32 values."""
    return np.asarray(values, dtype=np.float32)


class Package:
    """What a check needs from a package, from a directory or a zip."""

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            self._from_directory(path)
        else:
            self._from_zip(path)
        self.signature = self.manifest["signature"]

    def _from_directory(self, path):
        def read(name):
            with open(os.path.join(path, name), "rb") as file:
                return file.read()

        self.manifest = json.loads(read("manifest.json"))
        self.onnx = read("model.onnx")
        self.weights = safetensors.numpy.load_file(os.path.join(path, "weights.safetensors"))
        self.inputs = self.manifest["inputs"]
        expected = self.manifest["expected"]
        if is_classifier(self.manifest["signature"]):
            self.probabilities = as_f32(expected)
            self.labels = self.manifest.get("labels")
            self.values = None
        else:
            self.values = as_f32(expected)
            self.probabilities = self.labels = None

    def _from_zip(self, path):
        with zipfile.ZipFile(path) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        if "manifest.json" not in files:
            raise CheckFailed("the zip holds no manifest.json: not a Kindling package")
        self.manifest = json.loads(files["manifest.json"])
        for name, digest in self.manifest.get("files", {}).items():
            if name not in files:
                raise CheckFailed(f"manifest.json lists {name}, which the zip does not hold")
            if hashlib.sha256(files[name]).hexdigest() != digest:
                raise CheckFailed(f"{name} does not match its sha256 in manifest.json")
        self.onnx = files.get("model.onnx")
        self.weights = safetensors.numpy.load(files["weights.safetensors"])
        example = self.manifest["example"]
        self.inputs = example["inputs"]
        predictions = example["predictions"]
        if is_classifier(self.manifest["signature"]):
            self.probabilities = as_f32([p["Class"]["probabilities"] for p in predictions])
            self.labels = [p["Class"]["label"] for p in predictions]
            self.values = None
        else:
            self.values = as_f32([p["Value"] for p in predictions])
            self.probabilities = self.labels = None


def is_classifier(signature):
    return "Classes" in signature["output"]


# ---------------------------------------------------------------------------------------------
# Raw rows: what the graph takes, and the encoding the numpy pass applies itself.

# How files write a gap; Kindling's CSV reader ignores their case.
GAPS = {"", "na", "n/a", "nan", "null", "none", "?"}


def columns_of(signature):
    """The raw columns' preprocessing; empty for a model made before columns were kept."""
    return signature["preprocessing"].get("columns", [])


def is_gap(cell):
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and cell.strip().lower() in GAPS


def encode(signature, rows):
    """Raw rows as the model's encoded inputs (before standardisation), in float64."""
    columns = columns_of(signature)
    if not columns:
        return as_f32(rows).astype(np.float64)
    encoded = []
    for row in rows:
        values = []
        for cell, column in zip(row, columns):
            if "Numeric" in column:
                fill = float(np.float32(column["Numeric"]["fill"]))
                values.append(fill if is_gap(cell) else float(np.float32(cell)))
            else:
                spec = column["OneHot"]
                text = spec["fill"] if is_gap(cell) else str(cell)
                values.extend(1.0 if text == category else 0.0 for category in spec["categories"])
        encoded.append(values)
    return np.asarray(encoded, dtype=np.float64)


def onnx_feeds(signature, rows):
    """The graph's inputs: one [rows, 1] tensor per raw column, or the legacy "input"."""
    columns = columns_of(signature)
    if not columns:
        return {"input": as_f32(rows)}
    feeds = {}
    for index, (name, column) in enumerate(zip(signature["feature_names"], columns)):
        cells = [row[index] for row in rows]
        if "Numeric" in column:
            values = [np.nan if is_gap(cell) else cell for cell in cells]
            feeds[name] = np.asarray(values, dtype=np.float32).reshape(-1, 1)
        else:
            texts = ["" if cell is None else str(cell) for cell in cells]
            feeds[name] = np.asarray(texts, dtype=object).reshape(-1, 1)
    return feeds


def class_names(signature):
    return signature["output"]["Classes"]["class_names"]


# ---------------------------------------------------------------------------------------------
# The numpy forward pass, from the signature alone.


class Weights:
    """The safetensors tensors, remembering which the forward pass used."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.used = set()

    def __getitem__(self, name):
        if name not in self.tensors:
            raise CheckFailed(f"weights.safetensors has no tensor {name!r}")
        self.used.add(name)
        return self.tensors[name].astype(np.float64)

    def dense(self, prefix, x):
        weight, bias = self[f"{prefix}.weight"], self[f"{prefix}.bias"]
        if weight.shape[0] != x.shape[1] or bias.shape != (weight.shape[1],):
            raise CheckFailed(
                f"{prefix}: weight {weight.shape} and bias {bias.shape} do not fit "
                f"an input of width {x.shape[1]}"
            )
        return x @ weight + bias


def activate(name, x):
    if name == "Relu":
        return np.maximum(x, 0.0)
    if name == "Tanh":
        return np.tanh(x)
    if name == "Sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "Gelu":
        # The exact form, as Burn computes it.
        return 0.5 * x * (1.0 + ERF(x / math.sqrt(2.0)))
    raise CheckFailed(f"unknown activation {name!r}")


def conv3x3(images, weight, bias):
    """images [batch, height, width], weight [filters, 1, 3, 3]: stride 1, no padding."""
    windows = sliding_window_view(images, (3, 3), axis=(1, 2))  # [b, h-2, w-2, 3, 3]
    return np.einsum("bijkl,fkl->bfij", windows, weight[:, 0]) + bias[None, :, None, None]


def max_pool2x2(x):
    """x [batch, filters, h, w]: 2x2 windows, stride 2, a trailing odd row or column dropped."""
    batch, filters, height, width = x.shape
    h, w = height // 2, width // 2
    x = x[:, :, : 2 * h, : 2 * w].reshape(batch, filters, h, 2, w, 2)
    return x.max(axis=(3, 5))


def numpy_outputs(signature, tensors, inputs):
    """Probabilities [batch, classes] or values [batch], computed in float64."""
    weights = Weights(tensors)
    preprocessing = signature["preprocessing"]
    mean = as_f32(preprocessing["features"]["mean"]).astype(np.float64)
    std = as_f32(preprocessing["features"]["std"]).astype(np.float64)
    x = (encode(signature, inputs) - mean) / std

    model = signature["model"]
    if model == "Linear":
        x = weights.dense("Mlp.output", x)
    elif "Mlp" in model:
        spec = model["Mlp"]
        for index in range(len(spec["hidden_layers"])):
            x = activate(spec["activation"], weights.dense(f"Mlp.hidden.{index}", x))
        # Dropout is the identity at inference.
        x = weights.dense("Mlp.output", x)
    elif "Cnn" in model:
        spec = model["Cnn"]
        shape = signature["image_shape"]
        images = x.reshape(-1, shape["height"], shape["width"])
        x = np.maximum(conv3x3(images, weights["Cnn.conv.weight"], weights["Cnn.conv.bias"]), 0)
        if spec["pool"]:
            x = max_pool2x2(x)
        x = x.reshape(x.shape[0], -1)  # (filter, row, column) order
        if spec["dense_units"] > 0:
            x = np.maximum(weights.dense("Cnn.dense", x), 0.0)
        x = weights.dense("Cnn.output", x)
    else:
        raise CheckFailed(f"unknown model {model!r}")

    unused = sorted(set(tensors) - weights.used)
    if unused:
        raise CheckFailed(f"weights.safetensors holds tensors the model does not use: {unused}")

    if is_classifier(signature):
        exps = np.exp(x - x.max(axis=1, keepdims=True))
        return exps / exps.sum(axis=1, keepdims=True)
    target = preprocessing["target"]
    return x[:, 0] * float(np.float32(target["std"])) + float(np.float32(target["mean"]))


# ---------------------------------------------------------------------------------------------
# Comparisons.


def compare(package, what, probabilities=None, values=None, labels=None):
    """The largest difference to Kindling's answers; raises if beyond the tolerance."""
    if package.probabilities is not None:
        got = np.asarray(probabilities, dtype=np.float64)
        want = package.probabilities.astype(np.float64)
        if got.shape != want.shape:
            raise CheckFailed(f"{what} gives probabilities of shape {got.shape}, not {want.shape}")
        difference = float(np.abs(got - want).max())
        if difference > TOLERANCE:
            raise CheckFailed(f"{what}'s probabilities differ by {difference:.3g}")
        if labels is not None and package.labels is not None:
            check_labels(what, np.asarray(labels), package)
        return difference, "max |Δp|"
    got = np.asarray(values, dtype=np.float64).reshape(-1)
    want = package.values.astype(np.float64)
    if got.shape != want.shape:
        raise CheckFailed(f"{what} gives {got.shape} values, not {want.shape}")
    difference = float((np.abs(got - want) / np.maximum(np.abs(want), 1.0)).max())
    if difference > TOLERANCE:
        raise CheckFailed(f"{what}'s values differ by {difference:.3g} (relative)")
    return difference, "max |Δv|/max(1,|v|)"


def check_labels(what, labels, package):
    """Labels must agree wherever Kindling's top two probabilities are not a near-tie."""
    for row, (got, want) in enumerate(zip(labels, package.labels)):
        probabilities = package.probabilities[row]
        top_two = np.sort(probabilities)[-2:]
        if int(got) != int(want) and top_two[1] - top_two[0] > TOLERANCE:
            raise CheckFailed(f"{what} labels row {row + 1} as {got}; Kindling says {want}")


def run_onnx(package):
    session = onnxruntime.InferenceSession(package.onnx, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    feeds = onnx_feeds(package.signature, package.inputs)
    results = dict(zip(names, session.run(None, feeds)))
    if is_classifier(package.signature) and columns_of(package.signature):
        metadata = session.get_modelmeta().custom_metadata_map
        if json.loads(metadata.get("classes", "null")) != class_names(package.signature):
            raise CheckFailed(f"the onnx metadata's classes are {metadata.get('classes')!r}")
    if is_classifier(package.signature):
        if results["label"].dtype != np.int64:
            raise CheckFailed(f"the onnx label is {results['label'].dtype}, not int64")
        return compare(
            package,
            "onnxruntime",
            probabilities=results["probabilities"],
            labels=results["label"],
        )
    if results["value"].shape != (len(package.inputs), 1):
        raise CheckFailed(f"the onnx value has shape {results['value'].shape}")
    return compare(package, "onnxruntime", values=results["value"])


def check(path):
    package = Package(path)
    name = os.path.basename(os.path.normpath(path))
    inputs = package.inputs
    width = len(package.signature["feature_names"])
    if not inputs or any(len(row) != width for row in inputs):
        raise CheckFailed(f"the inputs are not rows of the model's {width} columns")
    lines = [f"{name}: {len(inputs)} rows of {width} columns, {model_label(package)}"]

    if package.onnx is None:
        lines.append("  model.onnx: not in this package (skipped)")
    else:
        model = onnx.load_model_from_string(package.onnx)
        onnx.checker.check_model(model, full_check=True)
        lines.append(
            f"  onnx.checker: ok (ir_version {model.ir_version}, "
            f"opset {model.opset_import[0].version}, {len(model.graph.node)} nodes)"
        )
        difference, measure = run_onnx(package)
        lines.append(f"  onnxruntime {onnxruntime.__version__}: {measure} = {difference:.3g}")

    outputs = numpy_outputs(package.signature, package.weights, inputs)
    if is_classifier(package.signature):
        difference, measure = compare(
            package, "numpy", probabilities=outputs, labels=outputs.argmax(axis=1)
        )
    else:
        difference, measure = compare(package, "numpy", values=outputs)
    lines.append(f"  numpy {np.__version__} forward pass: {measure} = {difference:.3g}")
    return lines


def model_label(package):
    model = package.signature["model"]
    kind = "classifier" if is_classifier(package.signature) else "regressor"
    if isinstance(model, str):
        return f"{model} {kind}"
    (name, spec), = model.items()
    return f"{name} {json.dumps(spec, separators=(',', ':'))} {kind}"


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failures = 0
    for path in paths:
        try:
            print("\n".join(check(path)), flush=True)
        except Exception as error:  # any failure is reported, and the others still run
            failures += 1
            print(f"FAILED {path}: {type(error).__name__}: {error}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
