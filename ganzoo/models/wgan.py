"""The Wasserstein GAN of Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN".

The critic f (the discriminator, with raw scores instead of logits) estimates
the Earth-Mover distance by Kantorovich-Rubinstein duality,

    W(P_r, P_g) = sup_{‖f‖_L ≤ 1}  E_x[f(x)] - E_z[f(G(z))],

so the critic minimises  E_z[f(G(z))] - E_x[f(x)]  and the generator minimises
-E_z[f(G(z))] (`ganzoo.losses.wasserstein_*`). The Lipschitz constraint is
enforced crudely by clipping every critic weight to [-c, c] after every critic
update (Algorithm 1), and the critic is trained ``n_critic = 5`` times per
generator step with RMSprop(5e-5): momentum-based optimisers made training
unstable in the paper.
"""

import numbers

import keras
import tensorflow as tf

from ganzoo import losses
from ganzoo.models.gan import GAN


@keras.saving.register_keras_serializable(package="ganzoo")
class WGAN(GAN):
    """A Wasserstein GAN with weight clipping (Arjovsky et al. 2017).

    Args:
        clip_value: c, a positive float. Every trainable critic weight is
            clipped to [-c, c] after each critic update; the paper's 0.01.
            Non-trainable state (batch-norm moving statistics) is not a
            parameter of f and is left alone.
        **kwargs: `ganzoo.GAN` arguments (generator, discriminator,
            latent_dim, d_steps (5 by default), seed, track_meters,
            fresh_real_batches (True by default: each critic update draws
            its own real batch, as in Algorithm 1)).

    The d_real/d_fake meters report the critic's raw mean scores.

    Example:

    ```python
    g, d = ganzoo.WGAN.build_networks((28, 28, 1), latent_dim=128)
    gan = ganzoo.WGAN(generator=g, discriminator=d, latent_dim=128)
    gan.compile()  # RMSprop(5e-5) for both
    ```
    """

    outputs_are_logits = False
    default_d_steps = 5
    # Algorithm 1: every critic update samples its own real batch.
    default_fresh_real_batches = True

    def __init__(self, *args, clip_value=0.01, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real) or not clip_value > 0:
            raise ValueError(f"clip_value must be a positive number; got {clip_value!r}")
        self.clip_value = float(clip_value)

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        return losses.wasserstein_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, condition=None):
        return losses.wasserstein_generator_loss(fake_logits)

    def after_discriminator_step(self):
        """Clips every trainable critic weight to [-c, c]."""
        # tf.Variables (mirrored under tf.distribute), updated like the
        # optimizer updates them: in cross-replica context, on every copy.
        variables = [v.value for v in self.discriminator.trainable_variables]
        c = self.clip_value

        def clip_all(strategy):
            for variable in variables:
                strategy.extended.update(
                    variable, lambda v: v.assign(tf.clip_by_value(v, -c, c)), group=False
                )

        context = tf.distribute.get_replica_context()
        if context is None:
            clip_all(tf.distribute.get_strategy())
        else:
            context.merge_call(clip_all)

    @classmethod
    def default_optimizers(cls):
        """RMSprop(5e-5) for the critic and the generator (Arjovsky et al. 2017)."""
        return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)

    def get_config(self):
        return {**super().get_config(), "clip_value": self.clip_value}
