"""ACGAN (Odena et al. 2017): the class cross-entropy in both losses on a
fixed D, the auxiliary head's checks, save/reload, export, tf.distribute and
the CLI."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import losses
from ganzoo.models.acgan import class_cross_entropy
from helpers import (
    LATENT_DIM,
    NUM_CLASSES,
    mirrored_and_single_device_steps,
    random_images,
    random_labels,
    run_train_cli,
    save_and_reload,
    tiny_conditional_gan,
)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _cross_entropy(labels, class_logits):
    """−log softmax(class_logits)[label], averaged, in numpy."""
    shifted = class_logits - class_logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_softmax[np.arange(len(labels)), labels])


def test_class_cross_entropy_golden_values():
    assert float(class_cross_entropy([0], [[0.0, 0.0]])) == pytest.approx(np.log(2.0))
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]], "float32")
    assert float(class_cross_entropy(np.array([2, 1]), logits)) == pytest.approx(
        _cross_entropy(np.array([2, 1]), logits), rel=1e-6
    )


@pytest.mark.parametrize("loss", ["non_saturating", "hinge", "least_squares"])
@pytest.mark.parametrize("class_weight", [1.0, 0.5])
def test_losses_on_a_fixed_d_add_the_class_cross_entropy(loss, class_weight):
    gan = tiny_conditional_gan(ganzoo.ACGAN, image_shape=(2,), loss=loss, class_weight=class_weight)
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(6, 2)).astype("float32"), rng.normal(size=(6, 2)).astype("float32")
    labels = np.array([0, 1, 2, 3, 3, 1])
    real_outputs, fake_outputs = gan.discriminate(
        tf.constant(real), tf.constant(fake), False, condition=tf.constant(labels)
    )
    # D by hand from its weights: φ = LeakyReLU(W x + b), then the two heads.
    w0, b0 = gan.discriminator.get_layer("d_dense_0").get_weights()
    heads = [gan.discriminator.get_layer(n).get_weights() for n in ("logits", "class_logits")]

    def d(x):
        h = x @ w0 + b0
        phi = np.where(h > 0, h, 0.2 * h)
        return [phi @ w + b for w, b in heads]

    (real_logit, real_classes), (fake_logit, fake_classes) = d(real), d(fake)
    for got, want in zip([*real_outputs, *fake_outputs], [real_logit, real_classes, fake_logit, fake_classes]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    d_fn, g_fn = losses.get(loss)
    if loss == "non_saturating":  # the adversarial part by hand too
        np.testing.assert_allclose(
            d_fn(real_logit, fake_logit), np.mean(_softplus(-real_logit)) + np.mean(_softplus(fake_logit)), rtol=1e-5
        )
    expected_d = float(d_fn(real_logit, fake_logit)) + class_weight * (
        _cross_entropy(labels, real_classes) + _cross_entropy(labels, fake_classes)
    )
    expected_g = float(g_fn(fake_logit)) + class_weight * _cross_entropy(labels, fake_classes)
    d_loss = gan.discriminator_loss(real_outputs, fake_outputs, condition=tf.constant(labels))
    g_loss = gan.generator_loss(fake_outputs, condition=tf.constant(labels))
    np.testing.assert_allclose([float(d_loss), float(g_loss)], [expected_d, expected_g], rtol=1e-5)


def test_the_discriminator_must_have_an_auxiliary_classifier_head():
    generator, discriminator = ganzoo.ConditionalGAN.build_networks((2,), LATENT_DIM, num_classes=3)
    with pytest.raises(ValueError, match=r"An ACGAN needs a discriminator from images to \[logits"):
        ganzoo.ACGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, num_classes=3)
    generator, discriminator = ganzoo.ACGAN.build_networks((2,), LATENT_DIM, num_classes=3)
    with pytest.raises(ValueError, match=r"class_logits \(batch, 5\)"):  # a head for 3 classes, not 5
        ganzoo.ACGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, num_classes=5)
    with pytest.raises(ValueError, match="class_weight must be >= 0; got -1"):
        ganzoo.ACGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, num_classes=3,
                     class_weight=-1)


def test_fit_logs_finite_losses_and_needs_labels():
    gan = tiny_conditional_gan(ganzoo.ACGAN)
    history = gan.fit(random_images(16), random_labels(16), batch_size=8, epochs=1, verbose=0)
    assert {"d_loss", "g_loss"} <= set(history.history)
    assert all(np.isfinite(v).all() for v in history.history.values())
    with pytest.raises(ValueError, match="labels"):
        gan.fit(random_images(16), batch_size=8, epochs=1, verbose=0)


def test_save_reload_keep_training_and_export(tmp_path):
    gan = tiny_conditional_gan(ganzoo.ACGAN, class_weight=0.5)
    images, labels = random_images(16), random_labels(16)
    gan.fit(images, labels, batch_size=8, epochs=1, verbose=0)
    again = save_and_reload(gan, tmp_path)
    assert type(again) is ganzoo.ACGAN and again.class_weight == 0.5 and again.num_classes == NUM_CLASSES
    np.testing.assert_array_equal(again.generate(4, seed=2, labels=1), gan.generate(4, seed=2, labels=1))
    again.fit(images, labels, batch_size=8, epochs=1, verbose=0)
    assert int(again.g_optimizer.iterations.numpy()) == 4
    loaded = tf.saved_model.load(ganzoo.export.export_generator(again, str(tmp_path / "g")))
    np.testing.assert_array_equal(loaded.sample(num=4, seed=2, labels=[0, 1, 2, 3])["images"],
                                  again.generate(4, seed=2, labels=[0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\)"):
        again.generate(2, seed=0, labels=4)


@pytest.mark.slow
def test_mirrored_strategy_step_equals_the_single_device_step():
    result = mirrored_and_single_device_steps("acgan")
    assert result["replicas"] == 2
    assert result["moved"] > 1e-4, result
    assert result["max_weight_diff"] < 1e-5, result


@pytest.mark.slow
def test_cli_trains_acgan_on_labelled_fashion_mnist(tmp_path):
    if ganzoo.data.idx.find_dir() is None:
        pytest.skip("apt-get install dataset-fashion-mnist")
    metrics = run_train_cli("--model=acgan", "--steps=2", "--batch_size=16", f"--output_dir={tmp_path}")
    assert metrics["steps"] == 2 and np.isfinite(metrics["final"]["d_loss"])
    gan = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(gan, ganzoo.ACGAN)
    loaded = tf.saved_model.load(str(tmp_path / "generator"))
    np.testing.assert_array_equal(loaded.sample(num=2, seed=0, labels=9)["images"], gan.generate(2, seed=0, labels=9))
