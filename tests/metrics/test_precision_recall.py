"""Golden tests of improved precision/recall (Kynkäänniemi et al. 2019) and
density/coverage (Naeem et al. 2020), against a brute-force numpy version."""

import numpy as np
import pytest

from ganzoo import metrics
from helpers import random_images, tiny_classifier


def reference_scores(real, fake, k_pr, k_dc):
    """All four scores from full distance matrices of explicit differences,
    written from the papers' definitions independently of ganzoo."""
    d_rr = np.sqrt(((real[:, None, :] - real[None, :, :]) ** 2).sum(-1))  # (N, N)
    d_ff = np.sqrt(((fake[:, None, :] - fake[None, :, :]) ** 2).sum(-1))  # (M, M)
    d_rf = np.sqrt(((real[:, None, :] - fake[None, :, :]) ** 2).sum(-1))  # (N, M)

    def kth(d, k):  # the k-th neighbour, the sample itself (column 0 once sorted) excluded
        return np.sort(d, axis=1)[:, k]

    in_real_manifold = (d_rf <= kth(d_rr, k_pr)[:, None]).any(axis=0)  # per fake
    in_fake_manifold = (d_rf.T <= kth(d_ff, k_pr)[:, None]).any(axis=0)  # per real
    inside = d_rf < kth(d_rr, k_dc)[:, None]  # (N, M) fake j in real ball i
    return {
        "precision": in_real_manifold.mean(),
        "recall": in_fake_manifold.mean(),
        "density": inside.sum() / (k_dc * fake.shape[0]),
        "coverage": inside.any(axis=1).mean(),
    }


def all_scores(real, fake, k_pr=3, k_dc=5, **kwargs):
    separately = {
        **metrics.precision_recall_from_features(real=real, fake=fake, k=k_pr, **kwargs),
        **metrics.density_coverage_from_features(real=real, fake=fake, k=k_dc, **kwargs),
    }
    together = metrics.knn_scores(real=real, fake=fake, k_precision_recall=k_pr, k_density_coverage=k_dc, **kwargs)
    assert together == separately
    return together


@pytest.mark.parametrize("seed, k_pr, k_dc", [(0, 3, 5), (1, 1, 2), (2, 5, 3)])
def test_matches_the_brute_force_reference(seed, k_pr, k_dc):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(70, 6))
    fake = rng.normal(1.0, 0.7, size=(50, 6))
    expected = reference_scores(real, fake, k_pr, k_dc)
    assert all_scores(real, fake, k_pr, k_dc) == pytest.approx(expected, abs=1e-12)
    # Chunks of a few rows give the same counts as one block.
    assert all_scores(real, fake, k_pr, k_dc, max_bytes=3000) == pytest.approx(expected, abs=1e-12)
    assert 0 < expected["precision"] < 1 and 0 < expected["recall"] < 1 and 0 < expected["coverage"] < 1


def test_identical_sets_score_one():
    features = np.random.default_rng(3).normal(size=(200, 8)).astype(np.float32)
    for max_bytes in (metrics.nearest_neighbors.DEFAULT_MAX_BYTES, 5000):
        scores = all_scores(features, features.copy(), max_bytes=max_bytes)
        assert scores == {"precision": 1.0, "recall": 1.0, "density": 1.0, "coverage": 1.0}


def test_disjoint_sets_score_zero():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(100, 4))
    fake = rng.normal(size=(80, 4)) + 100.0
    assert all_scores(real, fake) == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_swapping_the_sets_swaps_precision_and_recall():
    rng = np.random.default_rng(5)
    wide, narrow = rng.normal(size=(300, 3)), rng.normal(scale=0.3, size=(300, 3))
    collapsed = metrics.precision_recall_from_features(real=wide, fake=narrow)
    assert collapsed["precision"] > 0.9 and collapsed["recall"] < 0.6  # a narrow generator
    swapped = metrics.precision_recall_from_features(real=narrow, fake=wide)
    assert swapped == {"precision": collapsed["recall"], "recall": collapsed["precision"]}


def test_radii_and_balls_by_hand():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_array_equal(metrics.knn_squared_radii(points, 1), [1.0, 1.0, 4.0, 16.0])
    np.testing.assert_array_equal(metrics.knn_squared_radii(points, 2), [9.0, 4.0, 9.0, 36.0])
    # Balls of radius² [1, 1, 4, 16] around the points; 0.5 is in balls 0 and 1,
    # 5.0 in balls 2 (|5−3|² = 4, on the boundary) and 3, 20.0 in none.
    fake = np.array([[0.5], [5.0], [20.0]])
    radii = [1.0, 1.0, 4.0, 16.0]
    counts = metrics.ball_counts(points, fake, precision_radii=radii, density_radii=radii,
                                 recall_radii=[0.25, 1.0, 400.0])
    np.testing.assert_array_equal(counts["fake_in_real_balls"], [True, True, False])  # closed
    np.testing.assert_array_equal(counts["real_balls_per_fake"], [2, 1, 0])  # open: 5.0 leaves ball 2
    np.testing.assert_array_equal(counts["real_ball_occupied"], [True, True, False, True])
    # Fake balls: 0.5 (r=0.5) holds 0.0 and 1.0, 5.0 (r=1) none, 20.0 (r=20) 1.0, 3.0, 7.0.
    np.testing.assert_array_equal(counts["real_in_fake_balls"], [True, True, True, True])
    counts = metrics.ball_counts(points, fake, recall_radii=[0.25, 1.0, 168.0])  # 20 − 7 = 13 > √168
    np.testing.assert_array_equal(counts["real_in_fake_balls"], [True, True, False, False])
    assert set(counts) == {"real_in_fake_balls"}


def test_density_exceeds_one_when_fakes_pile_up_in_a_dense_region():
    real = np.array([[0.0], [0.1], [0.2], [0.3], [5.0], [9.0]])
    fake = np.full((4, 1), 0.15)  # inside the balls of the four clustered points
    scores = metrics.density_coverage_from_features(real=real, fake=fake, k=2)
    # Radii (k=2): 0.2, 0.1, 0.1, 0.2, 4.8, 8.7; 0.15 lies strictly inside the
    # balls of 0.0, 0.1, 0.2 and 0.3, not of 5.0 (4.85) or 9.0 (8.85):
    # 4 balls × 4 fakes / (k M) = 16 / 8.
    assert scores == pytest.approx({"density": 2.0, "coverage": 4 / 6})


def test_precomputed_real_radii_give_the_same_scores():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(90, 5)), rng.normal(size=(60, 5))
    radii_pr, radii_dc = metrics.knn_squared_radii(real, 3), metrics.knn_squared_radii(real, 5)
    assert metrics.precision_recall_from_features(
        real=real, fake=fake, real_squared_radii=radii_pr
    ) == metrics.precision_recall_from_features(real=real, fake=fake)
    assert metrics.density_coverage_from_features(
        real=real, fake=fake, real_squared_radii=radii_dc
    ) == metrics.density_coverage_from_features(real=real, fake=fake)
    with pytest.raises(ValueError, match="one squared radius per real sample"):
        metrics.precision_recall_from_features(real=real, fake=fake, real_squared_radii=radii_pr[:5])


def test_images_go_through_the_classifier():
    classifier = tiny_classifier()
    real, fake = random_images(40, seed=1), random_images(30, seed=2)
    out_real = metrics.classify(real, classifier)["pool_3"]
    out_fake = metrics.classify(fake, classifier)["pool_3"]
    for function, twin in (
        (metrics.precision_recall, metrics.precision_recall_from_features),
        (metrics.density_coverage, metrics.density_coverage_from_features),
    ):
        from_images = function(real=real, fake=fake, k=2, classifier=classifier)
        assert from_images == twin(real=out_real, fake=out_fake, k=2)
        # Features for one set and images for the other mix freely.
        assert function(real=out_real, fake=fake, k=2, classifier=classifier) == from_images


def test_sets_are_keyword_only():
    features = np.zeros((10, 2))
    with pytest.raises(TypeError):
        metrics.precision_recall(features, features)  # noqa
    with pytest.raises(TypeError):
        metrics.density_coverage(features, features)  # noqa


def test_bad_input_is_refused_clearly():
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(10, 4)), rng.normal(size=(6, 4))
    with pytest.raises(ValueError, match=r"k=6 needs more than k fake samples.*got 6"):
        metrics.precision_recall_from_features(real=real, fake=fake, k=6)
    with pytest.raises(ValueError, match=r"k=10 needs more than k real samples.*got 10"):
        metrics.density_coverage_from_features(real=real, fake=fake, k=10)
    with pytest.raises(ValueError, match="positive integer; got 0"):
        metrics.precision_recall_from_features(real=real, fake=fake, k=0)
    with pytest.raises(ValueError, match="same dimension.*real \\(10, 4\\).*fake \\(6, 3\\)"):
        metrics.density_coverage_from_features(real=real, fake=fake[:, :3])
    bad = fake.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="fake features hold 1 non-finite.*row 2"):
        metrics.precision_recall_from_features(real=real, fake=bad)
    with pytest.raises(ValueError, match=r"images \(num_samples, height, width, channels\); got an array of shape \(10, 4, 1\)"):
        metrics.density_coverage(real=real[..., None], fake=fake)


def test_knn_scores_take_the_cached_radii_of_both_ks():
    rng = np.random.default_rng(8)
    real, fake = rng.normal(size=(80, 5)), rng.normal(size=(70, 5))
    radii = metrics.knn_squared_radii(real, (3, 5))
    np.testing.assert_array_equal(radii[3], metrics.knn_squared_radii(real, 3))
    np.testing.assert_array_equal(radii[5], metrics.knn_squared_radii(real, 5))
    assert metrics.knn_scores(real=real, fake=fake, real_squared_radii=radii) == metrics.knn_scores(
        real=real, fake=fake
    )
    with pytest.raises(ValueError, match=r"need k = \[5\] too"):
        metrics.knn_scores(real=real, fake=fake, real_squared_radii={3: radii[3]})


def test_a_large_common_offset_changes_nothing():
    # Distances are computed after centring on the real mean, so float32
    # cancellation in |a|² + |b|² − 2ab does not grow with the features' offset.
    rng = np.random.default_rng(9)
    real, fake = rng.normal(size=(120, 6)), rng.normal(0.3, size=(90, 6))
    expected = reference_scores(real, fake, 3, 5)
    assert all_scores(real + 1e4, fake + 1e4) == pytest.approx(expected, abs=1e-12)
