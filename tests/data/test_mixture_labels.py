"""`ganzoo.data.load(mixture, with_labels=True)`: the mode index as label."""

import numpy as np

import ganzoo


def test_mixture_labels_are_the_mode_each_point_was_drawn_from():
    mixture = ganzoo.data.MIXTURES["grid25"]
    points, modes = mixture.sample(2000, seed=3, with_labels=True)
    assert modes.dtype == np.int64 and set(np.unique(modes)) == set(range(25))
    nearest, distance = mixture.nearest_mode(points)
    np.testing.assert_array_equal(nearest, modes)
    assert distance.max() < 6 * mixture.std
    # The same seed gives the same points with or without labels.
    np.testing.assert_array_equal(points, mixture.sample(2000, seed=3))


def test_load_grid25_with_labels_yields_points_and_their_modes():
    data = ganzoo.data.load("grid25", batch_size=64, seed=0, with_labels=True, num_samples=640)
    points, labels = next(iter(data))
    assert points.shape == (64, 2) and labels.shape == (64,) and labels.dtype.name == "int64"
    nearest, _ = ganzoo.data.MIXTURES["grid25"].nearest_mode(points.numpy())
    np.testing.assert_array_equal(nearest, labels.numpy())
