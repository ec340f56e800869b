"""Conditional DCGAN and MLP nets: shapes, the label's effect, the projection
discriminator's formula and bad arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import architectures
from ganzoo.architectures.conditional_dcgan import CONDITIONINGS


def _z(num, dim, seed=0):
    # Tensors, not numpy: Keras refuses a list of inputs that mixes the two.
    return tf.constant(np.random.default_rng(seed).normal(size=(num, dim)), tf.float32)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_dcgan_nets_fit_every_supported_shape(shape, conditioning):
    generator = architectures.conditional_dcgan_generator(shape, latent_dim=8, num_classes=10, base_filters=8)
    discriminator = architectures.conditional_dcgan_discriminator(
        shape, num_classes=10, conditioning=conditioning, base_filters=8
    )
    labels = tf.constant([0, 9], tf.int32)
    images = generator([_z(2, 8), labels])
    assert tuple(images.shape) == (2, *shape) and images.dtype == "float32"
    assert float(np.abs(images).max()) <= 1.0
    if conditioning == "auxiliary":
        assert len(discriminator.inputs) == 1
        logits, class_logits = discriminator(images)
        assert tuple(logits.shape) == (2, 1) and tuple(class_logits.shape) == (2, 10)
    else:
        assert len(discriminator.inputs) == 2
        assert tuple(discriminator([images, labels]).shape) == (2, 1)
    assert discriminator.get_layer(architectures.FEATURES_LAYER) is not None


def test_the_label_changes_the_generated_image_and_the_verdict():
    generator = architectures.conditional_dcgan_generator(latent_dim=8, num_classes=10, base_filters=8)
    z = tf.repeat(_z(1, 8), 2, axis=0)
    images = generator([z, tf.constant([1, 2])]).numpy()
    assert np.abs(images[0] - images[1]).max() > 1e-6
    for conditioning in ("concat", "projection"):
        discriminator = architectures.conditional_dcgan_discriminator(
            num_classes=10, conditioning=conditioning, base_filters=8
        )
        same = np.repeat(images[:1], 2, axis=0)
        logits = discriminator([same, np.array([1, 2], "int32")]).numpy()  # both numpy
        assert abs(logits[0, 0] - logits[1, 0]) > 1e-7, conditioning


def test_projection_logit_is_psi_of_phi_plus_the_inner_product_with_the_class_embedding():
    """Miyato & Koyama 2018, eq. 3, checked with numpy on the net's own weights."""
    keras.utils.set_random_seed(0)
    discriminator = architectures.conditional_mlp_discriminator(
        input_dim=2, num_classes=5, conditioning="projection", hidden_units=(6,)
    )
    points = _z(4, 2, seed=1)
    labels = tf.constant([0, 1, 4, 4])
    phi = keras.Model(discriminator.inputs, discriminator.get_layer("features").output)([points, labels]).numpy()
    w, b = discriminator.get_layer("unconditional_logits").get_weights()
    (v,) = discriminator.get_layer("class_projection").get_weights()
    # The initial embedding is small; make the inner product matter.
    v = np.random.default_rng(2).normal(size=v.shape).astype("float32")
    discriminator.get_layer("class_projection").set_weights([v])
    expected = phi @ w + b + np.sum(v[labels.numpy()] * phi, axis=1, keepdims=True)
    np.testing.assert_allclose(discriminator([points, labels]).numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_mlp_nets_for_labelled_points(conditioning):
    generator = architectures.conditional_mlp_generator(latent_dim=2, output_dim=2, num_classes=25)
    discriminator = architectures.conditional_mlp_discriminator(2, num_classes=25, conditioning=conditioning)
    labels = tf.range(5)
    points = generator([_z(5, 2), labels])
    assert tuple(points.shape) == (5, 2)
    outputs = discriminator(points) if conditioning == "auxiliary" else discriminator([points, labels])
    shapes = [tuple(o.shape) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    assert shapes == ([(5, 1), (5, 25)] if conditioning == "auxiliary" else [(5, 1)])


def test_int64_labels_as_from_the_data_are_accepted():
    generator = architectures.conditional_mlp_generator(latent_dim=2, num_classes=3)
    a = generator([_z(2, 2), tf.constant([0, 2], tf.int64)])
    b = generator([_z(2, 2), tf.constant([0, 2], tf.int32)])
    np.testing.assert_array_equal(a, b)


def test_bad_arguments_are_refused_with_the_value():
    with pytest.raises(ValueError, match="Unknown conditioning 'film'"):
        architectures.conditional_dcgan_discriminator(conditioning="film")
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2; got 1"):
        architectures.conditional_dcgan_generator(num_classes=1)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2; got 2.5"):
        architectures.conditional_mlp_discriminator(num_classes=2.5)
    with pytest.raises(ValueError, match="side"):
        architectures.conditional_dcgan_generator((30, 30, 1))
