"""Kindling's `python_function` flavour: raw columns in, the app's predictions out.

MLflow imports this module (the MLmodel file names it as `loader_module`, with `code` on the
path) and calls `_load_pyfunc` with the path of `model.onnx`. The graph takes one input per raw
column, `[rows, 1]`, numbers as float32 (a gap is NaN) and categories as text (a gap is an empty
string), and encodes them itself; this wrapper only shapes a DataFrame into those inputs and
names the answers as Kindling's predictions.csv and `kindling serve` do: `predicted_<target>`,
and `probability_<class>` for each class of a classifier.
"""

import json
import os

import numpy as np
import pandas as pd


class KindlingModel:
    def __init__(self, onnx_path):
        import onnxruntime

        with open(os.path.join(os.path.dirname(onnx_path), "manifest.json"), encoding="utf-8") as file:
            manifest = json.load(file)
        self.features = manifest["signature"]["feature_names"]
        self.columns = {column["name"]: column["dtype"] for column in manifest["input"].get("columns", [])}
        output = manifest["signature"]["output"]
        if "Classes" in output:
            self.target = output["Classes"]["target"]
            self.classes = output["Classes"]["class_names"]
        else:
            self.target = output["Value"]["target"]
            self.classes = None
        self.session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        self.input_names = [value.name for value in self.session.get_inputs()]

    def predict(self, data, params=None):
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data, columns=self.features)
        missing = [name for name in self.features if name not in frame.columns]
        if missing:
            raise ValueError(f"the input has no column {', '.join(missing)}; the model reads {self.features}")
        if self.columns:
            feeds = {name: self._column(frame[name], self.columns[name]) for name in self.input_names}
        else:
            values = frame[self.features].apply(pd.to_numeric, errors="coerce")
            feeds = {self.input_names[0]: values.to_numpy(dtype=np.float32)}
        if self.classes is None:
            (value,) = self.session.run(["value"], feeds)
            return pd.DataFrame({f"predicted_{self.target}": value.reshape(-1).astype(np.float64)})
        probabilities, labels = self.session.run(["probabilities", "label"], feeds)
        answer = {f"predicted_{self.target}": [self.classes[label] for label in labels.reshape(-1)]}
        for index, name in enumerate(self.classes):
            answer[f"probability_{name}"] = probabilities[:, index].astype(np.float64)
        return pd.DataFrame(answer)

    @staticmethod
    def _column(values, dtype):
        if dtype == "string":
            text = ["" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip() for value in values]
            return np.array(text, dtype=object).reshape(-1, 1)
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float32).reshape(-1, 1)


def _load_pyfunc(path):
    return KindlingModel(path)
