"""SNGAN: hinge loss, spectrally normalized D, the paper's Adam."""

import keras
import numpy as np
import pytest

import ganzoo
from helpers import random_images, save_and_reload, tiny_gan, tiny_networks


def sngan_networks():
    keras.utils.set_random_seed(0)
    generator, _ = tiny_networks()
    discriminator = ganzoo.architectures.dcgan_discriminator(base_filters=8, normalization=None, spectral_norm=True)
    return generator, discriminator


def test_defaults_are_the_papers():
    gan = tiny_gan(ganzoo.SNGAN, nets=sngan_networks())
    assert gan.loss_name == "hinge" and gan.d_steps == 5 and gan.fresh_real_batches
    d_opt, g_opt = gan.default_optimizers()
    for opt in (d_opt, g_opt):
        assert (float(opt.learning_rate), opt.beta_1, opt.beta_2) == pytest.approx((2e-4, 0.0, 0.9))
    assert ganzoo.models.get("sngan") is ganzoo.SNGAN


def test_build_networks_spectrally_normalizes_d_without_batch_norm():
    for shape in ((28, 28, 1), (2,)):
        _, d = ganzoo.SNGAN.build_networks(shape, 8)
        assert any(isinstance(l, keras.layers.SpectralNormalization) for l in d.layers)
        assert not any(isinstance(l, keras.layers.BatchNormalization) for l in d.layers)


def test_a_discriminator_without_spectral_norm_is_refused():
    with pytest.raises(ValueError, match="spectrally normalized discriminator"):
        tiny_gan(ganzoo.SNGAN)


@pytest.mark.slow
def test_saves_reloads_and_keeps_training(tmp_path):
    gan = tiny_gan(ganzoo.SNGAN, nets=sngan_networks(), compiled=True, d_steps=2)
    images = random_images(16)
    gan.fit(images, batch_size=4, epochs=1, verbose=0, shuffle=False)
    again = save_and_reload(gan, tmp_path)
    assert type(again) is ganzoo.SNGAN and again.d_steps == 2
    assert again.d_optimizer.beta_1 == 0.0
    np.testing.assert_array_equal(again.generate(2, seed=0), gan.generate(2, seed=0))
    history = again.fit(images, batch_size=4, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["d_loss"]).all()
