"""A GAN whose discriminator sees whole minibatches (Salimans et al. 2016,
"Improved Techniques for Training GANs", §3.2).

D carries a `ganzoo.layers.MinibatchDiscrimination` layer before its last
dense layer, so its score of a sample depends on how similar the sample is to
the rest of its batch. A collapsed generator makes batches of near-identical
fakes, whose o(x) is far larger than that of real batches: D learns to reject
them and G is pushed to spread out.

**Real and fake batches are scored separately.** o(x) compares x with the
other samples *of the batch D is called on*. In one merged batch of real and
generated samples (the base class's default) every o(x) would mix similarities
to reals and to fakes, and D could read the labels from the batch composition
instead of learning what real data looks like. So D is called once on the
real half and once on the fake half (``discriminator_sees_halves``), as in
the paper's code; G's objective scores G's fakes within a fake-only group too.

This is the same game as the merged batch of Goodfellow et al. 2014: D
minimises the same loss, the mean cross-entropy of the real half labelled 1
plus that of the fake half labelled 0 (the halves have equal size, so this is
twice the merged batch's mean cross-entropy, exactly as in the base class),
and takes one gradient step on it: one D update that sees both halves. The
only change is that o(x), and batch-norm statistics if D has batch norm, are
computed within the real-only and the fake-only group. Under tf.distribute
the groups are each replica's share of the real and of the fake batch.
"""

import keras

from ganzoo.layers import MinibatchDiscrimination
from ganzoo.models.vanilla_gan import VanillaGAN


@keras.saving.register_keras_serializable(package="ganzoo")
class MinibatchDiscriminationGAN(VanillaGAN):
    """A GAN whose discriminator has a minibatch-discrimination layer.

    Args:
        **kwargs: `ganzoo.VanillaGAN` arguments (generator, discriminator,
            latent_dim, loss, label_smoothing, d_steps, seed, track_meters).
            ``discriminator`` must contain a
            `ganzoo.layers.MinibatchDiscrimination` layer;
            `ganzoo.architectures.default_networks`
            (and the architectures' ``minibatch_discrimination=`` option)
            makes one.

    Example:

    ```python
    g, d = ganzoo.MinibatchDiscriminationGAN.build_networks((2,), latent_dim=8)
    gan = ganzoo.MinibatchDiscriminationGAN(generator=g, discriminator=d, latent_dim=8)
    gan.compile()
    gan.fit(ganzoo.data.load("grid25", batch_size=256), epochs=1)
    ```
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not _has_minibatch_layer(self.discriminator):
            raise ValueError(
                f"MinibatchDiscriminationGAN needs a discriminator with a "
                f"ganzoo.layers.MinibatchDiscrimination layer; {self.discriminator.name!r} has "
                f"none. Build one with MinibatchDiscriminationGAN.build_networks(...) or "
                f"mlp_discriminator/dcgan_discriminator(minibatch_discrimination=(B, C)), "
                f"or use VanillaGAN."
            )
        # The base class's per-half calls: D on the real-only batch, then on
        # the fake-only batch; G's step scores its fakes alone.
        self.discriminator_sees_halves = True


def _has_minibatch_layer(model):
    for layer in model.layers:
        if isinstance(layer, MinibatchDiscrimination):
            return True
        if isinstance(layer, keras.Model) and _has_minibatch_layer(layer):
            return True
    return False
