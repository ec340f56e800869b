"""The plain loop of benchmarks/train_throughput.py writes R1 and DiffAugment
out by hand; they must compute what ganzoo's options compute."""

import os
import sys

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import throughput_options  # noqa: E402

import ganzoo  # noqa: E402


def _linear_gan(**options):
    """G: z -> 4-D point; D(x) = w·x (no bias), so ‖∇ₓD‖² = ‖w‖² for every x."""
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)])
    discriminator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, use_bias=False)])
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=2, seed=0, **options)
    gan.compile()
    return gan


def test_hand_written_r1_is_gamma_over_two_times_the_squared_weight_norm():
    gan = _linear_gan()
    w = gan.discriminator.layers[-1].kernel.numpy()
    terms = throughput_options.PlainTerms({"r1_gamma": 3.0})
    real = tf.constant(np.random.default_rng(0).normal(size=(8, 4)), tf.float32)
    fake = gan.generator(tf.zeros((8, 2)))
    real_logits, _, input_tape = terms.d_logits(gan, real, fake)
    penalty = terms.r1(input_tape, real_logits, real, gan.d_optimizer)
    np.testing.assert_allclose(float(penalty), 1.5 * float(np.sum(w**2)), rtol=1e-5)


def test_lazy_r1_is_k_times_the_penalty_on_every_kth_update_and_zero_between():
    gan = _linear_gan()
    w = gan.discriminator.layers[-1].kernel.numpy()
    terms = throughput_options.PlainTerms({"r1_gamma": 2.0, "regularize_every": 4})
    real = tf.ones((8, 4))
    fake = gan.generator(tf.zeros((8, 2)))
    values = []
    for iteration in range(5):
        gan.d_optimizer.iterations.assign(iteration)
        real_logits, _, input_tape = terms.d_logits(gan, real, fake)
        values.append(float(terms.r1(input_tape, real_logits, real, gan.d_optimizer)))
    expected = 4 * float(np.sum(w**2))
    np.testing.assert_allclose(values, [expected, 0, 0, 0, expected], rtol=1e-5)


def test_the_plain_twin_leaves_the_hand_written_options_off():
    model, options, twin = throughput_options.model_and_options("vanilla_diffaugment")
    assert model == "vanilla" and options == {"augment": "color,translation,cutout"} and twin == {}
    assert throughput_options.model_and_options("sngan_d1")[2] == {"d_steps": 1}
    assert throughput_options.model_and_options("wgan") == ("wgan", {}, {})


def test_hand_written_augmentation_changes_images_and_keeps_their_shape():
    terms = throughput_options.PlainTerms({"augment": "color,translation,cutout"})
    images = tf.random.uniform((6, 8, 8, 1), -1, 1, seed=0)
    augmented = terms.augment(images)
    assert augmented.shape == images.shape
    assert not np.allclose(augmented.numpy(), images.numpy())
    assert throughput_options.PlainTerms({}).augment(images) is images
