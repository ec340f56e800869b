import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.layers import FusedBatchNormalization
from helpers import save_and_reload

EPS = 1e-3
MOMENTUM = 0.99


def _pair(shape, seed=0, **kwargs):
    """Keras' layer and the fused one, built on ``shape`` with the same random weights."""
    rng = np.random.default_rng(seed)
    keras_bn, fused = keras.layers.BatchNormalization(**kwargs), FusedBatchNormalization(**kwargs)
    keras_bn.build(shape)
    fused.build(shape)
    weights = [rng.normal(size=w.shape).astype("float32") for w in keras_bn.get_weights()]
    weights[-1] = np.abs(weights[-1]) + 0.5  # a moving variance is positive
    keras_bn.set_weights(weights)
    fused.set_weights(weights)
    return keras_bn, fused


def test_training_output_and_moving_statistics_match_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, (6, 5, 4, 3)).astype("float32")
    _, layer = _pair(x.shape)
    gamma, beta, moving_mean, moving_var = layer.get_weights()
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))  # biased, as in the paper's eq. 1
    np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + EPS) + beta, rtol=1e-4, atol=1e-4)
    new_mean, new_var = (keras.ops.convert_to_numpy(w) for w in layer.non_trainable_weights)
    np.testing.assert_allclose(new_mean, MOMENTUM * moving_mean + (1 - MOMENTUM) * mean, rtol=1e-5)
    np.testing.assert_allclose(new_var, MOMENTUM * moving_var + (1 - MOMENTUM) * var, rtol=1e-5)


def test_outputs_gradients_and_statistics_equal_keras_batch_norm():
    x = tf.constant(np.random.default_rng(2).normal(2.0, 3.0, (16, 7, 7, 8)).astype("float32"))
    keras_bn, fused = _pair(x.shape)
    results = []
    for layer in (keras_bn, fused):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * tf.sin(y))  # a loss whose gradient is not uniform
        grads = tape.gradient(loss, [x, *layer.trainable_weights])
        results.append((y, grads, [w.numpy() for w in layer.non_trainable_weights]))
    (y_k, g_k, s_k), (y_f, g_f, s_f) = results
    np.testing.assert_allclose(y_f, y_k, atol=1e-5)
    for a, b in zip(g_f, g_k):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b.numpy()).max())
    for a, b in zip(s_f, s_k):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(fused(x, training=False), keras_bn(x, training=False), atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"center": False}, {"scale": False}, {"center": False, "scale": False}])
def test_without_gamma_or_beta_equals_keras(kwargs):
    x = np.random.default_rng(3).normal(size=(4, 3, 3, 5)).astype("float32")
    keras_bn, fused = _pair(x.shape, **kwargs)
    np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True), atol=1e-5)


def test_cases_the_kernel_does_not_cover_use_keras_code():
    """Rank 2, channels-first and float64 inputs fall back to the parent layer, still equal."""
    cases = (((8, 5), {}, "float32"), ((4, 3, 5, 5), {"axis": 1}, "float32"), ((4, 3, 3, 5), {}, "float64"))
    for shape, kwargs, dtype in cases:
        x = np.random.default_rng(4).normal(size=shape).astype(dtype)
        keras_bn, fused = _pair(x.shape, dtype=dtype, **kwargs)
        np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True), atol=1e-5)


def test_an_epsilon_under_the_kernels_floor_is_kept():
    """Older fused_batch_norm raised epsilon 1e-7 to 1.001e-5, which would dominate a variance of 1e-6."""
    x = (1e-3 * np.random.default_rng(7).normal(size=(8, 3, 3, 4))).astype("float32")
    keras_bn, fused = _pair(x.shape, epsilon=1e-7)
    np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True), rtol=1e-3, atol=1e-3)


def test_uses_the_fused_kernel_when_training():
    layer = FusedBatchNormalization()
    step = tf.function(lambda x: layer(x, training=True))
    graph = step.get_concrete_function(tf.TensorSpec((2, 3, 3, 4))).graph
    ops = {op.type for op in graph.get_operations()}
    assert "FusedBatchNormV3" in ops, sorted(ops)


def test_round_trips_through_keras_file(tmp_path):
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, FusedBatchNormalization(momentum=0.9, epsilon=1e-5)(inputs))
    x = np.random.default_rng(5).normal(size=(2, 4, 4, 3)).astype("float32")
    model(x, training=True)
    loaded = save_and_reload(model, tmp_path)
    assert isinstance(loaded.layers[-1], FusedBatchNormalization)
    assert loaded.layers[-1].momentum == 0.9
    np.testing.assert_allclose(loaded(x, training=False), model(x, training=False), atol=1e-6)


def test_mixed_bfloat16_policy_normalises_in_float32_like_keras():
    x = np.random.default_rng(6).normal(1.0, 2.0, (4, 3, 3, 5)).astype("float32")
    keras_bn, fused = _pair(x.shape, dtype="mixed_bfloat16")
    y_keras, y_fused = keras_bn(x, training=True), fused(x, training=True)
    assert y_fused.dtype == y_keras.dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(y_fused, "float32"), tf.cast(y_keras, "float32"), atol=0.05)
    for a, b in zip(fused.non_trainable_weights, keras_bn.non_trainable_weights):
        assert a.dtype == "float32"
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)
