"""The cached real-set statistics: computed once, keyed, verified."""

import importlib
import os

import numpy as np
import pytest

from ganzoo import metrics
from helpers import tiny_classifier

# The module, not the function of the same name that ganzoo.metrics exports.
ref_lib = importlib.import_module("ganzoo.metrics.reference_statistics")

N = 200


@pytest.fixture(scope="module")
def classifier():
    return tiny_classifier()


def compute(classifier, cache_dir, **kwargs):
    settings = dict(dataset="fashion_mnist", split="test", num_samples=N, classifier=classifier,
                    batch_size=100, cache_dir=str(cache_dir))
    return metrics.reference_statistics(**{**settings, **kwargs})


def test_second_call_loads_what_the_first_computed(classifier, tmp_path):
    first = compute(classifier, tmp_path)
    assert not first["from_cache"] and os.path.exists(first["path"])
    assert first["path"].startswith(os.path.join(str(tmp_path), "ganzoo", "reference_statistics"))
    assert first["features"].shape == (N, 8)
    mu, sigma = metrics.feature_statistics(first["features"])
    np.testing.assert_allclose(first["mu"], mu)
    np.testing.assert_allclose(first["sigma"], sigma)
    for k in (3, 5):
        np.testing.assert_array_equal(first["squared_radii"][k], metrics.knn_squared_radii(first["features"], k))
    second = compute(classifier, tmp_path)
    assert second["from_cache"] and second["key"] == first["key"]
    for name in ("features", "mu", "sigma"):
        np.testing.assert_array_equal(second[name], first[name])
    assert sorted(second["squared_radii"]) == [3, 5]
    # Cached radii give the scores computed from scratch.
    fake = np.random.default_rng(0).normal(size=(50, 8))
    assert metrics.precision_recall(
        real=second["features"], fake=fake, real_squared_radii=second["squared_radii"][3]
    ) == metrics.precision_recall(real=first["features"], fake=fake)


def test_a_corrupted_file_is_recomputed_not_trusted(classifier, tmp_path):
    first = compute(classifier, tmp_path)
    with np.load(first["path"]) as f:
        arrays = {name: f[name] for name in f.files}
    arrays["mu"] = arrays["mu"] + 1.0  # an edit that keeps the file readable
    np.savez(first["path"], **arrays)
    with pytest.warns(UserWarning, match="does not match its sha256"):
        again = compute(classifier, tmp_path)
    assert not again["from_cache"]
    np.testing.assert_allclose(again["mu"], first["mu"])
    with open(first["path"], "r+b") as f:  # now break the zip itself
        f.seek(100)
        f.write(b"\0" * 64)
    with pytest.warns(UserWarning, match="Recomputing"):
        assert not compute(classifier, tmp_path)["from_cache"]
    assert compute(classifier, tmp_path)["from_cache"]  # rewritten whole


def test_every_part_of_the_key_separates_files(classifier, tmp_path):
    base = compute(classifier, tmp_path)
    other_n = compute(classifier, tmp_path, num_samples=N - 50)
    other_split = compute(classifier, tmp_path, split="train")
    other_weights = compute(tiny_classifier(seed=5), tmp_path)
    paths = {base["path"], other_n["path"], other_split["path"], other_weights["path"]}
    assert len(paths) == 4
    assert base["key"]["classifier"].startswith("keras-weights-sha256:")
    assert base["key"]["feature_layer"] == "pool_3" and base["key"]["ganzoo_version"]


def test_the_default_directory_is_the_keras_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    assert ref_lib.keras_cache_dir() == str(tmp_path / "keras_home")
    monkeypatch.delenv("KERAS_HOME")
    assert ref_lib.keras_cache_dir().endswith(".keras")


def test_the_shipped_classifier_is_keyed_by_its_files():
    identity = ref_lib.classifier_identity("fashion_mnist")
    assert identity.startswith("files-sha256:")
    assert ref_lib.classifier_identity(metrics.SHIPPED_CLASSIFIER) == identity
    assert ref_lib.classifier_identity(metrics.DEFAULT_HANDLE) == f"url:{metrics.DEFAULT_HANDLE}"


def test_unidentifiable_classifiers_and_bad_settings_are_refused(tmp_path):
    def anonymous(images):
        return images

    with pytest.raises(ValueError, match="classifier_name="):
        compute(anonymous, tmp_path)
    assert ref_lib.classifier_identity(anonymous, "my-net-v2") == "name:my-net-v2"
    with pytest.raises(ValueError, match="neither an http"):
        ref_lib.classifier_identity("no/such/dir")
    with pytest.raises(ValueError, match="must exceed the largest k"):
        compute(tiny_classifier(), tmp_path, num_samples=5)
    with pytest.raises(ValueError, match="gave 10000 images.*num_samples=20000"):
        compute(tiny_classifier(), tmp_path, num_samples=20_000)
