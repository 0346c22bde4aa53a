"""Classification metrics from a Slipway predictions JSONL with scikit-learn: pandas reads it in chunks
into compact label codes (integer codes, not strings: scikit-learn is many times slower on strings), then
accuracy_score and precision_recall_fscore_support per test set and slice. Prints the metrics as JSON.

Usage: python3 eval_sklearn.py PREDICTIONS.jsonl CLASS[,CLASS...] SLICE[,SLICE...]
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, precision_recall_fscore_support


def metrics(label, prediction, k):
    present = np.union1d(np.unique(label), np.unique(prediction))
    precision, recall, f1, _ = precision_recall_fscore_support(
        label, prediction, labels=present, average=None, zero_division=0
    )
    all_f1 = np.zeros(k)
    all_f1[present] = f1
    return {
        "n": int(len(label)),
        "accuracy": float(accuracy_score(label, prediction)),
        "macro-precision": float(precision.mean()),
        "macro-recall": float(recall.mean()),
        "macro-f1": float(f1.mean()),
        "f1": [float(v) for v in all_f1],
    }


def main():
    path, classes, slices = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    k = len(classes)
    started = time.perf_counter()
    labels, predictions, members = [], [], {s: [] for s in slices}
    for chunk in pd.read_json(path, lines=True, chunksize=1_000_000, dtype=False):
        labels.append(pd.Categorical(chunk["label"], categories=classes).codes)
        predictions.append(pd.Categorical(chunk["prediction"], categories=classes).codes)
        tags = chunk["slices"]
        for s in slices:
            members[s].append(tags.map(lambda t, s=s: s in t).to_numpy(dtype=bool))
    label = np.concatenate(labels)
    prediction = np.concatenate(predictions)
    result = {
        "overall": metrics(label, prediction, k),
        "slices": {},
    }
    for s in slices:
        mask = np.concatenate(members[s])
        result["slices"][s] = metrics(label[mask], prediction[mask], k)
    result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))


main()
