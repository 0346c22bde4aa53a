"""The iris classifier: a multinomial logistic regression on the four flower measurements.

Standard library only, so the example runs wherever Python 3 does (no PyPI needed).
Shared by prepare.py, train.py and eval.py.
"""

import csv
import json
import math

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
CLASSES = ("setosa", "versicolor", "virginica")

# The overlap box of versicolor and virginica: petal length and width both inside the range the
# other species also takes. Examples in it are the ones a linear model gets wrong, so they form
# the hard-case test set instead of the training data.
BOUNDARY_PETAL_LENGTH = (4.5, 5.1)
BOUNDARY_PETAL_WIDTH = (1.4, 1.8)


def read_examples(path):
    """Rows of a split CSV as dicts with float features, the label and the id."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in FEATURES:
            row[name] = float(row[name])
    return rows


def write_examples(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("id",) + FEATURES + ("species",))
        for row in rows:
            writer.writerow([row["id"]] + [repr(row[name]) for name in FEATURES] + [row["species"]])


def is_boundary(row):
    low_length, high_length = BOUNDARY_PETAL_LENGTH
    low_width, high_width = BOUNDARY_PETAL_WIDTH
    return (
        row["species"] != "setosa"
        and low_length <= row["petal_length"] <= high_length
        and low_width <= row["petal_width"] <= high_width
    )


def slice_tags(row):
    """Slice tags as slipway.yaml names them: the species and a petal-size bin."""
    length = row["petal_length"]
    size = "small" if length < 2.5 else "medium" if length < 5.0 else "large"
    return ["species:" + row["species"], "petal:" + size]


def softmax(logits):
    top = max(logits)
    exps = [math.exp(value - top) for value in logits]
    total = sum(exps)
    return [value / total for value in exps]


def standardize(row, means, scales):
    return [(row[name] - mean) / scale for name, mean, scale in zip(FEATURES, means, scales)]


def predict(weights, row):
    """Class probabilities for one example, in CLASSES order."""
    x = standardize(row, weights["means"], weights["scales"])
    logits = [bias + sum(w * v for w, v in zip(coefficients, x))
              for bias, coefficients in zip(weights["bias"], weights["coefficients"])]
    return softmax(logits)


def load_weights(path):
    with open(path, encoding="utf-8") as handle:
        weights = json.load(handle)
    if weights.get("classes") != list(CLASSES) or weights.get("features") != list(FEATURES):
        raise SystemExit(f"{path}: weights are for classes {weights.get('classes')} and features "
                         f"{weights.get('features')}; expected {list(CLASSES)} and {list(FEATURES)}")
    return weights
