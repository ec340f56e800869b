"""An optimizer built with ``use_ema=True`` averages its net's weights, and
``GAN.fit`` ends with the averaged weights, as `keras.Model.fit` does."""

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import train
from helpers import save_and_reload


def _point_gan(g_optimizer):
    keras.utils.set_random_seed(0)
    generator = ganzoo.architectures.mlp_generator(2, 2, hidden_units=(16,))
    discriminator = ganzoo.architectures.mlp_discriminator(2, hidden_units=(16,))
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=2, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=g_optimizer)
    return gan


class _RecordGenerator(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append([w.copy() for w in self.model.generator.get_weights()])


def test_fit_ends_with_the_hand_computed_moving_average_of_g(tmp_path):
    momentum = 0.8
    gan = _point_gan(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=momentum))
    points = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    record = _RecordGenerator()
    gan.fit(points, batch_size=8, epochs=1, verbose=0, shuffle=False, callbacks=[record])
    assert len(record.weights) == 5
    # θ̄_1 = θ_1 (Keras' first average is the weights), θ̄_k = m θ̄_{k-1} + (1 - m) θ_k.
    average = record.weights[0]
    for weights in record.weights[1:]:
        average = [momentum * a + (1 - momentum) * w for a, w in zip(average, weights)]
    for got, expected, last in zip(gan.generator.get_weights(), average, record.weights[-1]):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(a, b) for a, b in zip(gan.generator.get_weights(), record.weights[-1]))
    # The averages are optimizer state: a .keras round trip keeps them.
    again = save_and_reload(gan, tmp_path)
    assert again.g_optimizer.use_ema and again.g_optimizer.ema_momentum == pytest.approx(momentum)
    for a, b in zip(again.g_optimizer._model_variables_moving_average, gan.g_optimizer._model_variables_moving_average):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_without_ema_fit_ends_with_the_last_weights():
    gan = _point_gan(keras.optimizers.SGD(0.1))
    points = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    record = _RecordGenerator()
    gan.fit(points, batch_size=8, epochs=1, verbose=0, shuffle=False, callbacks=[record])
    for got, last in zip(gan.generator.get_weights(), record.weights[-1]):
        np.testing.assert_array_equal(got, last)


def test_train_cli_g_ema_flag_builds_an_averaging_g_optimizer():
    gan = _point_gan(None)
    d_optimizer, g_optimizer = train.optimizers_for(gan, None, 3e-4, g_ema=0.999)
    assert g_optimizer.use_ema and g_optimizer.ema_momentum == 0.999
    assert float(g_optimizer.learning_rate) == pytest.approx(3e-4)
    assert not d_optimizer.use_ema
    with pytest.raises(ValueError, match=r"--g_ema must be in \[0, 1\); got 1.0"):
        train.optimizers_for(gan, None, None, g_ema=1.0)
