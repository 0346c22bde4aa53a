"""Generates the template's data set: three classes of points in the plane, written as CSV splits.

    python3 data/make_data.py

Each class is a Gaussian cloud around one of three centres on a circle; the clouds overlap near the
boundaries between them. The points closest to a boundary form the hard-case test set and are kept out
of training. Deterministic (fixed seed), standard library only. Replace it with your own data: train.py
and eval.py read `id,x,y,label` CSV files.
"""

import csv
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = ("red", "green", "blue")
CENTRES = [(2.0 * math.cos(a), 2.0 * math.sin(a)) for a in (math.pi / 2, math.pi * 7 / 6, math.pi * 11 / 6)]
SPREAD = 0.9


def margin(x, y):
    """How much nearer the nearest centre is than the second nearest: small near a boundary."""
    distances = sorted(math.hypot(x - cx, y - cy) for cx, cy in CENTRES)
    return distances[1] - distances[0]


def draw(rng, count, keep):
    rows = []
    while len(rows) < count:
        label = rng.randrange(len(CLASSES))
        cx, cy = CENTRES[label]
        x, y = rng.gauss(cx, SPREAD), rng.gauss(cy, SPREAD)
        if keep(x, y):
            rows.append((round(x, 4), round(y, 4), CLASSES[label]))
    return rows


def write(name, rows):
    with open(os.path.join(HERE, f"{name}.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "x", "y", "label"])
        for index, (x, y, label) in enumerate(rows, start=1):
            writer.writerow([f"{name}-{index:04d}", x, y, label])


def main():
    rng = random.Random(20260101)
    near_boundary = lambda x, y: margin(x, y) < 0.35  # noqa: E731
    write("train", draw(rng, 300, lambda x, y: not near_boundary(x, y)))
    write("holdout", draw(rng, 150, lambda x, y: not near_boundary(x, y)))
    write("hard-cases", draw(rng, 60, near_boundary))


if __name__ == "__main__":
    main()
