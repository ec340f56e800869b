import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.layers import DiffAugment
from ganzoo.layers import diff_augment as da
from ganzoo.layers.diff_augment import diff_augment
from helpers import random_images, save_and_reload

SHAPE = (12, 12, 3)


def images(num=4, shape=SHAPE, seed=0):
    return random_images(num, shape, seed)


# ---------------------------------------------------------------- numpy references
def np_translate(x, shift_h, shift_w):
    out = np.zeros_like(x)
    n, h, w, _ = x.shape
    for b in range(n):
        for i in range(h):
            for j in range(w):
                si, sj = i + shift_h[b], j + shift_w[b]
                if 0 <= si < h and 0 <= sj < w:
                    out[b, i, j] = x[b, si, sj]
    return out


def np_cutout(x, centre_h, centre_w, size_h, size_w):
    out = x.copy()
    for b in range(x.shape[0]):
        top, left = centre_h[b] - size_h // 2, centre_w[b] - size_w // 2
        out[b, max(top, 0) : max(top + size_h, 0), max(left, 0) : max(left + size_w, 0)] = 0
    return out


def as_column(values):
    return tf.constant(np.asarray(values, "int32")[:, None])


def per_image(values):
    return tf.constant(np.asarray(values, "float32")[:, None, None, None])


# ---------------------------------------------------------------- golden values
def test_colour_transforms_match_numpy():
    x = images()
    b, s, c = [0.3, -0.5, 0.0, 0.49], [0.0, 1.0, 1.7, 0.4], [0.5, 1.0, 1.49, 0.8]
    col = np.asarray
    np.testing.assert_allclose(da.adjust_brightness(x, per_image(b)), x + col(b)[:, None, None, None], atol=1e-6)
    pixel_mean = x.mean(-1, keepdims=True)
    np.testing.assert_allclose(
        da.adjust_saturation(x, per_image(s)),
        (x - pixel_mean) * col(s)[:, None, None, None] + pixel_mean,
        atol=1e-6,
    )
    image_mean = x.mean((1, 2, 3), keepdims=True)
    np.testing.assert_allclose(
        da.adjust_contrast(x, per_image(c)),
        (x - image_mean) * col(c)[:, None, None, None] + image_mean,
        atol=1e-6,
    )


def test_saturation_is_a_no_op_on_one_channel_images():
    x = images(shape=(12, 12, 1))
    np.testing.assert_allclose(da.adjust_saturation(x, per_image([0.0, 0.5, 1.5, 2.0])), x, atol=1e-6)


def test_translate_matches_numpy():
    x = images()
    shift_h, shift_w = [0, 1, -3, 12], [2, -1, 0, -5]
    np.testing.assert_array_equal(
        da.translate(x, as_column(shift_h), as_column(shift_w)), np_translate(x, shift_h, shift_w)
    )


def test_cutout_matches_numpy_inside_and_at_the_borders():
    x = images(num=5)
    centre_h, centre_w = [6, 0, 12, 3, 11], [6, 12, 0, 9, 2]
    np.testing.assert_array_equal(
        da.cutout(x, as_column(centre_h), as_column(centre_w), 6, 6), np_cutout(x, centre_h, centre_w, 6, 6)
    )
    cut = keras.ops.convert_to_numpy(da.cutout(x, as_column(centre_h), as_column(centre_w), 6, 6))
    assert (cut[0] == 0).all(-1).sum() == 36  # a whole 6×6 square inside the image
    assert (cut[1] == 0).all(-1).sum() == 9  # centre at the corner: a 3×3 quarter


# ---------------------------------------------------------------- random draws in the paper's ranges
def column(values):
    return np.asarray(values, "float32")[:, None]


def test_uniforms_map_to_the_reference_ranges_at_both_ends():
    x = images(num=3, shape=(4, 4, 3))
    u = column([0.0, 0.5, 1 - 1e-7])
    pixel_mean, image_mean = x.mean(-1, keepdims=True), x.mean((1, 2, 3), keepdims=True)
    b = (keras.ops.convert_to_numpy(da.rand_brightness(x, u)) - x)[:, 0, 0, 0]
    np.testing.assert_allclose(b, [-0.5, 0.0, 0.5], atol=1e-6)
    s = ((keras.ops.convert_to_numpy(da.rand_saturation(x, u)) - pixel_mean) / (x - pixel_mean))[:, 0, 0, 0]
    np.testing.assert_allclose(s, [0.0, 1.0, 2.0], atol=1e-4)
    c = ((keras.ops.convert_to_numpy(da.rand_contrast(x, u)) - image_mean) / (x - image_mean))[:, 0, 0, 0]
    np.testing.assert_allclose(c, [0.5, 1.0, 1.5], atol=1e-4)


def test_uniforms_map_to_every_shift_and_centre_equally():
    u = (np.arange(1000, dtype="float32") + 0.5)[:, None] / 1000
    # 16 // 8 = 2: shifts -2..2, 200 draws each.
    shifts = keras.ops.convert_to_numpy(da._integers(u, -2, 3))[:, 0]
    assert np.array_equal(np.unique(shifts, return_counts=True)[1], [200] * 5) and shifts.min() == -2
    assert int(da._integers(column([1 - 1e-7]), -2, 3)[0, 0]) == 2


def test_a_full_policy_matches_numpy_for_a_fixed_draw():
    x = images(num=2, shape=(16, 16, 3))
    # brightness, saturation, contrast, translation (h, w), cutout (h, w)
    u = np.array([[0.9, 0.2, 0.7, 0.1, 0.95, 0.5, 0.0], [0.3, 0.6, 0.05, 0.5, 0.45, 0.99, 0.7]], "float32")
    expected = x + (u[:, 0] - 0.5)[:, None, None, None]
    mean = expected.mean(-1, keepdims=True)
    expected = (expected - mean) * (2 * u[:, 1])[:, None, None, None] + mean
    mean = expected.mean((1, 2, 3), keepdims=True)
    expected = (expected - mean) * (0.5 + u[:, 2])[:, None, None, None] + mean
    shift = np.floor(u[:, 3:5] * 5).astype(int) - 2  # |t| ≤ 16 // 8
    expected = np_translate(expected, shift[:, 0], shift[:, 1])
    centre = np.floor(u[:, 5:7] * 17).astype(int)  # an even 8×8 square: centre in [0, 16]
    expected = np_cutout(expected, centre[:, 0], centre[:, 1], 8, 8)
    np.testing.assert_allclose(diff_augment(x, uniforms=u), expected, atol=1e-5)
    np.testing.assert_allclose(DiffAugment()(x, uniforms=u), expected, atol=1e-5)


def test_random_translation_shifts_by_at_most_an_eighth():
    x = images(num=64, shape=(16, 16, 1))
    out = keras.ops.convert_to_numpy(diff_augment(x, "translation", seed=1))
    seen = set()
    for k in range(len(x)):
        matches = [
            (sh, sw)
            for sh in range(-2, 3)
            for sw in range(-2, 3)
            if np.array_equal(out[k], np_translate(x[k : k + 1], [sh], [sw])[0])
        ]
        assert len(matches) == 1, k  # a shift within ±16/8 = ±2 explains each image
        seen.add(matches[0])
    assert len(seen) > 15  # and the shifts vary (25 possible)


def test_random_cutout_zeroes_half_size_squares_clipped_at_the_border():
    x = images(num=64, shape=(16, 16, 1)) + 2.0  # no zero pixels before
    out = keras.ops.convert_to_numpy(diff_augment(x, "cutout", seed=2))[..., 0]
    counts = (out == 0).sum((1, 2))
    assert counts.max() == 64 and counts.min() >= 16  # an 8×8 square, at least a 4×4 corner of it
    for image in out:
        rows, cols = np.nonzero(image == 0)
        assert rows.max() - rows.min() + 1 <= 8 and cols.max() - cols.min() + 1 <= 8
        assert (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1) == len(rows)  # a rectangle


def test_num_uniforms_and_bad_uniforms():
    assert da.num_uniforms("color,translation,cutout") == 7
    assert da.num_uniforms("translation") == 2
    with pytest.raises(ValueError, match=r"'color' needs uniforms of shape \(batch, 3\); got \(4, 2\)"):
        diff_augment(images(), "color", uniforms=np.zeros((4, 2), "float32"))
    with pytest.raises(ValueError, match="either seed or uniforms"):
        diff_augment(images(), "color", seed=1, uniforms=np.zeros((4, 3), "float32"))


# ---------------------------------------------------------------- the layer
@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_gradients_reach_the_input_through_each_op(policy):
    x = tf.constant(images())
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = DiffAugment(policy, seed=3)(x)
        loss = tf.reduce_sum(out * tf.constant(images(seed=1)))
    grad = tape.gradient(loss, x)
    assert grad is not None
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 1e-3


def test_gradients_reach_a_generator_through_it():
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(12 * 12 * 3), keras.layers.Reshape(SHAPE)])
    augment = DiffAugment(seed=0)
    z = tf.constant(np.random.default_rng(0).normal(size=(4, 4)).astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(augment(generator(z))))
    grads = tape.gradient(loss, generator.trainable_variables)
    assert all(g is not None and np.abs(g).max() > 0 for g in grads)


def test_same_seed_same_augmentation_different_seed_different():
    x = images()
    a, b, c = (keras.ops.convert_to_numpy(DiffAugment(seed=s)(x)) for s in (7, 7, 8))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.1
    np.testing.assert_array_equal(diff_augment(x, seed=5), diff_augment(x, seed=5))


def test_each_call_draws_new_transforms_also_when_traced():
    layer = DiffAugment(seed=0)
    step = tf.function(lambda x: layer(x))
    x = images()
    first, second = keras.ops.convert_to_numpy(step(x)), keras.ops.convert_to_numpy(step(x))
    assert np.abs(first - second).max() > 0.1
    # Real and fake batches through the same layer get independent draws.
    assert np.abs(keras.ops.convert_to_numpy(layer(x)) - keras.ops.convert_to_numpy(layer(x))).max() > 0.1


def test_a_seed_generator_passed_to_the_call_is_used():
    x = images()
    layer = DiffAugment(seed=0)
    a = layer(x, seed=keras.random.SeedGenerator(11))
    b = DiffAugment(seed=99)(x, seed=keras.random.SeedGenerator(11))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_shape_and_dtype_are_kept(dtype):
    x = images(num=3, shape=(28, 28, 1)).astype(dtype)
    # The function keeps the input's dtype; the layer computes in its policy's.
    for out in (diff_augment(x, seed=0), DiffAugment(seed=0, dtype=dtype)(x)):
        assert tuple(out.shape) == (3, 28, 28, 1)
        assert keras.backend.standardize_dtype(out.dtype) == dtype


def test_inference_mode_is_the_identity():
    x = images()
    np.testing.assert_array_equal(DiffAugment(seed=0)(x, training=False), x)


def test_empty_policy_is_the_identity():
    x = images()
    np.testing.assert_array_equal(DiffAugment("", seed=0)(x), x)


def test_keras_round_trip(tmp_path):
    inputs = keras.Input(SHAPE)
    h = DiffAugment("color,cutout", seed=4, name="augment")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3)(h))
    again = save_and_reload(model, tmp_path)
    layer = again.get_layer("augment")
    assert isinstance(layer, DiffAugment)
    assert layer.get_config() == model.get_layer("augment").get_config()
    assert (layer.policy, layer.seed) == ("color,cutout", 4)
    np.testing.assert_array_equal(model.predict(images(), verbose=0), again.predict(images(), verbose=0))


def test_get_config_lists_every_constructor_argument():
    config = DiffAugment("translation", seed=2).get_config()
    assert {"policy": "translation", "seed": 2}.items() <= config.items()
    assert DiffAugment.from_config(config).get_config() == config


@pytest.mark.parametrize("bad", ["colour", "color,zoom", 3])
def test_rejects_unknown_policies(bad):
    with pytest.raises(ValueError, match="policy"):
        DiffAugment(bad)


def test_rejects_point_data_and_integer_images():
    with pytest.raises(ValueError, match=r"\(batch, height, width, channels\).*got shape \(8, 2\)"):
        diff_augment(np.zeros((8, 2), "float32"))
    with pytest.raises(ValueError, match="float images"):
        diff_augment(np.zeros((2, 8, 8, 1), "uint8"))
