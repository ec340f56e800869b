"""The builders' stabiliser options: spectral_norm=, packing= (D) and
normalization="virtual_batch" (G)."""

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.architectures import dcgan_discriminator, dcgan_generator, mlp_discriminator, mlp_generator


def _wrapped(model):
    return [l for l in model.layers if isinstance(l, keras.layers.SpectralNormalization)]


def test_spectral_norm_wraps_every_weight_layer_of_d_including_the_logit():
    d = mlp_discriminator(2, hidden_units=(8, 8), spectral_norm=True)
    assert sorted(l.layer.name for l in _wrapped(d)) == ["d_dense_0", "d_dense_1", "logits"]
    d = dcgan_discriminator(base_filters=4, normalization=None, spectral_norm=True)
    assert sorted(l.layer.name for l in _wrapped(d)) == ["downsample_0", "downsample_1", "logits"]
    assert not _wrapped(mlp_discriminator(2, hidden_units=(8,)))


def test_spectral_norm_keeps_the_logit_layer_within_one_after_training_calls():
    keras.utils.set_random_seed(0)
    d = mlp_discriminator(2, hidden_units=(8,), spectral_norm=True)
    for layer in _wrapped(d):
        layer.layer.kernel.assign(10.0 * layer.layer.kernel)
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    for _ in range(20):  # power iterations converge; the kernel is W/σ(W)
        d(x, training=True)
    for layer in _wrapped(d):
        sigma = np.linalg.svd(layer.layer.kernel.numpy(), compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, abs=0.05)


def test_spectral_norm_with_batch_norm_is_refused():
    with pytest.raises(ValueError, match="spectral_norm=True with normalization='batch'"):
        dcgan_discriminator(base_filters=4, spectral_norm=True)
    with pytest.raises(ValueError, match="normalization=None"):
        mlp_discriminator(2, batch_norm=True, spectral_norm=True)


def test_packing_judges_m_samples_per_logit():
    d = mlp_discriminator(2, hidden_units=(8,), packing=4)
    assert d.inputs[0].shape[1:] == (2,)
    assert d(np.zeros((8, 2), "float32")).shape == (2, 1)
    d = dcgan_discriminator(base_filters=4, normalization=None, packing=2)
    assert d(np.zeros((4, 28, 28, 1), "float32")).shape == (2, 1)
    with pytest.raises(ValueError, match="packing must be a positive integer"):
        mlp_discriminator(2, packing=0)


@pytest.mark.parametrize("build", [
    lambda: mlp_generator(4, 2, hidden_units=(8,), normalization="virtual_batch", batch_norm=True),
    lambda: dcgan_generator((28, 28, 1), 4, base_filters=4, normalization="virtual_batch"),
])
def test_virtual_batch_norm_makes_each_output_independent_of_its_batch(build, tmp_path):
    keras.utils.set_random_seed(0)
    g = build()
    assert any(isinstance(l, ganzoo.layers.VirtualBatchNormalization) for l in g.layers)
    z = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    alone = g(z[:1], training=True).numpy()
    in_batch = g(z, training=True).numpy()
    assert in_batch.shape[0] == 6
    np.testing.assert_allclose(alone, in_batch[:1], rtol=1e-5, atol=1e-5)
    path = str(tmp_path / "g.keras")
    g.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path)(z), g(z))


def test_virtual_batch_norm_is_a_generator_option():
    with pytest.raises(ValueError, match="generator option"):
        mlp_discriminator(2, batch_norm=True, normalization="virtual_batch")
