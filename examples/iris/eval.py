"""Evaluates the iris classifier on one shard of one test set, as Slipway runs it.

Slipway tells it what to do through the environment:
  SLIPWAY_TEST_SET       name of the test set (holdout, hard-cases)
  SLIPWAY_TEST_SET_PATH  its CSV file
  SLIPWAY_SHARD_INDEX    which shard to evaluate (0-based; default 0)
  SLIPWAY_SHARD_COUNT    how many shards there are (default 1)
  SLIPWAY_OUTPUT         where to write the predictions (JSONL, one example per line)
  IRIS_WEIGHTS           optional: another weights file (default model/weights.json)

Example i of the test set belongs to shard i mod SLIPWAY_SHARD_COUNT, so the shards together hold
every example exactly once.
"""

import json
import os
import sys

# Keep the project directory free of __pycache__ (it is also the artifact's source).
sys.dont_write_bytecode = True

from iris_model import CLASSES, load_weights, predict, read_examples, slice_tags

HERE = os.path.dirname(os.path.abspath(__file__))


def required(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"eval.py: environment variable {name} is not set (Slipway sets it; see the docstring)")
    return value


def shard_setting(name, default):
    raw = os.environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"eval.py: {name}={raw!r} is not a whole number") from None


def main():
    test_set = required("SLIPWAY_TEST_SET")
    path = required("SLIPWAY_TEST_SET_PATH")
    output = required("SLIPWAY_OUTPUT")
    index = shard_setting("SLIPWAY_SHARD_INDEX", 0)
    count = shard_setting("SLIPWAY_SHARD_COUNT", 1)
    if count < 1 or not 0 <= index < count:
        raise SystemExit(f"eval.py: shard {index} of {count} is out of range")
    weights = load_weights(os.environ.get("IRIS_WEIGHTS") or os.path.join(HERE, "model", "weights.json"))
    rows = read_examples(path)
    written = 0
    with open(output, "w", encoding="utf-8") as handle:
        for position, row in enumerate(rows):
            if position % count != index:
                continue
            probabilities = predict(weights, row)
            best = max(range(len(CLASSES)), key=probabilities.__getitem__)
            record = {
                "id": row["id"],
                "label": row["species"],
                "prediction": CLASSES[best],
                "scores": {name: round(p, 6) for name, p in zip(CLASSES, probabilities)},
                "slices": slice_tags(row),
            }
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            written += 1
    print(f"{test_set} shard {index + 1}/{count}: wrote {written} predictions to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
