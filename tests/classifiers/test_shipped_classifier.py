"""The shipped Fashion-MNIST classifier: its card, its hashes, and a load
through hub.load in a process where ganzoo cannot be imported."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from ganzoo import cards
from ganzoo.classifiers import fashion_mnist
from ganzoo.metrics import SHIPPED_CLASSIFIER

CARD_PATH = os.path.join(SHIPPED_CLASSIFIER, fashion_mnist.CARD)


@pytest.fixture(scope="module")
def card():
    with open(CARD_PATH) as f:
        return json.load(f)


def test_card_records_accuracy_reference_scores_and_provenance(card):
    assert card["test_accuracy"] >= 0.92
    assert 1.0 < card["inception_score_test"]["mean"] <= 10.0
    assert card["fid_train_vs_test"] >= 0.0
    assert card["pool_3_dead_units_test"] < 0.05 * fashion_mnist.FEATURE_DIM
    assert set(card["kid_train_vs_test"]) >= {"mean", "std", "num_subsets", "subset_size"}
    training = card["training"]
    assert training["command"].startswith("python -m ganzoo.classifiers.fashion_mnist")
    assert {"seed", "wall_time_s", "machine"} <= set(training)


def test_card_hashes_every_file_and_the_directory_is_small(card):
    files = {}
    for root, _, names in os.walk(SHIPPED_CLASSIFIER):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, SHIPPED_CLASSIFIER)] = path
    files.pop(fashion_mnist.CARD)
    assert set(card["files"]) == set(files)
    for relative, path in files.items():
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == card["files"][relative], relative
    cards.verify(SHIPPED_CLASSIFIER)
    assert sum(os.path.getsize(p) for p in files.values()) < 8 * 1024**2


def test_loads_with_hub_load_without_ganzoo():
    script = f"""
import sys
sys.modules["ganzoo"] = None  # any import of ganzoo now fails
import numpy as np, tensorflow_hub as hub
loaded = hub.load({SHIPPED_CLASSIFIER!r})
out = loaded(np.zeros((3, 28, 28, 1), np.float32))
print(tuple(out["logits"].shape), tuple(out["pool_3"].shape))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == f"(3, 10) (3, {fashion_mnist.FEATURE_DIM})"


def test_model_builder_outputs():
    model = fashion_mnist.build_model()
    logits, features = model.outputs
    assert tuple(logits.shape) == (None, 10) and tuple(features.shape) == (None, fashion_mnist.FEATURE_DIM)
