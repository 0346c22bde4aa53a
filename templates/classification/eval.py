"""Evaluates the {{ slipway.name }} classifier on one shard of one test set, as Slipway runs it.

Slipway tells it what to do through the environment:
  SLIPWAY_TEST_SET       name of the test set (holdout, hard-cases)
  SLIPWAY_TEST_SET_PATH  its CSV file
  SLIPWAY_SHARD_INDEX    which shard to evaluate (0-based; default 0)
  SLIPWAY_SHARD_COUNT    how many shards there are (default 1)
  SLIPWAY_OUTPUT         where to write the predictions (JSONL, one example per line)
Example i belongs to shard i mod SLIPWAY_SHARD_COUNT, so the shards together hold every example once.
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # keep the project free of __pycache__: it is also the artifact's source

from model import CLASSES, load_weights, predict, read_examples, slice_tags  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def required(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"eval.py: environment variable {name} is not set (Slipway sets it; see the docstring)")
    return value


def main():
    test_set = required("SLIPWAY_TEST_SET")
    path = required("SLIPWAY_TEST_SET_PATH")
    output = required("SLIPWAY_OUTPUT")
    index = int(os.environ.get("SLIPWAY_SHARD_INDEX", "0"))
    count = int(os.environ.get("SLIPWAY_SHARD_COUNT", "1"))
    if count < 1 or not 0 <= index < count:
        raise SystemExit(f"eval.py: shard {index} of {count} is out of range")
    weights = load_weights(os.path.join(HERE, "model", "weights.json"))
    written = 0
    with open(output, "w", encoding="utf-8") as handle:
        for position, row in enumerate(read_examples(path)):
            if position % count != index:
                continue
            scores = predict(weights, row)
            best = max(range(len(CLASSES)), key=scores.__getitem__)
            record = {
                "id": row["id"],
                "label": row["label"],
                "prediction": CLASSES[best],
                "scores": {name: round(p, 6) for name, p in zip(CLASSES, scores)},
                "slices": slice_tags(row),
            }
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            written += 1
    print(f"{test_set} shard {index + 1}/{count}: wrote {written} predictions to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
