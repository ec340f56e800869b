"""Golden tests of the Fréchet Inception Distance (Heusel et al. 2017)."""

import numpy as np
import pytest

from ganzoo import metrics
from helpers import random_images, tiny_classifier


def random_spd(d, rng):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_set_against_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(500, 16)).astype(np.float32)
    assert metrics.frechet_distance_from_features(features, features) == pytest.approx(0.0, abs=1e-8)
    images = random_images(40)
    assert metrics.frechet_distance(images, images, classifier=tiny_classifier()) == pytest.approx(0.0, abs=1e-6)


def test_diagonal_gaussians_match_the_closed_form():
    # N(μ1, diag a), N(μ2, diag b): ‖μ1 − μ2‖² + Σ (√a − √b)².
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, -1.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = 1.0 + 9.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + 0.0
    assert metrics.frechet_distance_from_statistics(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, abs=1e-12)


def test_general_gaussians_match_the_closed_form():
    # Tr (Σ1 Σ2)^{1/2} = Σ √λ over the (real, positive) eigenvalues of Σ1 Σ2,
    # computed here from the non-symmetric product, independently of ganzoo.
    rng = np.random.default_rng(1)
    d = 6
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    sigma1, sigma2 = random_spd(d, rng), random_spd(d, rng)
    eigenvalues = np.linalg.eigvals(sigma1 @ sigma2)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2) - 2 * np.sum(np.sqrt(eigenvalues.real))
    assert metrics.frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, rel=1e-9)


def test_samples_of_two_gaussians_approach_the_closed_form():
    rng = np.random.default_rng(2)
    d = 3
    mu1, mu2 = np.zeros(d), np.full(d, 0.5)
    sigma1, sigma2 = random_spd(d, rng), random_spd(d, rng)
    x = rng.multivariate_normal(mu1, sigma1, size=200_000)
    y = rng.multivariate_normal(mu2, sigma2, size=200_000)
    expected = metrics.frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2)
    assert expected > 0.5
    assert metrics.frechet_distance_from_features(x, y) == pytest.approx(expected, rel=0.03)


def test_statistics_are_float64_mean_and_unbiased_covariance():
    features = np.random.default_rng(3).normal(size=(10_000, 4)).astype(np.float32)
    mean, sigma = metrics.feature_statistics(features)
    assert mean.dtype == sigma.dtype == np.float64
    np.testing.assert_allclose(mean, features.astype(np.float64).mean(0), atol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(features.astype(np.float64), rowvar=False), atol=1e-12)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="at least 2 feature vectors"):
        metrics.feature_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"sigma2 of shape \(2, 2\)"):
        metrics.frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(2), np.eye(3))
