"""WGAN-GP (Gulrajani et al. 2017)."""

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models.wgan_gp import WGANGP
from helpers import (
    IMAGE_SHAPE,
    LATENT_DIM,
    assert_finite_logs,
    random_images,
    assert_round_trip_keeps_outputs,
    tiny_fit,
    tiny_gan,
    tiny_networks,
)

KEYS = {"d_loss", "g_loss", "gradient_penalty", "d_grad_norm", "g_grad_norm", "d_real", "d_fake"}


def make_gan(normalization="layer", **kwargs):
    return tiny_gan(WGANGP, normalization=normalization, **kwargs)


def test_paper_defaults():
    gan = make_gan()
    assert gan.d_steps == 5 and gan.gp_weight == 10.0 and not gan.outputs_are_logits
    for optimizer in WGANGP.default_optimizers():
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)
    assert ganzoo.models.get("wgan_gp") is WGANGP


@pytest.mark.parametrize("normalization", ["batch", "sync_batch"])
def test_batch_norm_critic_raises_naming_the_layer(normalization):
    with pytest.raises(ValueError, match=r"norm_1.*normalization=\"layer\" or normalization=None"):
        make_gan(normalization=normalization)


def test_cli_networks_have_no_batch_statistics():
    _, critic = WGANGP.build_networks(IMAGE_SHAPE, LATENT_DIM)
    assert not ganzoo.architectures.uses_batch_statistics(critic)
    assert not any(isinstance(l, keras.layers.LayerNormalization) for l in critic.layers)
    _, point_critic = WGANGP.build_networks((2,), 2)
    assert not ganzoo.architectures.uses_batch_statistics(point_critic)


def test_regularizer_is_weighted_penalty_of_a_linear_critic():
    # D(x) = w·flatten(x): the penalty is exactly λ (‖w‖ - 1)² whatever ε.
    generator, _ = tiny_networks(normalization=None)
    inputs = keras.Input(IMAGE_SHAPE)
    dense = keras.layers.Dense(1)
    critic = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    w = np.random.default_rng(0).normal(size=dense.kernel.shape)
    dense.kernel.assign((w * 3.0 / np.linalg.norm(w)).astype("float32"))
    gan = WGANGP(generator=generator, discriminator=critic, latent_dim=LATENT_DIM, gp_weight=2.5, seed=0)
    # The penalty runs D on interpolates: D's outputs and the input tape are not used.
    terms = gan.discriminator_regularizers(random_images(4), random_images(4, seed=1), None, None, None)
    assert list(terms) == ["gradient_penalty"]
    assert float(terms["gradient_penalty"]) == pytest.approx(2.5 * (3.0 - 1.0) ** 2, rel=1e-5)


def test_fit_logs_the_penalty():
    history = tiny_fit(make_gan(normalization=None, d_steps=1))
    assert_finite_logs(history, KEYS)
    assert all(v > 0 for v in history.history["gradient_penalty"])


def test_bad_gp_weight_raises():
    for bad in (-1.0, "10", None):
        with pytest.raises(ValueError, match="gp_weight"):
            make_gan(gp_weight=bad)


def test_keras_round_trip(tmp_path):
    gan = make_gan(gp_weight=5.0, d_steps=2)
    gan.compile()
    again = assert_round_trip_keeps_outputs(gan, tmp_path)
    assert (again.gp_weight, again.d_steps) == (5.0, 2)
    assert isinstance(again.d_optimizer, keras.optimizers.Adam) and again.d_optimizer.beta_1 == 0.0
