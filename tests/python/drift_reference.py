"""The monitor's drift statistics as SciPy and NumPy compute them, for Kindling's own to be
checked against (crates/kindling-ml/tests/drift_against_scipy.rs, which also says what the
statistics are in crates/kindling-core/src/monitor/stats.rs).

Reads a JSON file of cases (argv[1]) and prints a JSON object of answers:
  numeric:     [{"reference": [...], "current": [...]}]  -> ks statistic, p-value, psi
  categorical: [{"reference": [...], "current": [...]}]  (category names) -> psi
  kstwo:       [[n, d]]                                   -> scipy.stats.kstwo.sf(d, n)
"""

import json
import sys

import numpy as np
from scipy import stats

FLOOR = 1e-4


def psi(reference_counts, current_counts):
    r = np.maximum(reference_counts / reference_counts.sum(), FLOOR)
    c = np.maximum(current_counts / current_counts.sum(), FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric(case):
    reference = np.asarray(case["reference"], dtype=np.float64)
    current = np.asarray(case["current"], dtype=np.float64)
    test = stats.ks_2samp(reference, current, method="asymp")
    edges = np.quantile(reference, np.arange(1, 10) / 10)
    bins = lambda values: np.bincount(
        np.searchsorted(edges, values, side="right"), minlength=10
    ).astype(np.float64)
    return {
        "statistic": float(test.statistic),
        "p_value": float(test.pvalue),
        "psi": psi(bins(reference), bins(current)),
    }


def categorical(case):
    categories = sorted(set(case["reference"]))
    index = {name: i for i, name in enumerate(categories)}
    unseen = len(categories)
    count = lambda values: np.bincount(
        [index.get(value, unseen) for value in values], minlength=unseen + 1
    ).astype(np.float64)
    return {"psi": psi(count(case["reference"]), count(case["current"]))}


def main():
    with open(sys.argv[1]) as file:
        cases = json.load(file)
    print(
        json.dumps(
            {
                "numeric": [numeric(case) for case in cases["numeric"]],
                "categorical": [categorical(case) for case in cases["categorical"]],
                "kstwo": [float(stats.kstwo.sf(d, n)) for n, d in cases["kstwo"]],
            }
        )
    )


if __name__ == "__main__":
    main()
