"""R1/R2 (lazy), DiffAugment and packing as options of every GAN
(`ganzoo.models.stabilizers`)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from helpers import random_images, save_and_reload, tiny_gan, tiny_networks, tiny_point_gan

W = np.array([[0.5], [-2.0]], "float32")  # the linear critic's weights, ‖w‖² = 4.25


def linear_critic_gan(packing=1, **kwargs):
    """A GAN on 2-D points whose D(x) = w·x + b (packed: over the pack)."""
    keras.utils.set_random_seed(0)
    points = keras.Input((2,))
    x = points if packing == 1 else ganzoo.layers.Pack(packing)(points)
    dense = keras.layers.Dense(1)
    discriminator = keras.Model(points, dense(x))
    dense.kernel.assign(np.tile(W, (packing, 1)))
    generator = ganzoo.architectures.mlp_generator(2, 2, hidden_units=(4,))
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=2, seed=0, **kwargs)
    gan.compile()
    return gan


def regularizer_terms(gan, num=8):
    rng = np.random.default_rng(0)
    real, fake = (tf.constant(rng.normal(size=(num, 2)), tf.float32) for _ in range(2))
    _, extras, _, _ = gan._discriminator_objective(real, fake, None)
    return {k: float(v) for k, v in extras.items()}


def test_r1_and_r2_on_a_linear_critic_are_half_gamma_times_squared_weights():
    terms = regularizer_terms(linear_critic_gan(r1_gamma=10.0, r2_gamma=3.0))
    assert terms == pytest.approx({"r1": 10.0 / 2 * 4.25, "r2": 3.0 / 2 * 4.25}, rel=1e-6)


def test_r1_of_a_packed_critic_is_the_gradient_norm_of_a_whole_pack():
    # D(pack) = Σ_k w·x_k: its input gradient is w for each of the m samples.
    terms = regularizer_terms(linear_critic_gan(packing=2, r1_gamma=10.0))
    assert terms["r1"] == pytest.approx(10.0 / 2 * 2 * 4.25, rel=1e-6)


def test_lazy_regularization_is_k_times_the_penalty_on_every_kth_step_else_zero():
    gan = linear_critic_gan(r1_gamma=10.0, regularize_every=4)
    assert regularizer_terms(gan)["r1"] == pytest.approx(4 * 5.0 * 4.25, rel=1e-6)
    gan.d_optimizer.iterations.assign(1)
    assert regularizer_terms(gan)["r1"] == 0.0
    gan.d_optimizer.iterations.assign(8)
    assert regularizer_terms(gan)["r1"] == pytest.approx(4 * 5.0 * 4.25, rel=1e-6)


@pytest.mark.parametrize("kwargs", [{"r1_gamma": -1.0}, {"r2_gamma": "big"}, {"regularize_every": 0},
                                    {"regularize_every": 2.5}, {"augment": "colour"}])
def test_bad_options_are_refused_by_name(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs)) if "augment" not in kwargs else "colour"):
        tiny_gan(**kwargs)


def test_augment_on_points_is_refused():
    gan = tiny_point_gan()
    gan.augment = "translation"
    with pytest.raises(ValueError, match="needs images"):
        gan.discriminate(tf.zeros((4, 2)), tf.zeros((4, 2)), True)


def test_diff_augment_reaches_the_generator_and_repeats_with_the_seed():
    def augmented(seed):
        gan = tiny_gan(seed=seed, augment="color,translation,cutout", compiled=True)
        return gan, gan.prepare_for_discriminator(tf.constant(random_images(4)), tf.constant(random_images(4, seed=1)), True)

    gan, (real_a, fake_a) = augmented(0)
    _, (real_b, fake_b) = augmented(0)
    _, (real_c, _) = augmented(5)
    np.testing.assert_array_equal(real_a, real_b)
    np.testing.assert_array_equal(fake_a, fake_b)
    assert not np.allclose(real_a, real_c)
    assert not np.allclose(real_a, random_images(4))  # it did augment
    z = tf.random.stateless_normal((4, gan.latent_dim), [0, 0])
    with tf.GradientTape() as tape:
        loss, _ = gan.generator_objective(None, gan.apply_generator(z, training=True))
    gradients = tape.gradient(loss, gan.generator.trainable_variables)
    assert all(g is not None for g in gradients)
    assert sum(float(tf.reduce_sum(tf.abs(g))) for g in gradients) > 0


def test_packed_discriminator_refuses_a_batch_that_is_not_a_multiple():
    generator, _ = tiny_networks()
    discriminator = ganzoo.architectures.dcgan_discriminator(base_filters=8, normalization=None, packing=4)
    gan = tiny_gan(nets=(generator, discriminator), compiled=True)
    assert gan.packing == 4
    with pytest.raises(ValueError, match="multiples of 4; got a batch of 6"):
        gan.discriminate(tf.zeros((6, 28, 28, 1)), tf.zeros((6, 28, 28, 1)), True)
    real_logits, fake_logits = gan.discriminate(tf.zeros((8, 28, 28, 1)), tf.zeros((8, 28, 28, 1)), True)
    assert real_logits.shape == fake_logits.shape == (2, 1)


@pytest.mark.slow
def test_every_option_saves_reloads_and_keeps_training(tmp_path):
    generator, _ = tiny_networks(normalization=None)
    discriminator = ganzoo.architectures.dcgan_discriminator(
        base_filters=8, normalization=None, spectral_norm=True, packing=2
    )
    options = dict(r1_gamma=2.0, r2_gamma=1.0, regularize_every=2, augment="color,translation,cutout")
    gan = tiny_gan(nets=(generator, discriminator), compiled=True, **options)
    images = random_images(16)
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert {"r1", "r2"} <= set(history.history)
    again = save_and_reload(gan, tmp_path)
    assert {k: again.get_config()[k] for k in options} == options
    assert again.packing == 2 and int(again.d_optimizer.iterations) == 2
    history = again.fit(images, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["r1"]).all() and int(again.d_optimizer.iterations) == 4


def test_pacgan_packs_four_and_refuses_an_unpacked_discriminator():
    g, d = ganzoo.PacGAN.build_networks((2,), 2)
    gan = ganzoo.PacGAN(generator=g, discriminator=d, latent_dim=2, seed=0)
    assert gan.packing == 4 and ganzoo.models.get("pacgan") is ganzoo.PacGAN
    with pytest.raises(ValueError, match="packs ≥ 2 samples"):
        tiny_gan(ganzoo.PacGAN)
