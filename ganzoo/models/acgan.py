"""The auxiliary classifier GAN of Odena, Olah & Shlens 2017, "Conditional
Image Synthesis with Auxiliary Classifier GANs".

G makes an image for a class label c, G(z, c); D sees the image only and
outputs two things: P(S | X), real or fake, and P(C | X), the class. With

    L_S = E[log P(S = real | X_real)] + E[log P(S = fake | X_fake)],
    L_C = E[log P(C = c | X_real)] + E[log P(C = c | X_fake)],

D maximises L_S + L_C and G maximises L_C − L_S (the paper's §3). As losses
to minimise, with CE(c, ℓ) the softmax cross-entropy of class logits ℓ:

    L_D = adversarial D loss + λ · (CE(c, ℓ_real) + CE(c, ℓ_fake)),
    L_G = adversarial G loss + λ · CE(c, ℓ_fake).

The adversarial part is any objective of `ganzoo.losses` (``loss=``,
non-saturating by default, where G's −L_S becomes the non-saturating
−log D(G(z)) as for every ganzoo GAN). λ (``class_weight``) is 1 in the paper.

Where ganzoo departs from the paper: the fakes of a step are made for the
labels of the step's real batch rather than for labels drawn uniformly.

Example:

```python
g, d = ganzoo.ACGAN.build_networks((28, 28, 1), latent_dim=128, num_classes=10)
gan = ganzoo.ACGAN(generator=g, discriminator=d, latent_dim=128, num_classes=10)
```
"""

import keras
import tensorflow as tf

from ganzoo.models.conditional_gan import ConditionalGAN, _conditional_networks


def class_cross_entropy(labels, class_logits):
    """Mean softmax cross-entropy −log softmax(class_logits)[label], float32.

    Example: labels [0] and class_logits [[0., 0.]] give log 2 ≈ 0.693.
    """
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=tf.cast(class_logits, tf.float32)
    ))


@keras.saving.register_keras_serializable(package="ganzoo")
class ACGAN(ConditionalGAN):
    """An auxiliary classifier GAN trained on ``(images, labels)`` batches.

    Args:
        class_weight: λ, the weight of the class cross-entropy in both losses.
        **kwargs: `ganzoo.ConditionalGAN` arguments (num_classes, loss,
            label_smoothing, and the `ganzoo.GAN` ones). D maps images to
            ``[logits (batch, 1), class_logits (batch, num_classes)]``; build
            it with ``conditioning="auxiliary"``
            (`ganzoo.architectures.conditional_dcgan_discriminator`).
    """

    def __init__(self, *args, class_weight=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        outputs = self.discriminator.outputs
        if len(self.discriminator.inputs) != 1 or len(outputs) != 2 or outputs[1].shape[-1] != self.num_classes:
            raise ValueError(
                f"An ACGAN needs a discriminator from images to [logits (batch, 1), class_logits (batch, "
                f"{self.num_classes})]; {self.discriminator.name!r} maps {len(self.discriminator.inputs)} "
                f"input(s) to {[tuple(o.shape) for o in outputs]}. Build one with conditioning='auxiliary'."
            )
        if not float(class_weight) >= 0.0:
            raise ValueError(f"class_weight must be >= 0; got {class_weight!r}")
        self.class_weight = float(class_weight)

    def _labels(self, condition):
        if condition is None:
            raise ValueError("An ACGAN trains on (images, labels) batches; got images without labels")
        return condition

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        """The adversarial D loss on ``real_logits[0]``, ``fake_logits[0]``
        plus λ times the class cross-entropy of real and fake images."""
        labels = self._labels(condition)
        (real, real_classes), (fake, fake_classes) = real_logits, fake_logits
        adversarial = super().discriminator_loss(real, fake, condition=condition)
        classes = class_cross_entropy(labels, real_classes) + class_cross_entropy(labels, fake_classes)
        return adversarial + self.class_weight * classes

    def generator_loss(self, fake_logits, condition=None):
        """The adversarial G loss plus λ times the class cross-entropy of the
        fakes for the labels they were made for."""
        labels = self._labels(condition)
        fake, fake_classes = fake_logits
        adversarial = super().generator_loss(fake, condition=condition)
        return adversarial + self.class_weight * class_cross_entropy(labels, fake_classes)

    @classmethod
    def build_networks(cls, data_shape, latent_dim, num_classes=10):
        """Conditional DCGAN (images) or MLP (points) G, and D with an
        auxiliary classifier head."""
        return _conditional_networks(data_shape, latent_dim, num_classes, "auxiliary")

    def get_config(self):
        return {**super().get_config(), "class_weight": self.class_weight}
