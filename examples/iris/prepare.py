"""Splits data/iris.csv into train, holdout and hard-case sets, deterministically.

    python3 prepare.py

The versicolor/virginica boundary examples (see iris_model.is_boundary) become the hard-case set;
of the rest, every fourth example of each species is held out and the others are for training.
Run it again and the files come out byte for byte the same.
"""

import os
import sys

# Keep the project directory free of __pycache__ (it is also the artifact's source).
sys.dont_write_bytecode = True

from iris_model import CLASSES, is_boundary, read_examples, write_examples

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def main():
    rows = read_examples(os.path.join(DATA, "iris.csv"))
    hard = [row for row in rows if is_boundary(row)]
    train, holdout = [], []
    for species in CLASSES:
        rest = [row for row in rows if row["species"] == species and not is_boundary(row)]
        for position, row in enumerate(rest):
            (holdout if position % 4 == 3 else train).append(row)
    write_examples(os.path.join(DATA, "train.csv"), train)
    write_examples(os.path.join(DATA, "holdout.csv"), holdout)
    write_examples(os.path.join(DATA, "hard-cases.csv"), hard)
    print(f"train: {len(train)}, holdout: {len(holdout)}, hard-cases: {len(hard)}")


if __name__ == "__main__":
    main()
