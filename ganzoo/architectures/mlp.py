"""Fully connected networks for 2-D toy data (the PacGAN mixtures ring8 and
grid25; Lin et al. 2018, "PacGAN: The power of two samples in GANs")."""

import keras

from ganzoo.architectures import normalization as norm
from ganzoo.architectures.dcgan import FEATURES_LAYER, check_spectral_norm, packed_input, with_minibatch_discrimination
from ganzoo.layers.spectral import spectral_norm as sn


def _hidden(x, hidden_units, activation, normalization, prefix, spectral_norm=False):
    for i, units in enumerate(hidden_units):
        x = sn(keras.layers.Dense(units, name=f"{prefix}_dense_{i}"), enabled=spectral_norm)(x)
        if (layer := norm.layer(normalization, f"{prefix}_norm_{i}")) is not None:
            x = layer(x)
        x = keras.layers.Activation(activation, name=f"{prefix}_{activation}_{i}")(x)
    return x


def mlp_generator(
    latent_dim=2,
    output_dim=2,
    hidden_units=(128, 128, 128),
    batch_norm=False,
    normalization="batch",
    name="generator",
):
    """z → (dense, [norm], ReLU)* → linear point in R^output_dim.

    ``normalization``: "batch", "sync_batch", "layer", "virtual_batch"
    (`ganzoo.architectures.normalization`) or None; ``batch_norm=False``
    (the default) means None."""
    normalization = norm.resolve(normalization, batch_norm, generator=True)
    z = keras.Input((latent_dim,), name="z")
    x = _hidden(norm.add_reference_batch(normalization, z), hidden_units, "relu", normalization, "g")
    x = norm.drop_reference_batch(normalization, x)
    points = keras.layers.Dense(output_dim, dtype="float32", name="points")(x)
    return keras.Model(z, points, name=name)


def mlp_discriminator(
    input_dim=2,
    hidden_units=(128, 128, 128),
    batch_norm=False,
    normalization="batch",
    name="discriminator",
    minibatch_discrimination=None,
    spectral_norm=False,
    packing=1,
):
    """x → (dense, [norm], LeakyReLU)* → one logit. The last hidden layer is
    named "features". ``minibatch_discrimination=(num_kernels, kernel_dim)``
    inserts a `ganzoo.layers.MinibatchDiscrimination` layer between it and the
    logit (Salimans et al. 2016, §3.2); None (the default) leaves it out.
    ``spectral_norm=True`` wraps every Dense layer, the logit's included, in
    `keras.layers.SpectralNormalization` (Miyato et al. 2018; not with batch
    norm). ``packing=m`` judges m points at once, their coordinates
    concatenated (PacGAN, Lin et al. 2018): (batch / m, 1) logits."""
    normalization = norm.resolve(normalization, batch_norm)
    check_spectral_norm(spectral_norm, normalization)
    points, x = packed_input((input_dim,), packing, "points")
    x = _hidden(x, hidden_units, "leaky_relu", normalization, "d", spectral_norm)
    features = keras.layers.Identity(name=FEATURES_LAYER)(x)
    features = with_minibatch_discrimination(features, minibatch_discrimination)
    logits = sn(keras.layers.Dense(1, dtype="float32", name="logits"), enabled=spectral_norm)(features)
    return keras.Model(points, logits, name=name)
