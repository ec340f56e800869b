"""DCGAN networks (Radford, Metz & Chintala 2016, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks").

The paper's rules: strided (transposed) convolutions instead of pooling, batch
norm in G and D (not on G's output nor D's input layer), ReLU in G with tanh
on the output, LeakyReLU(0.2) in D, no fully connected hidden layers.

Supported image shapes: 28×28×{1,3} (start at 7×7, two upsamplings),
32×32×3 (4×4, three) and 64×64×3 (4×4, four). Any square size of the form
7·2^k or 4·2^k works the same way.
"""

import keras

from ganzoo.architectures import normalization as norm

# The layer whose output is D's feature vector f(x), for feature matching and
# minibatch discrimination.
FEATURES_LAYER = "features"


def with_minibatch_discrimination(features, minibatch_discrimination):
    """``features`` followed by a MinibatchDiscrimination layer when
    ``minibatch_discrimination`` is ``(num_kernels, kernel_dim)``."""
    if minibatch_discrimination is None:
        return features
    from ganzoo.layers import MinibatchDiscrimination

    if not isinstance(minibatch_discrimination, (tuple, list)) or len(minibatch_discrimination) != 2:
        raise ValueError(
            "minibatch_discrimination must be None or (num_kernels, kernel_dim); "
            f"got {minibatch_discrimination!r}"
        )
    num_kernels, kernel_dim = minibatch_discrimination
    layer = MinibatchDiscrimination(num_kernels, kernel_dim, name="minibatch_discrimination")
    return layer(features)


def check_spectral_norm(spectral_norm, normalization):
    """Refuses spectral norm with batch norm in D: SNGAN's D has no batch
    norm (Miyato et al. 2018), and batch statistics would change the
    Lipschitz bound that spectral norm sets."""
    if spectral_norm and normalization in ("batch", "sync_batch"):
        raise ValueError(
            f"spectral_norm=True with normalization={normalization!r}: pass normalization=None "
            "(or 'layer'); SNGAN's discriminator has no batch norm"
        )


def packed_input(sample_shape, packing, name):
    """``(inputs, x)``: D's input of one sample's shape and, with
    ``packing=m > 1``, a `ganzoo.layers.Pack` layer putting m samples
    together (PacGAN, Lin et al. 2018); D then returns one logit per pack."""
    inputs = keras.Input(tuple(sample_shape), name=name)
    if packing in (None, 1):
        return inputs, inputs
    from ganzoo.layers import Pack

    return inputs, Pack(packing, name="pack")(inputs)


def _plan(image_shape):
    """Returns (start_size, num_upsamplings) for a square image shape."""
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels); got {image_shape!r}")
    height, width, channels = image_shape
    if height != width or channels not in (1, 3):
        raise ValueError(
            f"DCGAN nets need square images with 1 or 3 channels, e.g. (28, 28, 1), "
            f"(32, 32, 3), (64, 64, 3); got {tuple(image_shape)}"
        )
    for start in (7, 4):
        size, steps = height, 0
        while size > start and size % 2 == 0:
            size, steps = size // 2, steps + 1
        if size == start and steps >= 1:
            return start, steps
    raise ValueError(
        f"DCGAN nets need a side of 7·2^k or 4·2^k (28, 32, 64, ...); got {height}"
    )


def project_and_upsample(x, image_shape, base_filters, normalization):
    """The DCGAN generator's body, from its input vector to images before tanh:
    dense → reshape to start×start → (norm, ReLU, 4×4 stride-2 transposed
    conv)* up to ``image_shape``, halving the filters at each step."""
    start, steps = _plan(image_shape)
    filters = base_filters * 2 ** (steps - 1)
    x = keras.layers.Dense(start * start * filters, use_bias=normalization is None, name="project")(x)
    x = keras.layers.Reshape((start, start, filters))(x)
    for i in range(steps):
        if (layer := norm.layer(normalization, f"norm_{i}")) is not None:
            x = layer(x)
        x = keras.layers.ReLU(name=f"relu_{i}")(x)
        last = i == steps - 1
        x = keras.layers.Conv2DTranspose(
            image_shape[-1] if last else filters // 2,
            kernel_size=4,
            strides=2,
            padding="same",
            use_bias=last or normalization is None,
            name=f"upsample_{i}",
        )(x)
        filters //= 2
    return x


def dcgan_generator(
    image_shape=(28, 28, 1),
    latent_dim=128,
    base_filters=64,
    batch_norm=True,
    normalization="batch",
    name="generator",
):
    """The DCGAN generator: z → dense → (transposed conv, norm, ReLU)* → tanh.

    Args:
        image_shape: (height, width, channels) of the images to make.
        latent_dim: size of z.
        base_filters: filters of the last hidden layer; each earlier layer
            doubles them.
        batch_norm: the switch to compare with and without batch norm.
        normalization: "batch", "sync_batch" (global-batch statistics under
            tf.distribute), "layer", "virtual_batch" (Salimans et al. 2016
            §3.4; `ganzoo.architectures.normalization`) or None.

    Returns:
        A `keras.Model` from (batch, latent_dim) to images in [-1, 1].
    """
    _plan(image_shape)
    normalization = norm.resolve(normalization, batch_norm, generator=True)
    z = keras.Input((latent_dim,), name="z")
    x = norm.add_reference_batch(normalization, z)
    x = project_and_upsample(x, image_shape, base_filters, normalization)
    x = norm.drop_reference_batch(normalization, x)
    images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def dcgan_discriminator(
    image_shape=(28, 28, 1),
    base_filters=64,
    batch_norm=True,
    normalization="batch",
    name="discriminator",
    minibatch_discrimination=None,
    spectral_norm=False,
    packing=1,
):
    """The DCGAN discriminator: (strided conv, norm, LeakyReLU)* → one logit.

    The first convolution has no normalization (the paper's rule). For the
    Wasserstein critic with gradient penalty pass ``normalization="layer"`` or
    ``None``: batch norm makes the penalty depend on the rest of the batch.
    ``minibatch_discrimination=(num_kernels, kernel_dim)`` inserts a
    `ganzoo.layers.MinibatchDiscrimination` layer between "features" and the
    logit (Salimans et al. 2016, §3.2); None (the default) leaves it out.
    ``spectral_norm=True`` wraps every convolution and the logit layer in
    `keras.layers.SpectralNormalization` (Miyato et al. 2018; needs
    ``normalization=None`` or "layer"). ``packing=m`` judges m images at
    once, stacked along channels (PacGAN, Lin et al. 2018).

    Returns:
        A `keras.Model` from images to logits of shape (batch / packing, 1).
        Its layer named "features" outputs the flattened last hidden
        activations.
    """
    from ganzoo.layers.spectral import spectral_norm as sn

    start, steps = _plan(image_shape)
    normalization = norm.resolve(normalization, batch_norm)
    check_spectral_norm(spectral_norm, normalization)
    images, x = packed_input(image_shape, packing, "images")
    filters = base_filters
    for i in range(steps):
        x = sn(keras.layers.Conv2D(
            filters, 4, strides=2, padding="same", use_bias=i == 0 or normalization is None,
            name=f"downsample_{i}",
        ), enabled=spectral_norm)(x)
        if i > 0 and (layer := norm.layer(normalization, f"norm_{i}")) is not None:
            x = layer(x)
        x = keras.layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
        filters *= 2
    features = keras.layers.Flatten(name=FEATURES_LAYER)(x)
    features = with_minibatch_discrimination(features, minibatch_discrimination)
    logits = sn(keras.layers.Dense(1, dtype="float32", name="logits"), enabled=spectral_norm)(features)
    return keras.Model(images, logits, name=name)
