"""The {{ slipway.name }} model: a softmax regression on points in the plane, standard-library Python only.

Shared by train.py and eval.py; runs wherever Python 3 does, no packages to install.
"""

import csv
import json
import math

CLASSES = ("red", "green", "blue")
# The raw coordinates and their squares and product: a linear model on them draws curved boundaries.
FEATURES = ("x", "y")


def expand(row):
    x, y = row["x"], row["y"]
    return [x, y, x * x, y * y, x * y]


def softmax(logits):
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [v / total for v in exps]


def predict(weights, row):
    """Probabilities of each class for one example."""
    x = expand(row)
    return softmax([b + sum(w * v for w, v in zip(ws, x)) for b, ws in zip(weights["bias"], weights["coefficients"])])


def read_examples(path):
    """Rows of a CSV split as dicts with float features, the label and the id."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in FEATURES:
            row[name] = float(row[name])
    return rows


def load_weights(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def slice_tags(row):
    """The slices an example belongs to, as slipway.yaml names them."""
    return ["region:inner" if math.hypot(row["x"], row["y"]) < 2.0 else "region:outer"]
