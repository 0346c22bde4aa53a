"""Trains the {{ slipway.name }} classifier and writes model/weights.json.

    python3 train.py [--epochs 400] [--learning-rate 0.5] [--l2 0.001]

Full-batch gradient descent on the softmax cross-entropy with L2 regularisation. Deterministic: zero
initial weights, no sampling, so the same data gives the same weights. About a second on one CPU core.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep the project free of __pycache__: it is also the artifact's source

from model import CLASSES, expand, predict, read_examples, softmax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def train(rows, epochs, learning_rate, l2):
    xs = [expand(row) for row in rows]
    ys = [CLASSES.index(row["label"]) for row in rows]
    width = len(xs[0])
    bias = [0.0] * len(CLASSES)
    coefficients = [[0.0] * width for _ in CLASSES]
    count = len(rows)
    for _ in range(epochs):
        grad_bias = [0.0] * len(CLASSES)
        grad = [[0.0] * width for _ in CLASSES]
        for x, y in zip(xs, ys):
            logits = [b + sum(w * v for w, v in zip(ws, x)) for b, ws in zip(bias, coefficients)]
            for k, p in enumerate(softmax(logits)):
                error = p - (1.0 if k == y else 0.0)
                grad_bias[k] += error
                for j, v in enumerate(x):
                    grad[k][j] += error * v
        for k in range(len(CLASSES)):
            bias[k] -= learning_rate * grad_bias[k] / count
            for j in range(width):
                coefficients[k][j] -= learning_rate * (grad[k][j] / count + l2 * coefficients[k][j])
    return {
        "format": "slipway-template/softmax-regression@1",
        "classes": list(CLASSES),
        "bias": [round(v, 10) for v in bias],
        "coefficients": [[round(v, 10) for v in ws] for ws in coefficients],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=os.path.join(HERE, "data", "train.csv"))
    parser.add_argument("--out", default=os.path.join(HERE, "model", "weights.json"))
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    parser.add_argument("--l2", type=float, default=0.001)
    args = parser.parse_args()
    rows = read_examples(args.train)
    weights = train(rows, args.epochs, args.learning_rate, args.l2)
    correct = sum(
        CLASSES[max(range(len(CLASSES)), key=predict(weights, row).__getitem__)] == row["label"] for row in rows
    )
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(weights, handle, indent=2)
        handle.write("\n")
    print(f"trained on {len(rows)} examples: training accuracy {correct / len(rows):.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
