"""WGAN with weight clipping (Arjovsky et al. 2017)."""

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models.wgan import WGAN
from helpers import (
    LATENT_DIM,
    assert_finite_logs,
    assert_round_trip_keeps_outputs,
    tiny_fit,
    tiny_gan,
    tiny_networks,
)

REAL = np.array([[-5.0], [1.4], [12.5], [2.7]], "float32")
FAKE = np.array([[10.0], [4.4], [-5.5], [3.6]], "float32")
KEYS = {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm", "d_real", "d_fake"}


def make_gan(**kwargs):
    return tiny_gan(WGAN, **kwargs)


def test_paper_defaults():
    gan = make_gan()
    assert gan.d_steps == 5 and gan.clip_value == 0.01 and not gan.outputs_are_logits
    for optimizer in WGAN.default_optimizers():
        assert isinstance(optimizer, keras.optimizers.RMSprop)
        assert float(optimizer.learning_rate) == pytest.approx(5e-5)
    assert ganzoo.models.get("wgan") is WGAN


def test_losses_are_wasserstein_on_tf_gan_fixtures():
    gan = make_gan()
    assert float(gan.discriminator_loss(REAL, FAKE)) == pytest.approx(0.225, abs=1e-6)
    assert float(gan.generator_loss(FAKE)) == pytest.approx(-3.125)
    # Meters: raw mean critic scores, not σ.
    d_real, d_fake = gan._outputs_meter(REAL, FAKE)
    assert (float(d_real), float(d_fake)) == pytest.approx((2.9, 3.125))


def test_fit_clips_every_critic_weight():
    clip = 0.02
    gan = make_gan(clip_value=clip, d_steps=2)
    weights = gan.discriminator.trainable_weights
    assert max(np.abs(w.numpy()).max() for w in weights) > clip  # Glorot init exceeds c
    history = tiny_fit(gan)
    assert_finite_logs(history, KEYS)
    for w in weights:
        assert np.abs(w.numpy()).max() <= clip, w.path
    # d_steps critic updates per generator update, each on its own batch of
    # 8 (Algorithm 1): 32 images make 2 steps of 2 critic updates.
    assert int(gan.d_optimizer.iterations) == 2 * int(gan.g_optimizer.iterations) == 4


def test_bad_clip_value_raises():
    for bad in (0, -0.01, "0.01", True):
        with pytest.raises(ValueError, match="clip_value"):
            make_gan(clip_value=bad)


def test_keras_round_trip(tmp_path):
    gan = make_gan(clip_value=0.05, d_steps=3)
    gan.compile()
    again = assert_round_trip_keeps_outputs(gan, tmp_path)
    assert (again.clip_value, again.d_steps) == (0.05, 3)
    assert isinstance(again.d_optimizer, keras.optimizers.RMSprop)
