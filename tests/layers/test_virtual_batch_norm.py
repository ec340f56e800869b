import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.layers import DropReferenceBatch, ReferenceBatch, VirtualBatchNormalization
from helpers import save_and_reload

N = 5  # reference examples
EPS = 1e-3


def np_vbn(reference, examples, axes, epsilon=EPS, gamma=1.0, beta=0.0):
    """The paper's VBN in numpy: the reference's statistics plus each example's,
    weighted 1/(n + 1) for the example."""
    n = len(reference)
    ref_axes = (0, *axes)
    ref_mean = reference.mean(ref_axes, keepdims=True)
    ref_mean_sq = (reference**2).mean(ref_axes, keepdims=True)
    ref_out = (reference - ref_mean) / np.sqrt(ref_mean_sq - ref_mean**2 + epsilon) * gamma + beta
    out = []
    for x in examples:
        x = x[None]
        own_mean = x.mean(axes, keepdims=True) if axes else x
        own_mean_sq = (x**2).mean(axes, keepdims=True) if axes else x**2
        mean = own_mean / (n + 1) + n / (n + 1) * ref_mean
        mean_sq = own_mean_sq / (n + 1) + n / (n + 1) * ref_mean_sq
        out.append((x - mean) / np.sqrt(mean_sq - mean**2 + epsilon) * gamma + beta)
    return ref_out, np.concatenate(out)


def test_dense_features_match_numpy():
    rng = np.random.default_rng(0)
    reference, examples = rng.normal(2.0, 3.0, (N, 6)), rng.normal(size=(4, 6))
    layer = VirtualBatchNormalization(N)
    out = keras.ops.convert_to_numpy(layer(np.concatenate([reference, examples]).astype("float32")))
    ref_out, ex_out = np_vbn(reference, examples, axes=())
    np.testing.assert_allclose(out[:N], ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out[N:], ex_out, rtol=1e-4, atol=1e-5)


def test_conv_features_match_numpy_with_learned_scale_and_offset():
    rng = np.random.default_rng(1)
    reference, examples = rng.normal(-1.0, 2.0, (N, 3, 4, 2)), rng.normal(size=(3, 3, 4, 2))
    layer = VirtualBatchNormalization(N)
    layer.build((None, 3, 4, 2))
    gamma, beta = np.array([0.5, 2.0], "float32"), np.array([0.1, -0.3], "float32")
    layer.set_weights([gamma, beta])
    out = keras.ops.convert_to_numpy(layer(np.concatenate([reference, examples]).astype("float32")))
    ref_out, ex_out = np_vbn(reference, examples, axes=(1, 2), gamma=gamma, beta=beta)
    np.testing.assert_allclose(out[:N], ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out[N:], ex_out, rtol=1e-4, atol=1e-5)


def test_an_example_does_not_depend_on_the_rest_of_its_batch():
    rng = np.random.default_rng(2)
    reference = rng.normal(size=(N, 6)).astype("float32")
    examples = rng.normal(size=(8, 6)).astype("float32")
    layer = VirtualBatchNormalization(N)
    whole = keras.ops.convert_to_numpy(layer(np.concatenate([reference, examples])))[N:]
    alone = keras.ops.convert_to_numpy(layer(np.concatenate([reference, examples[3:4]])))[N:]
    np.testing.assert_allclose(alone[0], whole[3], rtol=1e-6)
    # ... unlike batch norm, whose output for example 3 changes with its batch.
    bn = keras.layers.BatchNormalization()
    bn_whole = keras.ops.convert_to_numpy(bn(examples, training=True))[3]
    bn_half = keras.ops.convert_to_numpy(bn(examples[:4], training=True))[3]
    assert np.abs(bn_whole - bn_half).max() > 1e-3


def generator_with_vbn(seed=0):
    z = keras.Input((3,))
    x = ReferenceBatch(N, seed=seed, name="reference")(z)
    x = keras.layers.Dense(8)(x)
    x = VirtualBatchNormalization(N, name="vbn")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Dense(2 * 2 * 4)(x)
    x = keras.layers.Reshape((2, 2, 4))(x)
    x = VirtualBatchNormalization(N, name="vbn_conv")(x)
    x = keras.layers.Conv2D(1, 1, activation="tanh")(x)
    return keras.Model(z, DropReferenceBatch(N)(x))


def test_a_generator_maps_each_z_alone_and_trains_its_scale_and_offset():
    generator = generator_with_vbn()
    z = np.random.default_rng(3).normal(size=(6, 3)).astype("float32")
    images = keras.ops.convert_to_numpy(generator(z, training=True))
    assert images.shape == (6, 2, 2, 1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(generator(z[2:3]))[0], images[2], rtol=1e-5, atol=1e-6)
    # Training and inference compute the same thing.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(generator(z, training=False)), images, rtol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(generator(z, training=True)))
    variables = generator.get_layer("vbn").trainable_variables
    grads = tape.gradient(loss, variables)
    assert len(variables) == 2 and all(np.abs(g).max() > 0 for g in grads)
    assert generator.get_layer("reference").trainable_variables == []  # the reference stays fixed


def test_the_reference_is_fixed_by_its_seed_and_can_be_set():
    a, b = ReferenceBatch(N, seed=4), ReferenceBatch(N, seed=4)
    z = np.zeros((2, 3), "float32")
    out_a, out_b = a(z), b(z)
    assert tuple(out_a.shape) == (N + 2, 3)
    np.testing.assert_array_equal(out_a, out_b)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out_a)[N:], z)
    chosen = np.arange(N * 3, dtype="float32").reshape(N, 3)
    a.set_reference(chosen)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(a(z))[:N], chosen)
    with pytest.raises(ValueError, match=r"must have shape \(5, 3\); got \(4, 3\)"):
        a.set_reference(chosen[:4])


def test_keras_round_trip_keeps_the_reference_and_outputs(tmp_path):
    generator = generator_with_vbn(seed=5)
    generator.get_layer("reference").set_reference(np.full((N, 3), 0.25, "float32"))
    z = np.random.default_rng(6).normal(size=(4, 3)).astype("float32")
    again = save_and_reload(generator, tmp_path)
    np.testing.assert_array_equal(again.get_layer("reference").reference.numpy(), np.full((N, 3), 0.25))
    np.testing.assert_array_equal(generator(z), again(z))
    for name in ("vbn", "vbn_conv", "reference"):
        assert again.get_layer(name).get_config() == generator.get_layer(name).get_config()


def test_get_config_lists_every_constructor_argument():
    layer = VirtualBatchNormalization(
        7, axis=1, epsilon=1e-5, center=False, scale=True, gamma_initializer="zeros", name="v"
    )
    config = layer.get_config()
    expected = {"reference_size": 7, "axis": 1, "epsilon": 1e-5, "center": False, "scale": True}
    assert expected.items() <= config.items()
    assert {"beta_initializer", "gamma_initializer"} <= set(config)
    assert VirtualBatchNormalization.from_config(config).get_config() == config
    assert ReferenceBatch(3, seed=1).get_config()["seed"] == 1
    assert DropReferenceBatch(3).get_config()["reference_size"] == 3


@pytest.mark.parametrize("bad", [0, -1, 2.5, None, True])
def test_rejects_bad_reference_sizes(bad):
    for layer in (VirtualBatchNormalization, ReferenceBatch, DropReferenceBatch):
        with pytest.raises(ValueError, match="reference_size must be a positive integer"):
            layer(bad)


def test_rejects_a_batch_without_examples_beyond_the_reference():
    with pytest.raises(ValueError, match="must hold the 5 reference rows and at least one example"):
        VirtualBatchNormalization(N)(np.zeros((N, 4), "float32"))
