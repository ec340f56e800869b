import keras
import numpy as np
import pytest

from ganzoo.layers import spectral_norm
from helpers import save_and_reload


def top_singular_value(kernel):
    """σ of the kernel reshaped to (fan_in, units), as Keras and the paper do."""
    kernel = keras.ops.convert_to_numpy(kernel)
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


def sn_discriminator():
    images = keras.Input((8, 8, 1))
    x = spectral_norm(keras.layers.Conv2D(4, 3, strides=2, padding="same", name="conv"))(images)
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(images, spectral_norm(keras.layers.Dense(1, name="logits"))(x))


@pytest.mark.parametrize(
    "layer, input_shape",
    [(keras.layers.Dense(6, kernel_initializer=keras.initializers.RandomNormal(0, 3, seed=0)), (5,)),
     (keras.layers.Conv2D(6, 3, kernel_initializer=keras.initializers.RandomNormal(0, 3, seed=1)), (7, 7, 4))],
)
def test_power_iterations_in_training_mode_bring_sigma_to_one(layer, input_shape):
    wrapped = spectral_norm(layer)
    x = np.random.default_rng(0).normal(size=(2, *input_shape)).astype("float32")
    wrapped(x, training=False)
    assert top_singular_value(layer.kernel) > 3  # not normalised before training
    for _ in range(30):  # one power iteration each
        wrapped(x, training=True)
    assert top_singular_value(layer.kernel) == pytest.approx(1.0, abs=1e-3)


def test_inference_mode_leaves_the_kernel_alone():
    layer = keras.layers.Dense(3, kernel_initializer=keras.initializers.RandomNormal(0, 3, seed=2))
    wrapped = spectral_norm(layer)
    x = np.ones((1, 4), "float32")
    wrapped(x)
    before = keras.ops.convert_to_numpy(layer.kernel)
    wrapped(x, training=False)
    np.testing.assert_array_equal(layer.kernel, before)


def test_a_model_with_spectral_norm_saves_and_reloads(tmp_path):
    d = sn_discriminator()
    x = np.random.default_rng(3).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    for _ in range(3):
        d(x, training=True)  # moves u and the kernels
    again = save_and_reload(d, tmp_path)
    wrappers = [l for l in again.layers if isinstance(l, keras.layers.SpectralNormalization)]
    assert [w.name for w in wrappers] == ["conv_sn", "logits_sn"]
    assert wrappers[0].power_iterations == 1
    np.testing.assert_array_equal(again(x, training=False), d(x, training=False))
    for name in ("conv_sn", "logits_sn"):
        np.testing.assert_array_equal(again.get_layer(name).vector_u, d.get_layer(name).vector_u)
    # Both keep normalising identically when trained on.
    np.testing.assert_allclose(again(x, training=True), d(x, training=True), rtol=1e-6)


def test_disabled_returns_the_layer_and_bad_layers_are_refused():
    dense = keras.layers.Dense(2)
    assert spectral_norm(dense, enabled=False) is dense
    with pytest.raises(ValueError, match="spectral_norm wraps .*got BatchNormalization"):
        spectral_norm(keras.layers.BatchNormalization())
    with pytest.raises(ValueError, match="already spectrally normalized"):
        spectral_norm(spectral_norm(keras.layers.Dense(2)))


def test_fit_keeps_every_kernel_near_unit_spectral_norm():
    keras.utils.set_random_seed(0)
    d = sn_discriminator()
    d.compile(keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy(from_logits=True))
    x = np.random.default_rng(4).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    y = (np.arange(32) % 2).astype("float32")[:, None]
    d.fit(x, y, batch_size=8, epochs=2, verbose=0)
    for name in ("conv", "logits"):
        # Each traced step normalised the kernel, then Adam moved it by ~1e-3.
        assert top_singular_value(d.get_layer(f"{name}_sn").layer.kernel) == pytest.approx(1.0, abs=0.05)
