"""The conditional GAN of Mirza & Osindero 2014, "Conditional Generative
Adversarial Nets".

Both players see the class label y: G maps (z, y) to an image and D scores
(x, y) pairs, so the game becomes

    min_G max_D  E_{x,y}[log D(x, y)] + E_{z,y}[log(1 - D(G(z, y), y))].

D must reject a real image shown with a wrong label as well as a fake: G can
only win by making images of the class it is asked for. Any objective of
`ganzoo.losses` replaces the cross-entropy (``loss="hinge"`` ...), exactly as
in `ganzoo.VanillaGAN`; the losses are unchanged, only D's logits depend on y.

How D sees y is its architecture's business (`ganzoo.architectures.
conditional_dcgan_discriminator`): concatenated to the input (the paper), or
by projection, logit = ψ(φ(x)) + ⟨v(y), φ(x)⟩ (Miyato & Koyama 2018), the
default of `build_networks` and of ``python -m ganzoo.train --model=conditional``.

Where ganzoo departs from the paper: the fakes of a step are made for the
labels of the step's real batch (the labels' empirical distribution), not for
labels drawn independently; both have the data's label distribution.

Example:

```python
g, d = ganzoo.ConditionalGAN.build_networks((28, 28, 1), latent_dim=128, num_classes=10)
gan = ganzoo.ConditionalGAN(generator=g, discriminator=d, latent_dim=128, num_classes=10)
gan.compile()
gan.fit(ganzoo.data.load("fashion_mnist", with_labels=True), epochs=1)
sneakers = gan.generate(16, seed=0, labels=7)
```
"""

import keras
import numpy as np
import tensorflow as tf

from ganzoo.models.vanilla_gan import VanillaGAN


@keras.saving.register_keras_serializable(package="ganzoo")
class ConditionalGAN(VanillaGAN):
    """A class-conditional GAN trained on ``(images, labels)`` batches.

    Args:
        num_classes: labels are integers in [0, num_classes).
        loss: a name from `ganzoo.losses.CATALOG` or a pair of callables, as
            for `ganzoo.VanillaGAN`.
        label_smoothing: one-sided label smoothing of the cross-entropy losses.
        **kwargs: `ganzoo.GAN` arguments. G takes ``[z, labels]``; D takes
            ``[images, labels]`` (or images only, for `ganzoo.ACGAN`).
    """

    # ``python -m ganzoo.train`` loads the data with labels for these models.
    conditional = True

    def __init__(self, *args, num_classes, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2; got {num_classes!r}")
        if len(self.generator.inputs) != 2:
            raise ValueError(
                f"A {type(self).__name__} needs a generator taking [z, labels]; {self.generator.name!r} takes "
                f"{len(self.generator.inputs)} input(s). Build one with "
                f"ganzoo.architectures.conditional_dcgan_generator or {type(self).__name__}.build_networks."
            )
        self.num_classes = int(num_classes)

    # -------------------------------------------------------------- sampling
    def check_labels(self, labels, num):
        """`check_class_labels` for this GAN's ``num_classes``."""
        return check_class_labels(labels, num, self.num_classes)

    def generate(self, num, seed=None, batch_size=256, labels=None):
        """Samples ``num`` images for ``labels``, as float32 numpy in [-1, 1].

        Args:
            num: how many images.
            seed: the same seed gives the same z, hence the same images for
                the same labels (the z of `ganzoo.GAN.generate`).
            labels: one label for all images (an int) or one per image (num
                of them). None gives image i the label i mod num_classes.
        """
        if not isinstance(num, (int, np.integer)) or num < 1:
            raise ValueError(f"num must be a positive integer; got {num!r}")
        num = int(num)
        labels = self.check_labels(np.arange(num) % self.num_classes if labels is None else labels, num)
        if seed is None:
            seed = np.random.randint(2**31 - 1)
        z = tf.random.stateless_normal((num, self.latent_dim), seed=[int(seed), 0])
        labels = tf.constant(labels)  # a tensor, as z: Keras refuses a list mixing tensors and arrays
        chunks = [
            tf.cast(self.apply_generator(z[i : i + batch_size], labels[i : i + batch_size]), tf.float32)
            for i in range(0, num, batch_size)
        ]
        return tf.concat(chunks, axis=0).numpy()

    # ------------------------------------------------------------- networks
    @classmethod
    def build_networks(cls, data_shape, latent_dim, num_classes=10, conditioning="projection"):
        """Conditional DCGAN nets for images, conditional MLPs for points.

        Args:
            data_shape: (height, width, channels) or (dims,).
            latent_dim: size of z.
            num_classes: number of labels.
            conditioning: how D sees the label: "projection" (Miyato &
                Koyama 2018) or "concat" (Mirza & Osindero 2014).
        """
        if conditioning not in ("projection", "concat"):
            raise ValueError(f"{cls.__name__}'s D takes conditioning 'projection' or 'concat'; got {conditioning!r}")
        return _conditional_networks(data_shape, latent_dim, num_classes, conditioning)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def check_class_labels(labels, num, num_classes):
    """``labels`` as int32 (num,), from one label for all or one per sample.

    Raises a ValueError naming the bad value for a float or boolean dtype,
    a label outside [0, num_classes) or a batch size other than ``num``.
    """
    array = np.asarray(labels)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"labels must be integers in [0, {num_classes}); got dtype {array.dtype} ({labels!r:.80})")
    if array.ndim == 0 or array.shape == (1,):
        array = np.full((num,), array.reshape(()))
    if array.shape != (num,):
        raise ValueError(
            f"labels must be one label for all samples or one per sample, shape ({num},); got shape {array.shape}"
        )
    bad = array[(array < 0) | (array >= num_classes)]
    if bad.size:
        raise ValueError(f"labels must be in [0, {num_classes}); got {sorted(set(bad.tolist()))[:10]}")
    return array.astype(np.int32)


def _conditional_networks(data_shape, latent_dim, num_classes, conditioning):
    from ganzoo import architectures

    data_shape = tuple(data_shape)
    if len(data_shape) == 3:
        return (
            architectures.conditional_dcgan_generator(data_shape, latent_dim, num_classes),
            architectures.conditional_dcgan_discriminator(data_shape, num_classes, conditioning),
        )
    if len(data_shape) == 1:
        return (
            architectures.conditional_mlp_generator(latent_dim, data_shape[0], num_classes),
            architectures.conditional_mlp_discriminator(data_shape[0], num_classes, conditioning),
        )
    raise ValueError(f"data_shape must be (height, width, channels) or (dims,); got {data_shape}")
