"""Tests of the model code: python3 -m unittest discover -s tests"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from model import CLASSES, predict, read_examples, slice_tags  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class ModelTest(unittest.TestCase):
    def test_untrained_weights_give_every_class_the_same_probability(self):
        weights = {"bias": [0.0] * 3, "coefficients": [[0.0] * 5 for _ in range(3)]}
        self.assertEqual(predict(weights, {"x": 1.0, "y": -1.0}), [1 / 3] * 3)

    def test_every_example_is_in_exactly_one_region_slice(self):
        self.assertEqual(slice_tags({"x": 0.0, "y": 0.5}), ["region:inner"])
        self.assertEqual(slice_tags({"x": 3.0, "y": 0.0}), ["region:outer"])

    def test_the_shipped_data_names_only_known_classes(self):
        for split in ("train", "holdout", "hard-cases"):
            rows = read_examples(os.path.join(HERE, "..", "data", f"{split}.csv"))
            self.assertTrue(rows)
            self.assertTrue({row["label"] for row in rows} <= set(CLASSES))


if __name__ == "__main__":
    unittest.main()
