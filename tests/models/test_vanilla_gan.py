import keras
import numpy as np
import pytest

import ganzoo
from helpers import (
    IMAGE_SHAPE,
    LATENT_DIM,
    assert_finite_logs,
    random_images,
    save_and_reload,
    tiny_fit,
    tiny_gan,
    tiny_networks,
)

CORE_KEYS = {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm", "d_real", "d_fake"}


def make_gan(**kwargs):
    return tiny_gan(ganzoo.VanillaGAN, **kwargs)


@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_tiny_fit_has_finite_logs_and_exact_keys(loss):
    history = tiny_fit(make_gan(loss=loss))
    assert_finite_logs(history, CORE_KEYS)


def test_meters_can_be_switched_off():
    history = tiny_fit(make_gan(track_meters=False))
    assert_finite_logs(history, {"d_loss", "g_loss"})


@pytest.mark.slow
def test_fit_accepts_labels_and_tfds_dicts():
    """An unconditional GAN ignores the labels: images alone, (images,
    labels) datasets, tfds dicts and numpy (x, y) all train to the same
    weights, two steps each."""
    import tensorflow as tf

    images = random_images(16)
    labels = np.arange(16, dtype=np.int64) % 3
    inputs = {
        "images": tf.data.Dataset.from_tensor_slices(images).batch(8),
        "pairs": tf.data.Dataset.from_tensor_slices((images, labels)).batch(8),
        "dicts": tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}).batch(8),
        "numpy": (images, labels),
    }
    weights = {}
    for kind, data in inputs.items():
        gan = make_gan()
        gan.compile()
        if kind == "numpy":
            gan.fit(*data, batch_size=8, verbose=0, shuffle=False)
        else:
            gan.fit(data, verbose=0)
        assert int(gan.g_optimizer.iterations) == 2, kind
        weights[kind] = gan.generator.get_weights() + gan.discriminator.get_weights()
    for kind in ("pairs", "dicts", "numpy"):
        for a, b in zip(weights["images"], weights[kind]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=kind)


@pytest.mark.slow
def test_fit_changes_both_networks():
    gan = make_gan()
    g_before = [w.copy() for w in gan.generator.get_weights()]
    d_before = [w.copy() for w in gan.discriminator.get_weights()]
    tiny_fit(gan)
    assert any(not np.allclose(a, b) for a, b in zip(g_before, gan.generator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, gan.discriminator.get_weights()))


def test_generate_is_seeded_and_in_range():
    gan = make_gan()
    images = gan.generate(5, seed=3)
    assert images.shape == (5, *IMAGE_SHAPE) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, gan.generate(5, seed=3))
    assert not np.array_equal(images, gan.generate(5, seed=4))


@pytest.mark.slow
def test_keras_round_trip_keeps_outputs_optimizers_and_training(tmp_path):
    gan = make_gan(loss="minimax", label_smoothing=0.1)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.RMSprop(3e-4),
    )
    tiny_fit(gan)
    again = save_and_reload(gan, tmp_path)
    assert isinstance(again, ganzoo.VanillaGAN)
    assert again.loss_name == "minimax" and again.label_smoothing == 0.1
    z = np.random.default_rng(0).normal(size=(4, LATENT_DIM)).astype("float32")
    np.testing.assert_array_equal(gan(z), again(z))
    # Same optimizers with their state (iterations and moments).
    assert isinstance(again.g_optimizer, keras.optimizers.RMSprop)
    assert float(again.d_optimizer.learning_rate) == pytest.approx(1e-3)
    assert int(again.d_optimizer.iterations) == int(gan.d_optimizer.iterations) > 0
    for a, b in zip(gan.d_optimizer.variables, again.d_optimizer.variables):
        np.testing.assert_array_equal(a, b)
    # It keeps training, and both copies take the same step.
    images = random_images(8)
    gan.fit(images, batch_size=8, verbose=0)
    again.fit(images, batch_size=8, verbose=0)
    np.testing.assert_allclose(gan(z), again(z), atol=1e-6)
    assert int(again.d_optimizer.iterations) == int(gan.d_optimizer.iterations)


def test_call_on_a_data_batch_samples_one_image_per_row():
    gan = make_gan()
    out = gan(random_images(3))
    assert tuple(out.shape) == (3, *IMAGE_SHAPE)
