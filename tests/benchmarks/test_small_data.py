"""benchmarks/small_data.py trains on class-balanced, nested subsets, and its
runs file keys runs by (size, policy, seed) under identical settings only."""

import dataclasses
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import _results  # noqa: E402
import small_data  # noqa: E402



def test_subsets_are_class_balanced_and_nested():
    config = small_data.Config()
    small, large = small_data.subset(600, config), small_data.subset(6000, config)
    assert small.shape == (600, 28, 28, 1) and large.shape == (6000, 28, 28, 1)
    assert small.min() >= -1.0 and small.max() <= 1.0
    # Every image of the small subset is in the large one.
    large_rows = {row.tobytes() for row in large.reshape(6000, -1)}
    assert all(row.tobytes() in large_rows for row in small.reshape(600, -1))
    # 60 of each class: label them through the training split.
    images, labels = small_data.train_arrays()
    index = {row.tobytes(): label for row, label in zip(images.reshape(len(images), -1), labels)}
    counts = np.bincount([index[row.tobytes()] for row in small.reshape(600, -1)], minlength=10)
    assert counts.tolist() == [60] * 10


def test_a_size_that_is_not_a_multiple_of_ten_is_refused():
    with pytest.raises(ValueError, match="multiple of 10"):
        small_data.subset(605, small_data.Config())


def test_runs_are_reused_only_with_identical_settings(tmp_path):
    path = str(tmp_path / "runs.json")
    config = small_data.Config(steps=10)
    result = {"fid": 150.0, "d_gap": 0.2, "epochs": 1.1, "wall_s": 3.0}
    _results.record_run(path, {"size": 600, "policy": "none", "seed": 1}, config, result)
    fields = ("size", "policy", "seed")
    assert _results.load_runs(path, config, fields) == {(600, "none", 1): result}
    assert _results.load_runs(path, dataclasses.replace(config, steps=20), fields) == {}
