"""VanillaGAN with every objective of the loss catalog."""

import numpy as np
import pytest

import ganzoo
from ganzoo import losses
from helpers import LATENT_DIM, assert_finite_logs, save_and_reload, tiny_fit, tiny_gan

REAL = np.array([[-5.0], [1.4], [12.5], [2.7]], "float32")
FAKE = np.array([[10.0], [4.4], [-5.5], [3.6]], "float32")


def make_gan(**kwargs):
    return tiny_gan(ganzoo.VanillaGAN, **kwargs)


@pytest.mark.parametrize("name", sorted(losses.CATALOG))
def test_every_catalog_name_drives_both_hooks(name):
    gan = make_gan(loss=name)
    d_loss, g_loss = losses.CATALOG[name]
    assert float(gan.discriminator_loss(REAL, FAKE)) == pytest.approx(float(d_loss(REAL, FAKE)))
    assert float(gan.generator_loss(FAKE)) == pytest.approx(float(g_loss(FAKE)))


@pytest.mark.parametrize(
    "loss, expected",
    [
        ("minimax", (np.mean(1 / (1 + np.exp(-REAL))), np.mean(1 / (1 + np.exp(-FAKE))))),
        ("non_saturating", (np.mean(1 / (1 + np.exp(-REAL))), np.mean(1 / (1 + np.exp(-FAKE))))),
        ("wasserstein", (2.9, 3.125)),
        ("hinge", (2.9, 3.125)),
        ("least_squares", (2.9, 3.125)),
        ("kl", (2.9, 3.125)),
        ("reverse_kl", (2.9, 3.125)),
    ],
)
def test_meters_report_probabilities_only_for_cross_entropy(loss, expected):
    d_real, d_fake = make_gan(loss=loss)._outputs_meter(REAL, FAKE)
    np.testing.assert_allclose([float(d_real), float(d_fake)], expected, rtol=1e-5)


def test_a_pair_of_callables():
    gan = make_gan(loss=(losses.hinge_discriminator_loss, losses.hinge_generator_loss))
    assert not gan.outputs_are_logits
    assert float(gan.discriminator_loss(REAL, FAKE)) == pytest.approx(6.75)
    assert make_gan(loss=losses.get("minimax")).outputs_are_logits


def test_bad_losses_raise_with_the_catalog():
    with pytest.raises(ValueError, match="'wgan'.*available"):
        make_gan(loss="wgan")
    with pytest.raises(ValueError, match="pair of callables"):
        make_gan(loss=(losses.hinge_generator_loss,))
    with pytest.raises(ValueError, match="label_smoothing.*'hinge'"):
        make_gan(loss="hinge", label_smoothing=0.1)


def test_hinge_fit_and_round_trip(tmp_path):
    gan = make_gan(loss="hinge", track_meters=False)
    assert_finite_logs(tiny_fit(gan), {"d_loss", "g_loss"})
    again = save_and_reload(gan, tmp_path)
    assert again.loss_name == "hinge" and not again.outputs_are_logits
    z = np.random.default_rng(0).normal(size=(2, LATENT_DIM)).astype("float32")
    np.testing.assert_array_equal(gan(z), again(z))
