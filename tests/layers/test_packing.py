import keras
import numpy as np
import pytest

from ganzoo.layers import Pack, pack, packed_shape, unpack
from helpers import save_and_reload


def np_pack(samples, m):
    """Pack k = concatenation of rows k·m, ..., k·m + m - 1 along the last axis."""
    return np.stack([np.concatenate(list(samples[k * m : (k + 1) * m]), axis=-1) for k in range(len(samples) // m)])


@pytest.mark.parametrize("m", [1, 2, 4])
def test_points_pack_like_numpy(m):
    points = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    packed = keras.ops.convert_to_numpy(pack(points, m))
    assert packed.shape == (8 // m, 2 * m)
    np.testing.assert_array_equal(packed, np_pack(points, m))
    np.testing.assert_array_equal(unpack(packed, m), points)


def test_images_pack_along_channels_like_numpy():
    images = np.random.default_rng(1).uniform(-1, 1, (6, 4, 5, 3)).astype("float32")
    packed = keras.ops.convert_to_numpy(pack(images, 3))
    assert packed.shape == (2, 4, 5, 9)
    np.testing.assert_array_equal(packed, np_pack(images, 3))
    # Pack 1 holds images 3, 4, 5, each with its three channels in order.
    np.testing.assert_array_equal(packed[1, ..., 3:6], images[4])
    np.testing.assert_array_equal(unpack(packed, 3), images)


def test_a_merged_real_then_fake_batch_packs_without_mixing():
    real, fake = np.ones((4, 2), "float32"), -np.ones((4, 2), "float32")
    packed = keras.ops.convert_to_numpy(pack(np.concatenate([real, fake]), 2))
    np.testing.assert_array_equal(packed[:2], 1.0)
    np.testing.assert_array_equal(packed[2:], -1.0)


def test_packed_shape():
    assert packed_shape((28, 28, 1), 4) == (28, 28, 4)
    assert packed_shape((2,), 2) == (4,)
    assert packed_shape([32, 32, 3], 1) == (32, 32, 3)


def test_a_packed_discriminator_gives_one_logit_per_pack_and_round_trips(tmp_path):
    points = keras.Input((2,))
    h = Pack(4, name="pack")(points)
    h = keras.layers.Dense(8, activation="leaky_relu")(h)
    discriminator = keras.Model(points, keras.layers.Dense(1)(h))
    assert discriminator.get_layer("pack").output.shape == (None, 8)
    x = np.random.default_rng(2).normal(size=(12, 2)).astype("float32")
    logits = keras.ops.convert_to_numpy(discriminator(x))
    assert logits.shape == (3, 1)
    again = save_and_reload(discriminator, tmp_path)
    assert again.get_layer("pack").get_config() == discriminator.get_layer("pack").get_config()
    np.testing.assert_array_equal(again(x), logits)


def test_get_config_lists_every_constructor_argument():
    config = Pack(3, name="p").get_config()
    assert config["packing"] == 3
    assert Pack.from_config(config).get_config() == config


@pytest.mark.parametrize("bad", [0, -2, 1.5, None, True])
def test_rejects_bad_packing(bad):
    with pytest.raises(ValueError, match="packing must be a positive integer"):
        pack(np.zeros((4, 2), "float32"), bad)


def test_rejects_a_batch_that_is_not_a_multiple_of_m():
    with pytest.raises(ValueError, match="A batch of 6 samples cannot be split into packs of 4"):
        pack(np.zeros((6, 2), "float32"), 4)


def test_rejects_unpacking_a_width_that_is_not_a_multiple_of_m():
    with pytest.raises(ValueError, match=r"Cannot unpack shape \(2, 5\) into 2 samples"):
        unpack(np.zeros((2, 5), "float32"), 2)
