"""The networks `python -m ganzoo.train` gives each GAN variant.

DCGAN nets for images (rank-3 data shapes), MLPs for points. Most variants
take them as they are; a few need a different discriminator, listed in
``DISCRIMINATOR_OPTIONS`` by class name (a subclass inherits its parent's):

* WGAN-GP penalises the critic's gradient per sample, so its critic has no
  normalization (the paper's MNIST critic). Not Keras' LayerNormalization:
  it normalises each pixel's channels, and on Fashion-MNIST (3 critic steps,
  lr 2e-4) that critic fell behind G: its loss went -4.9, -1.0, -0.1 over 3
  epochs, IS 3.8, 4.2, 4.2; the same run without normalization had loss
  -3.8, -3.0 and IS 3.7, 4.4 after 2 epochs.
* Minibatch discrimination puts a `MinibatchDiscrimination` layer between
  D's "features" layer and its logit: (B = 100, C = 5) kernels for images as
  in the paper's code, (16, 4) for 2-D points, whose features are small.
* PacGAN packs 4 samples into each input of D (the PacGAN paper's best
  setting on its 2-D grid).
* SNGAN spectrally normalizes every layer of D, without batch norm (the
  paper's discriminators have none).
"""

from ganzoo.architectures.dcgan import dcgan_discriminator, dcgan_generator
from ganzoo.architectures.mlp import mlp_discriminator, mlp_generator

# GAN class name → (discriminator options for images, for points).
DISCRIMINATOR_OPTIONS = {
    "WGANGP": ({"normalization": None}, {"normalization": None}),
    "MinibatchDiscriminationGAN": (
        {"minibatch_discrimination": (100, 5)},
        {"minibatch_discrimination": (16, 4)},
    ),
    "PacGAN": ({"packing": 4}, {"packing": 4}),
    "SNGAN": ({"spectral_norm": True, "normalization": None}, {"spectral_norm": True, "normalization": None}),
}


def default_networks(gan_class, data_shape, latent_dim):
    """``(generator, discriminator)`` for ``gan_class`` on data of ``data_shape``.

    Args:
        gan_class: a `ganzoo.GAN` subclass (or an instance of one).
        data_shape: one example's shape: (height, width, channels) for
            images, (dims,) for points.
        latent_dim: the size of z.

    Example:

    ```python
    g, d = ganzoo.architectures.default_networks(ganzoo.WGANGP, (28, 28, 1), 128)
    gan = ganzoo.WGANGP(generator=g, discriminator=d, latent_dim=128)
    ```
    """
    cls = gan_class if isinstance(gan_class, type) else type(gan_class)
    data_shape = tuple(data_shape)
    if len(data_shape) not in (1, 3):
        raise ValueError(f"data_shape must be (height, width, channels) or (dims,); got {data_shape}")
    image_options, point_options = next(
        (DISCRIMINATOR_OPTIONS[k.__name__] for k in cls.__mro__ if k.__name__ in DISCRIMINATOR_OPTIONS),
        ({}, {}),
    )
    if len(data_shape) == 3:
        return (
            dcgan_generator(data_shape, latent_dim),
            dcgan_discriminator(data_shape, **image_options),
        )
    return (
        mlp_generator(latent_dim, data_shape[-1]),
        mlp_discriminator(data_shape[-1], **point_options),
    )
