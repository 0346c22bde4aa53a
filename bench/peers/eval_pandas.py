"""Classification metrics from a Slipway predictions JSONL with pandas + numpy, written as a careful user
would: read in chunks of 1 M rows (the whole file at 1 M rows, bounded memory beyond), labels as categorical codes, confusion matrices by bincount,
slices by explode. Prints the metrics as JSON, like bench/eval-peers.bench.ts's Slipway side.

Usage: python3 eval_pandas.py PREDICTIONS.jsonl CLASS[,CLASS...] SLICE[,SLICE...]
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def metrics(matrix):
    k = matrix.shape[0]
    tp = np.diag(matrix).astype(float)
    support = matrix.sum(axis=1).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0)
    present = (support + predicted) > 0
    n = matrix.sum()
    return {
        "n": int(n),
        "accuracy": float(tp.sum() / n) if n else None,
        "macro-precision": float(precision[present].mean()),
        "macro-recall": float(recall[present].mean()),
        "macro-f1": float(f1[present].mean()),
        "f1": [float(v) for v in f1],
    }


def main():
    path, classes, slices = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    k = len(classes)
    started = time.perf_counter()
    overall = np.zeros(k * k, dtype=np.int64)
    by_slice = {s: np.zeros(k * k, dtype=np.int64) for s in slices}
    for chunk in pd.read_json(path, lines=True, chunksize=1_000_000, dtype=False):
        label = pd.Categorical(chunk["label"], categories=classes).codes.astype(np.int64)
        prediction = pd.Categorical(chunk["prediction"], categories=classes).codes.astype(np.int64)
        cell = label * k + prediction
        overall += np.bincount(cell, minlength=k * k)
        tagged = pd.DataFrame({"cell": cell, "slice": chunk["slices"].to_numpy()}).explode("slice")
        for name, cells in tagged.dropna().groupby("slice")["cell"]:
            if name in by_slice:
                by_slice[name] += np.bincount(cells.to_numpy(dtype=np.int64), minlength=k * k)
    result = {
        "overall": metrics(overall.reshape(k, k)),
        "slices": {s: metrics(m.reshape(k, k)) for s, m in by_slice.items()},
        "seconds": time.perf_counter() - started,
    }
    print(json.dumps(result))


main()
