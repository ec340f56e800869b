"""WGAN-GP of Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".

The Wasserstein objective of `ganzoo.models.wgan`, with the Lipschitz
constraint enforced by a gradient penalty instead of weight clipping
(Algorithm 1): the critic minimises

    E_z[D(G(z))] - E_x[D(x)] + λ E_x̂[(‖∇_x̂ D(x̂)‖₂ - 1)²],
    x̂ = ε x + (1 - ε) G(z),  ε ~ U[0, 1] per sample,

with λ = 10, n_critic = 5 and Adam(1e-4, β1 = 0, β2 = 0.9). The penalty is
per sample, so the critic must not normalise across the batch: no batch norm.
The paper's MNIST critic has no normalization at all, and layer norm is its
suggested drop-in replacement for deeper critics.
"""

import numbers

import keras
import tensorflow as tf

from ganzoo import architectures, losses
from ganzoo.models.gan import GAN
from ganzoo.models.networks import first_output


@keras.saving.register_keras_serializable(package="ganzoo")
class WGANGP(GAN):
    """A Wasserstein GAN with gradient penalty (Gulrajani et al. 2017).

    Args:
        gp_weight: λ, the weight of the gradient penalty (the paper's 10).
        **kwargs: `ganzoo.GAN` arguments (generator, discriminator,
            latent_dim, d_steps (5 by default), seed, track_meters,
            fresh_real_batches (True by default, as in Algorithm 1). The
            discriminator must not use batch statistics: build it with
            ``normalization="layer"`` or ``None``.

    Logs ``gradient_penalty``, the term λ·GP added to ``d_loss``. The
    d_real/d_fake meters report the critic's raw mean scores.

    Under tf.distribute the penalty is computed per replica, on the replica's
    share of the batch, each replica drawing its own ε; like every loss it is
    then averaged over replicas through the summed gradients.

    Example:

    ```python
    g, d = ganzoo.WGANGP.build_networks((28, 28, 1), latent_dim=128)  # critic without norm
    gan = ganzoo.WGANGP(generator=g, discriminator=d, latent_dim=128)
    gan.compile()  # Adam(1e-4, β1=0, β2=0.9) for both
    ```
    """

    outputs_are_logits = False
    default_d_steps = 5
    # Algorithm 1: every critic update samples its own real batch.
    default_fresh_real_batches = True

    def __init__(self, *args, gp_weight=10.0, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(gp_weight, bool) or not isinstance(gp_weight, numbers.Real) or gp_weight < 0:
            raise ValueError(f"gp_weight must be a non-negative number; got {gp_weight!r}")
        if architectures.uses_batch_statistics(self.discriminator):
            batch_norms = _batch_norm_layer_names(self.discriminator)
            raise ValueError(
                f"WGAN-GP penalises the critic's gradient per sample, but the discriminator "
                f"{self.discriminator.name!r} normalises across the batch in layer(s) "
                f"{batch_norms}. Build it with normalization=\"layer\" or normalization=None, "
                f"e.g. ganzoo.architectures.dcgan_discriminator(shape, normalization=\"layer\")."
            )
        self.gp_weight = float(gp_weight)

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        return losses.wasserstein_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, condition=None):
        return losses.wasserstein_generator_loss(fake_logits)

    def discriminator_regularizers(self, real_images, fake_images, real_logits, fake_logits, input_tape,
                                   condition=None):
        """``{"gradient_penalty": λ·GP}``, with ε drawn from the model's seed.

        The penalty is taken at interpolates x̂, so it needs its own pass of D
        (D's outputs on the real and fake batches are not used).
        """
        # One ε per sample, drawn for the global batch: a step on N replicas
        # uses the same ε as one device would.
        batch_size = real_images.shape[0] or tf.shape(real_images)[0]
        epsilon = self.draw_random(batch_size, (1,) * (len(real_images.shape) - 1), "uniform")
        def critic(images, training):
            return first_output(self.apply_discriminator(images, condition, training))

        penalty = losses.gradient_penalty(critic, real_images, fake_images, epsilon=epsilon)
        return {"gradient_penalty": self.gp_weight * penalty}

    @classmethod
    def default_optimizers(cls):
        """Adam(1e-4, β1 = 0, β2 = 0.9) for both (Gulrajani et al. 2017)."""
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        )

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight}


def _batch_norm_layer_names(model):
    """Names of the layers of ``model`` (nested models included) that
    normalise across the batch."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            names.append(layer.name)
        if isinstance(layer, keras.Model):
            names.extend(_batch_norm_layer_names(layer))
    return names
