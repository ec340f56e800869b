"""Class-conditional DCGAN networks: G(z, y) and D(x, y) for labelled images.

The label y (an integer class index) enters each network through a learned
embedding:

* G (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"): the
  embedding e(y) is concatenated to z, and the DCGAN generator maps [z, e(y)]
  to an image.
* D, ``conditioning=`` one of
  - ``"concat"`` (Mirza & Osindero 2014): e(y) is projected to one extra
    image plane, concatenated to the image's channels, and the DCGAN
    discriminator scores the (C+1)-channel input;
  - ``"projection"`` (Miyato & Koyama 2018, "cGANs with Projection
    Discriminator", eq. 3): logit = ψ(φ(x)) + ⟨v(y), φ(x)⟩, with φ the DCGAN
    feature extractor, ψ a linear map to one logit and v a learned class
    embedding of φ's size;
  - ``"auxiliary"`` (Odena et al. 2017, "Conditional Image Synthesis with
    Auxiliary Classifier GANs"): D sees the image only and returns the pair
    ``[logits (batch, 1), class_logits (batch, num_classes)]``: the real/fake
    logit first (what `ganzoo.GAN` reads as D's verdict), then the logits of
    its auxiliary classifier.

Where ganzoo departs from the papers: the projection discriminator's φ is the
DCGAN discriminator's flattened last activations (the layer "features"), not
the global sum pooling of the paper's ResNet, so that ψ(φ(x)) is exactly the
unconditional DCGAN logit; and G is a DCGAN generator with batch norm, not the
paper's ResNet with conditional batch norm.

Labels are int32 of shape (batch,); int64 labels (tfds, `ganzoo.data.load`)
are cast by Keras. Out-of-range labels are not checked here (an embedding
lookup on a GPU silently returns zeros for them): `ganzoo.ConditionalGAN`
and the export check them.

Example:

```python
g = conditional_dcgan_generator((28, 28, 1), latent_dim=128, num_classes=10)
d = conditional_dcgan_discriminator((28, 28, 1), num_classes=10, conditioning="projection")
images = g([z, labels])          # (batch, 28, 28, 1) in [-1, 1]
logits = d([images, labels])     # (batch, 1)
```
"""

import keras

from ganzoo.architectures import normalization as norm
from ganzoo.architectures.dcgan import FEATURES_LAYER, _plan, project_and_upsample

CONDITIONINGS = ("concat", "projection", "auxiliary")


def check_num_classes(num_classes):
    """Raises a ValueError unless ``num_classes`` is an integer ≥ 2."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2; got {num_classes!r}")


def check_conditioning(conditioning):
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"Unknown conditioning {conditioning!r}; expected one of {list(CONDITIONINGS)}")


def label_input():
    """The labels input of every conditional net: int32 of shape (batch,)."""
    return keras.Input((), dtype="int32", name="labels")


def projection_logits(features, labels, num_classes, unconditional_logits):
    """Miyato & Koyama 2018, eq. 3: ψ(φ(x)) + ⟨v(y), φ(x)⟩, as (batch, 1) float32.

    Args:
        features: φ(x), a (batch, F) Keras tensor.
        labels: the int32 labels input, (batch,).
        num_classes: number of classes of v, a (num_classes, F) embedding.
        unconditional_logits: ψ(φ(x)), (batch, 1).
    """
    embedded = keras.layers.Embedding(num_classes, features.shape[-1], name="class_projection")(labels)
    inner = keras.layers.Dot(axes=1, name="projection")([embedded, features])  # (batch, 1)
    return keras.layers.Add(dtype="float32", name="logits")([unconditional_logits, inner])


def conditional_dcgan_generator(
    image_shape=(28, 28, 1),
    latent_dim=128,
    num_classes=10,
    embedding_dim=50,
    base_filters=64,
    normalization="batch",
    name="generator",
):
    """The DCGAN generator fed [z, e(y)]: (z, labels) → images in [-1, 1].

    Args:
        image_shape: (height, width, channels): 28×28×{1,3}, 32×32×3, 64×64×3
            (any side 7·2^k or 4·2^k).
        latent_dim: size of z.
        num_classes: number of labels (0 … num_classes - 1).
        embedding_dim: size of the learned label embedding e(y).
        base_filters: filters of the last hidden layer; each earlier layer
            doubles them.
        normalization: "batch", "sync_batch", "layer" or None.

    Returns:
        A `keras.Model` with inputs ``[z (batch, latent_dim), labels (batch,)]``.
    """
    check_num_classes(num_classes)
    _plan(image_shape)
    normalization = norm.resolve(normalization, True)
    z = keras.Input((latent_dim,), name="z")
    labels = label_input()
    embedded = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
    x = keras.layers.Concatenate(name="z_and_label")([z, embedded])
    x = project_and_upsample(x, image_shape, base_filters, normalization)
    images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model([z, labels], images, name=name)


def conditional_dcgan_discriminator(
    image_shape=(28, 28, 1),
    num_classes=10,
    conditioning="projection",
    embedding_dim=50,
    base_filters=64,
    normalization="batch",
    name="discriminator",
):
    """A class-conditional DCGAN discriminator (see the module docstring).

    Args:
        image_shape: (height, width, channels), as for the generator.
        num_classes: number of labels.
        conditioning: "concat", "projection" or "auxiliary".
        embedding_dim: size of the label embedding of "concat" (projection's
            embedding has φ's size; "auxiliary" has none).
        base_filters: filters of the first convolution; each later one doubles.
        normalization: "batch", "sync_batch", "layer" or None. The first
            convolution is never normalized (DCGAN's rule).

    Returns:
        "concat"/"projection": a `keras.Model` from ``[images, labels]`` to
        logits (batch, 1). "auxiliary": from images to ``[logits (batch, 1),
        class_logits (batch, num_classes)]``. Its layer "features" is φ(x).
    """
    check_num_classes(num_classes)
    check_conditioning(conditioning)
    _, steps = _plan(image_shape)
    normalization = norm.resolve(normalization, True)
    images = keras.Input(tuple(image_shape), name="images")
    labels = label_input() if conditioning != "auxiliary" else None
    x = images
    if conditioning == "concat":
        height, width = image_shape[:2]
        plane = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
        plane = keras.layers.Dense(height * width, name="label_plane")(plane)
        plane = keras.layers.Reshape((height, width, 1))(plane)
        x = keras.layers.Concatenate(name="image_and_label")([images, plane])
    filters = base_filters
    for i in range(steps):
        x = keras.layers.Conv2D(
            filters, 4, strides=2, padding="same", use_bias=i == 0 or normalization is None,
            name=f"downsample_{i}",
        )(x)
        if i > 0 and (layer := norm.layer(normalization, f"norm_{i}")) is not None:
            x = layer(x)
        x = keras.layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
        filters *= 2
    features = keras.layers.Flatten(name=FEATURES_LAYER)(x)
    return discriminator_heads(images, labels, features, num_classes, conditioning, name)


def discriminator_heads(images, labels, features, num_classes, conditioning, name):
    """The output layers shared by the conditional DCGAN and MLP discriminators."""
    if conditioning == "concat":
        logits = keras.layers.Dense(1, dtype="float32", name="logits")(features)
        return keras.Model([images, labels], logits, name=name)
    if conditioning == "projection":
        psi = keras.layers.Dense(1, name="unconditional_logits")(features)
        logits = projection_logits(features, labels, num_classes, psi)
        return keras.Model([images, labels], logits, name=name)
    logits = keras.layers.Dense(1, dtype="float32", name="logits")(features)
    class_logits = keras.layers.Dense(num_classes, dtype="float32", name="class_logits")(features)
    return keras.Model(images, [logits, class_logits], name=name)
