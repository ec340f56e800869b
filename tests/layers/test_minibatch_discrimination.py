import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.layers import MinibatchDiscrimination
from helpers import save_and_reload

NUM_KERNELS, KERNEL_DIM, FEATURES = 5, 3, 4


def make_layer():
    layer = MinibatchDiscrimination(NUM_KERNELS, KERNEL_DIM)
    layer.build((None, FEATURES))
    return layer


def test_identical_inputs_give_n_minus_1_in_every_kernel():
    x = np.tile(np.random.default_rng(0).normal(size=(1, FEATURES)), (6, 1)).astype("float32")
    out = keras.ops.convert_to_numpy(make_layer()(x))
    assert out.shape == (6, FEATURES + NUM_KERNELS)
    np.testing.assert_array_equal(out[:, :FEATURES], x)  # f(x) passes through first
    np.testing.assert_allclose(out[:, FEATURES:], np.full((6, NUM_KERNELS), 5.0), rtol=1e-6)


def test_far_apart_inputs_give_o_near_zero():
    layer = make_layer()
    layer.kernel.assign(np.ones((FEATURES, NUM_KERNELS * KERNEL_DIM), "float32"))
    # Rows differ by 100 in every feature: each L1 distance is ≥ 4 · 100 · 3.
    x = (100.0 * np.arange(4)[:, None] * np.ones((1, FEATURES))).astype("float32")
    o = keras.ops.convert_to_numpy(layer(x))[:, FEATURES:]
    assert o.max() < 1e-30


def test_matches_a_numpy_computation_of_the_paper_formula():
    rng = np.random.default_rng(1)
    layer = make_layer()
    x = rng.normal(size=(5, FEATURES)).astype("float32")
    t = keras.ops.convert_to_numpy(layer.kernel).reshape(FEATURES, NUM_KERNELS, KERNEL_DIM)
    m = np.einsum("na,abc->nbc", x, t)
    expected = np.zeros((5, NUM_KERNELS))
    for i in range(5):
        for j in range(5):
            if j != i:
                expected[i] += np.exp(-np.abs(m[i] - m[j]).sum(-1))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x))[:, FEATURES:], expected, rtol=1e-5)


def test_gradients_reach_t():
    layer = make_layer()
    x = tf.constant(np.random.default_rng(2).normal(size=(6, FEATURES)).astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x)[:, FEATURES:])
    (grad,) = tape.gradient(loss, [layer.kernel.value])
    assert grad is not None and grad.shape == (FEATURES, NUM_KERNELS * KERNEL_DIM)
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 1e-6


def test_batch_of_one_has_no_neighbours():
    x = np.random.default_rng(3).normal(size=(1, FEATURES)).astype("float32")
    out = keras.ops.convert_to_numpy(make_layer()(x))
    assert out.shape == (1, FEATURES + NUM_KERNELS)
    np.testing.assert_array_equal(out[:, FEATURES:], 0.0)


def test_keras_round_trip_in_a_functional_model(tmp_path):
    inputs = keras.Input((3,))
    h = keras.layers.Dense(FEATURES, activation="relu")(inputs)
    h = MinibatchDiscrimination(NUM_KERNELS, KERNEL_DIM, name="mbd")(h)
    model = keras.Model(inputs, keras.layers.Dense(1)(h))
    assert model.output_shape == (None, 1)
    again = save_and_reload(model, tmp_path)
    layer = again.get_layer("mbd")
    assert isinstance(layer, MinibatchDiscrimination)
    assert (layer.num_kernels, layer.kernel_dim) == (NUM_KERNELS, KERNEL_DIM)
    for batch in (1, 7):
        x = np.random.default_rng(batch).normal(size=(batch, 3)).astype("float32")
        np.testing.assert_array_equal(model(x), again(x))


@pytest.mark.parametrize("bad", [0, -1, 2.5, None, True])
def test_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="num_kernels must be a positive integer"):
        MinibatchDiscrimination(bad, 3)


def test_rejects_unflattened_features():
    with pytest.raises(ValueError, match=r"flat features .* got shape \(None, 4, 4, 8\)"):
        MinibatchDiscrimination(2, 2)(keras.Input((4, 4, 8)))
