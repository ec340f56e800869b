import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.layers import MinibatchDiscrimination
from ganzoo.models.minibatch_discrimination_gan import MinibatchDiscriminationGAN
from helpers import assert_finite_logs, save_and_reload, tiny_gan

CORE_KEYS = {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm", "d_real", "d_fake"}
LATENT_DIM = 4


def make_gan(**kwargs):
    nets = ganzoo.architectures.default_networks(MinibatchDiscriminationGAN, (2,), LATENT_DIM)
    return tiny_gan(MinibatchDiscriminationGAN, nets=nets, **kwargs)


def points(num=32, seed=0):
    return ganzoo.data.MIXTURES["ring8"].sample(num, seed=seed)


def test_default_discriminators_have_the_layer_before_the_logit():
    for data_shape in ((2,), (28, 28, 1)):
        _, discriminator = MinibatchDiscriminationGAN.build_networks(data_shape, LATENT_DIM)
        layer = discriminator.get_layer("minibatch_discrimination")
        assert isinstance(layer, MinibatchDiscrimination)
        assert discriminator.layers[-1].name == "logits"
        assert discriminator.layers[-2] is layer


def test_discriminate_scores_real_and_fake_groups_separately():
    gan = make_gan()
    real, fake = tf.constant(points(8)), tf.constant(points(8, seed=1))
    real_logits, fake_logits = gan.discriminate(real, fake, training=False)
    # o(x) of each group depends only on that group: the same as D alone on it.
    np.testing.assert_allclose(real_logits, gan.discriminator(real), rtol=1e-5)
    np.testing.assert_allclose(fake_logits, gan.discriminator(fake), rtol=1e-5)
    merged = gan.discriminator(tf.concat([real, fake], 0))[:8]
    assert not np.allclose(real_logits, merged)
    # G's objective sees the same fake-only logits.
    _, g_fake_logits = gan.generator_objective(real, fake)
    np.testing.assert_allclose(g_fake_logits, fake_logits, rtol=1e-5)


@pytest.mark.slow
def test_tiny_fit_and_round_trip(tmp_path):
    gan = make_gan(loss="minimax", label_smoothing=0.1)
    gan.compile()
    history = gan.fit(points(), batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert_finite_logs(history, CORE_KEYS)
    again = save_and_reload(gan, tmp_path)
    assert isinstance(again, MinibatchDiscriminationGAN)
    assert again.loss_name == "minimax" and again.label_smoothing == 0.1
    x = points(5, seed=2)
    np.testing.assert_array_equal(gan.discriminator(x), again.discriminator(x))
    z = np.random.default_rng(0).normal(size=(4, LATENT_DIM)).astype("float32")
    np.testing.assert_array_equal(gan(z), again(z))
    again.fit(points(), batch_size=8, epochs=1, verbose=0)


def test_rejects_a_discriminator_without_the_layer():
    generator = ganzoo.architectures.mlp_generator(LATENT_DIM, 2)
    with pytest.raises(ValueError, match="needs a discriminator with a ganzoo.layers.MinibatchDiscrimination"):
        MinibatchDiscriminationGAN(
            generator=generator, discriminator=ganzoo.architectures.mlp_discriminator(2), latent_dim=LATENT_DIM
        )


def test_registered_for_the_cli():
    assert ganzoo.models.get("minibatch_discrimination") is MinibatchDiscriminationGAN
