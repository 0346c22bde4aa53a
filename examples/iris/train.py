"""Trains the iris classifier and writes model/weights.json.

    python3 train.py [--epochs 3000] [--learning-rate 0.5] [--l2 0.01]

Full-batch gradient descent on the softmax cross-entropy with L2 regularisation; features are
standardised with the training set's mean and deviation. Deterministic: zero initial weights,
no sampling, so the same data gives the same weights. Takes about a second on one CPU core.
"""

import argparse
import json
import math
import os
import sys

# Keep the project directory free of __pycache__ (it is also the artifact's source).
sys.dont_write_bytecode = True

from iris_model import CLASSES, FEATURES, predict, read_examples, softmax

HERE = os.path.dirname(os.path.abspath(__file__))


def train(rows, epochs, learning_rate, l2):
    count = len(rows)
    means = [sum(row[name] for row in rows) / count for name in FEATURES]
    scales = [math.sqrt(sum((row[name] - mean) ** 2 for row in rows) / count) or 1.0
              for name, mean in zip(FEATURES, means)]
    xs = [[(row[name] - mean) / scale for name, mean, scale in zip(FEATURES, means, scales)] for row in rows]
    ys = [CLASSES.index(row["species"]) for row in rows]
    bias = [0.0] * len(CLASSES)
    coefficients = [[0.0] * len(FEATURES) for _ in CLASSES]
    for _ in range(epochs):
        grad_bias = [0.0] * len(CLASSES)
        grad_coefficients = [[0.0] * len(FEATURES) for _ in CLASSES]
        for x, y in zip(xs, ys):
            logits = [b + sum(w * v for w, v in zip(ws, x)) for b, ws in zip(bias, coefficients)]
            for k, p in enumerate(softmax(logits)):
                error = p - (1.0 if k == y else 0.0)
                grad_bias[k] += error
                for j, v in enumerate(x):
                    grad_coefficients[k][j] += error * v
        for k in range(len(CLASSES)):
            bias[k] -= learning_rate * grad_bias[k] / count
            for j in range(len(FEATURES)):
                gradient = grad_coefficients[k][j] / count + l2 * coefficients[k][j]
                coefficients[k][j] -= learning_rate * gradient
    return {
        "format": "slipway-example/softmax-regression@1",
        "classes": list(CLASSES),
        "features": list(FEATURES),
        "means": [round(v, 10) for v in means],
        "scales": [round(v, 10) for v in scales],
        "bias": [round(v, 10) for v in bias],
        "coefficients": [[round(v, 10) for v in ws] for ws in coefficients],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=os.path.join(HERE, "data", "train.csv"))
    parser.add_argument("--out", default=os.path.join(HERE, "model", "weights.json"))
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    parser.add_argument("--l2", type=float, default=0.01)
    args = parser.parse_args()
    rows = read_examples(args.train)
    weights = train(rows, args.epochs, args.learning_rate, args.l2)
    correct = sum(CLASSES[max(range(3), key=predict(weights, row).__getitem__)] == row["species"] for row in rows)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(weights, handle, indent=2)
        handle.write("\n")
    print(f"trained on {len(rows)} examples: training accuracy {correct / len(rows):.3f}; wrote {args.out}")
    # Slipway asks for the run's parameters here; they go into the training record.
    parameters_path = os.environ.get("SLIPWAY_TRAIN_PARAMETERS")
    if parameters_path:
        os.makedirs(os.path.dirname(parameters_path), exist_ok=True)
        with open(parameters_path, "w", encoding="utf-8") as handle:
            json.dump({"epochs": args.epochs, "learning-rate": args.learning_rate, "l2": args.l2,
                       "training-examples": len(rows), "training-accuracy": round(correct / len(rows), 6)}, handle)


if __name__ == "__main__":
    main()
