"""The {{ slipway.name }} model: a small PyTorch classifier of points in the plane, shared by train.py and eval.py.

Runs on CUDA when the machine has a GPU, otherwise on the CPU (set SLIPWAY_DEVICE=cpu to force it).
"""

import csv
import math
import os
import sys

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - the message is the point
    raise SystemExit(
        f"{sys.executable} cannot import torch. Install it for this interpreter: "
        "`python3 -m pip install -r requirements.txt`, or on Debian `apt-get install python3-torch`."
    ) from None

CLASSES = ("red", "green", "blue")
FEATURES = ("x", "y")
HIDDEN = 32


def device():
    """CUDA when there is a GPU, the CPU otherwise; SLIPWAY_DEVICE overrides."""
    wanted = os.environ.get("SLIPWAY_DEVICE")
    if wanted:
        return torch.device(wanted)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def build(hidden=HIDDEN):
    return nn.Sequential(
        nn.Linear(len(FEATURES), hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, len(CLASSES)),
    )


def read_examples(path):
    """Rows of a CSV split as dicts with float features, the label and the id."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in FEATURES:
            row[name] = float(row[name])
    return rows


def features(rows, on):
    return torch.tensor([[row[name] for name in FEATURES] for row in rows], dtype=torch.float32, device=on)


def slice_tags(row):
    """The slices an example belongs to, as slipway.yaml names them."""
    return ["region:inner" if math.hypot(row["x"], row["y"]) < 2.0 else "region:outer"]
