"""Golden tests of the Kernel Inception Distance (Bińkowski et al. 2018)."""

import numpy as np
import pytest

from ganzoo import metrics
from helpers import random_images, tiny_classifier


def naive_mmd2_unbiased(x, y):
    """Loops over pairs, written independently of ganzoo."""
    m, d = x.shape
    k = lambda a, b: (np.dot(a, b) / d + 1.0) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kernel_is_the_cubic_polynomial():
    x, y = np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]])
    assert metrics.polynomial_kernel(x, y)[0, 0] == pytest.approx((1.0 / 2 + 1) ** 3)


def test_unbiased_mmd_matches_the_pairwise_sum():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 5)), rng.normal(1.0, size=(12, 5))
    assert metrics.mmd2_unbiased(x, y) == pytest.approx(naive_mmd2_unbiased(x, y), rel=1e-12)


def test_same_distribution_is_about_zero_and_different_is_positive():
    rng = np.random.default_rng(1)
    real, same = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    shifted = rng.normal(0.5, size=(2000, 16))
    same_mean, same_std = metrics.kernel_distance_from_features(real, same, num_subsets=20, subset_size=500)
    diff_mean, diff_std = metrics.kernel_distance_from_features(real, shifted, num_subsets=20, subset_size=500)
    assert abs(same_mean) < 0.01
    assert diff_mean > 0.1
    assert diff_mean > 10 * (abs(same_mean) + same_std)
    assert same_std > 0 and diff_std > 0


def test_images_through_a_classifier():
    classifier = tiny_classifier()
    a, b = random_images(64, seed=1), random_images(64, seed=2)
    far = np.clip(b * 0.1 + 0.8, -1, 1)
    same = metrics.kernel_distance(a, b, classifier=classifier, num_subsets=5, subset_size=32)[0]
    different = metrics.kernel_distance(a, far, classifier=classifier, num_subsets=5, subset_size=32)[0]
    assert different > 0 and different > 10 * abs(same)


def test_subsets_are_reproducible_and_default_to_the_smaller_set():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=(30, 4))
    first = metrics.kernel_distance_from_features(x, y, num_subsets=3, seed=7)
    assert first == metrics.kernel_distance_from_features(x, y, num_subsets=3, seed=7)
    # subset_size=None is min(1000, N, M) = 30 here.
    assert first == metrics.kernel_distance_from_features(x, y, num_subsets=3, subset_size=30, seed=7)
    with pytest.raises(ValueError, match="at least 2 features"):
        metrics.kernel_distance_from_features(x[:1], y)
    with pytest.raises(ValueError, match=r"\(N, d\) and \(M, d\)"):
        metrics.kernel_distance_from_features(x, y[:, :3])


def test_a_subset_larger_than_the_sample_is_refused():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=(30, 4))
    with pytest.raises(ValueError, match=r"subset_size=31 is larger than the sample: 50 real and 30 fake"):
        metrics.kernel_distance_from_features(x, y, subset_size=31)
    with pytest.raises(ValueError, match=r"subset_size must be an integer ≥ 2; got 1"):
        metrics.kernel_distance_from_features(x, y, subset_size=1)
    # Images are counted before the classifier runs: a fake classifier that
    # would fail shows that the refusal comes first.
    def never_called(images):
        raise AssertionError("the classifier ran before the subset size was checked")

    with pytest.raises(ValueError, match=r"subset_size=1000 is larger than the sample: 8 real and 8 fake"):
        metrics.kernel_distance(random_images(8), random_images(8, seed=1), classifier=never_called,
                                subset_size=1000)


def test_kid_is_reported_raw_not_times_a_thousand():
    # One subset of the whole sets: KID is exactly the unbiased MMD², unscaled.
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(20, 3)), rng.normal(0.5, size=(20, 3))
    mean, std = metrics.kernel_distance_from_features(x, y, num_subsets=1, subset_size=20)
    assert mean == pytest.approx(naive_mmd2_unbiased(x, y), rel=1e-12) and std == 0.0
