"""`check_batch` / `check_examples`: NaN and out-of-range images are a clear error."""

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.data import check_batch, check_examples

IMAGES = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")


def test_good_images_and_points_pass_unchanged():
    np.testing.assert_array_equal(check_batch(IMAGES), IMAGES)
    points = np.array([[4.0, -4.0], [0.5, 2.0]], "float32")  # 2-D mixtures are not in [-1, 1]
    np.testing.assert_array_equal(check_batch(points), points)
    assert check_examples(tf.data.Dataset.from_tensor_slices(IMAGES)) == 4
    edge = IMAGES.copy()
    edge[0, 0, 0, 0] = 1.0 + 1e-4  # resizing round-off is tolerated
    check_batch(edge)


@pytest.mark.parametrize("bad, message", [
    (np.where(IMAGES > 0.9, np.nan, IMAGES), "NaN or Inf"),
    (np.full((2, 2), np.inf, "float32"), "NaN or Inf"),
    ((IMAGES + 1) * 127.5, r"not in \[-1, 1\].*to_model_range"),
])
def test_bad_batches_raise_naming_to_model_range(bad, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        check_batch(bad)


def test_the_check_runs_inside_a_traced_step():
    step = tf.function(lambda x: tf.reduce_sum(check_batch(x)))
    assert np.isfinite(step(IMAGES).numpy())
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"not in \[-1, 1\]"):
        step(IMAGES * 255)


def test_check_examples_names_the_range_found():
    images = tf.data.Dataset.from_tensor_slices((IMAGES + 1) * 127.5)
    with pytest.raises(ValueError, match=r"are in \[0.698\d*, 254.\d*\], not in \[-1, 1\].*to_model_range"):
        check_examples(images)
    nan = IMAGES.copy()
    nan[1, 2, 3, 0] = np.nan
    with pytest.raises(ValueError, match="hold 1 NaN or Inf values"):
        check_examples(tf.data.Dataset.from_tensor_slices((nan, np.zeros(4))))  # (image, label) pairs
    with pytest.raises(ValueError, match="uint8.*to_model_range"):
        check_examples(tf.data.Dataset.from_tensor_slices(np.zeros((2, 4, 4, 1), "uint8")))


def test_an_integer_batch_is_refused_at_once():
    with pytest.raises(ValueError, match="uint8.*to_model_range"):
        check_batch(np.zeros((2, 4, 4, 1), "uint8"))
