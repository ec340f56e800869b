import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.models.feature_matching_gan import FeatureMatchingGAN, feature_matching_loss
from helpers import LATENT_DIM, assert_finite_logs, save_and_reload, tiny_fit, tiny_networks

CORE_KEYS = {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm", "d_real", "d_fake"}


def fixed_point_gan(**kwargs):
    """A 2-D GAN whose D has fixed, known weights: x → relu(x W1) =: f → f w2."""
    generator = ganzoo.architectures.mlp_generator(LATENT_DIM, 2, hidden_units=(4,))
    inputs = keras.Input((2,))
    features = keras.layers.Dense(3, activation="relu", name="features")(inputs)
    logits = keras.layers.Dense(1, name="logits")(features)
    discriminator = keras.Model(inputs, logits)
    w1 = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, -1.0]], "float32")
    b1 = np.array([0.1, 0.2, 0.3], "float32")
    w2 = np.array([[1.0], [-2.0], [0.5]], "float32")
    discriminator.set_weights([w1, b1, w2, np.array([0.25], "float32")])
    gan = FeatureMatchingGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, **kwargs)
    return gan, (w1, b1, w2)


def numpy_objective(real, fake, weights, adversarial_weight):
    w1, b1, w2 = weights
    f_real, f_fake = np.maximum(real @ w1 + b1, 0), np.maximum(fake @ w1 + b1, 0)
    loss = np.sum((f_real.mean(0) - f_fake.mean(0)) ** 2)
    fake_logits = f_fake @ w2 + 0.25
    return loss + adversarial_weight * np.mean(np.log1p(np.exp(-fake_logits)))


@pytest.mark.parametrize("adversarial_weight", [0.0, 0.3])
def test_generator_objective_matches_a_hand_computation(adversarial_weight):
    gan, weights = fixed_point_gan(adversarial_weight=adversarial_weight)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(6, 2)).astype("float32")
    fake = rng.normal(size=(6, 2)).astype("float32")
    loss, fake_logits = gan.generator_objective(tf.constant(real), tf.constant(fake))
    assert fake_logits.shape == (6, 1)
    np.testing.assert_allclose(float(loss), numpy_objective(real, fake, weights, adversarial_weight), rtol=1e-5)


def test_feature_matching_loss_golden_value():
    assert float(feature_matching_loss([[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [0.0, 2.0]])) == 8.0


def test_feature_layer_default_is_the_layer_feeding_the_logit():
    generator, discriminator = tiny_networks()
    gan = FeatureMatchingGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM)
    assert gan.feature_model.outputs[0].shape == discriminator.get_layer("features").output.shape
    by_index = FeatureMatchingGAN(
        generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, feature_layer=2
    )
    assert by_index.feature_model.outputs[0].shape == discriminator.layers[2].output.shape


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"feature_layer": "nope"}, "feature_layer 'nope' is not a layer"),
        ({"feature_layer": 99}, "feature_layer index 99 is out of range"),
        ({"feature_layer": 1.5}, "feature_layer must be None, a layer name or an index"),
        ({"adversarial_weight": -1.0}, "adversarial_weight must be a number ≥ 0; got -1.0"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    generator, discriminator = tiny_networks()
    with pytest.raises(ValueError, match=message):
        FeatureMatchingGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, **kwargs)


@pytest.mark.slow
def test_tiny_fit_and_round_trip(tmp_path):
    # 2-D nets (fast), with batch norm in D to exercise the merged batch.
    generator = ganzoo.architectures.mlp_generator(LATENT_DIM, 2, hidden_units=(16, 16))
    discriminator = ganzoo.architectures.mlp_discriminator(2, hidden_units=(16, 16), batch_norm=True)
    gan = FeatureMatchingGAN(
        generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, seed=1,
        feature_layer="features", adversarial_weight=0.5,
    )
    points = ganzoo.data.MIXTURES["ring8"].sample(32, seed=0)
    assert_finite_logs(tiny_fit(gan, points), CORE_KEYS)
    again = save_and_reload(gan, tmp_path)
    assert isinstance(again, FeatureMatchingGAN)
    assert (again.feature_layer, again.adversarial_weight) == ("features", 0.5)
    z = np.random.default_rng(0).normal(size=(3, LATENT_DIM)).astype("float32")
    np.testing.assert_array_equal(gan(z), again(z))
    # Same objective on the same batch: the feature model shares the reloaded D.
    real, fake = tf.constant(points[:3]), gan(z)
    np.testing.assert_allclose(
        float(gan.generator_objective(real, fake)[0]), float(again.generator_objective(real, fake)[0]), rtol=1e-5
    )
    again.fit(points, batch_size=8, verbose=0)


def test_registered_for_the_cli():
    assert ganzoo.models.get("feature_matching") is FeatureMatchingGAN
