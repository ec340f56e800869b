"""Golden tests of the Inception Score (Salimans et al. 2016)."""

import numpy as np
import pytest
import tensorflow as tf

from ganzoo import metrics
from helpers import random_images, tiny_classifier


def reference_inception_score(logits, splits):
    """Salimans' loop, float64, written independently of ganzoo."""
    logits = np.asarray(logits, np.float64)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    n, scores = len(p), []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        py = part.mean(0, keepdims=True)
        kl = np.sum(part * (np.log(part) - np.log(py)), axis=1)
        scores.append(np.exp(kl.mean()))
    return np.mean(scores), np.std(scores)


@pytest.mark.parametrize("k", [1, 2, 7, 10])
def test_one_hot_spread_evenly_over_k_classes_gives_k(k):
    # Each split of 2k consecutive images holds every class twice.
    probabilities = np.eye(k)[np.arange(20 * k) % k]
    mean, std = metrics.inception_score_from_probabilities(probabilities, splits=10)
    assert mean == pytest.approx(k, abs=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)
    # The same through logits: a margin of 60 makes the softmax one-hot to 1e-25.
    mean, _ = metrics.inception_score_from_logits(60.0 * probabilities, splits=10)
    assert mean == pytest.approx(k, abs=1e-9)


def test_identical_predictions_give_one():
    row = np.random.default_rng(0).normal(size=(1, 1008))
    mean, std = metrics.inception_score_from_logits(np.repeat(row, 100, axis=0), splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("num_images, splits", [(1000, 10), (997, 10), (50, 3)])
def test_matches_float64_numpy_reference(num_images, splits):
    logits = np.random.default_rng(1).normal(scale=3.0, size=(num_images, 1008)).astype(np.float32)
    mean, std = metrics.inception_score_from_logits(logits, splits=splits)
    ref_mean, ref_std = reference_inception_score(logits, splits)
    assert mean == pytest.approx(ref_mean, abs=1e-6)
    assert std == pytest.approx(ref_std, abs=1e-6)
    assert mean > 1.5  # random logits are not a degenerate case


def test_fewer_samples_than_splits_raises():
    with pytest.raises(ValueError, match="at least splits=10 images"):
        metrics.inception_score_from_logits(np.zeros((9, 10)), splits=10)
    with pytest.raises(ValueError, match="at least splits=10 images.*got 5"):
        metrics.inception_score(random_images(5), classifier=tiny_classifier(), splits=10)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="splits must be a positive integer"):
        metrics.inception_score_from_logits(np.zeros((10, 3)), splits=0)
    with pytest.raises(ValueError, match="uint8"):
        metrics.inception_score(np.zeros((10, 28, 28, 1), np.uint8), classifier=tiny_classifier())
    with pytest.raises(ValueError, match=r"in \[-1, 1\]; got values in \[255, 255\]"):
        metrics.inception_score(np.full((10, 28, 28, 1), 255.0, np.float32), classifier=tiny_classifier())


def test_images_and_datasets_of_every_form_give_the_reference_score():
    classifier = tiny_classifier()
    images = random_images(60, seed=3)
    logits = classifier(images)["logits"].numpy()
    expected = reference_inception_score(logits, splits=4)
    labels = np.zeros(60, np.int64)
    inputs = {
        "array": images,
        "batched dataset": tf.data.Dataset.from_tensor_slices(images).batch(16),
        "unbatched dataset": tf.data.Dataset.from_tensor_slices(images),
        "(images, labels)": tf.data.Dataset.from_tensor_slices((images, labels)).batch(7),
        "dict": tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}).batch(32),
    }
    for name, value in inputs.items():
        result = metrics.inception_score(value, classifier=classifier, splits=4, batch_size=25)
        np.testing.assert_allclose(result, expected, atol=1e-5, err_msg=name)
