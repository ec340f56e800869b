"""SNGAN: spectral normalization of the discriminator with the hinge loss
(Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for
Generative Adversarial Networks").

Every weight matrix W of D is divided by its largest singular value σ(W)
(one power iteration per step), which bounds D's Lipschitz constant by 1
without a gradient penalty. D and G play the hinge game

    L_D = E_x[max(0, 1 - D(x))] + E_z[max(0, 1 + D(G(z)))],
    L_G = -E_z[D(G(z))],

with Adam(α = 2e-4, β1 = 0, β2 = 0.9) for both nets, the paper's setting for
its ResNet CIFAR-10/STL-10 experiments, where it comes with n_dis = 5 D
updates per G update. ganzoo keeps that pairing: ``d_steps`` defaults to 5
(each on its own real batch, as in the reference code), because β1 = 0 and
a single D step were not the paper's combination. Pass ``d_steps=1`` for the
cheaper schedule of the paper's standard-CNN settings B/C. The spectral norm
is that of `keras.layers.SpectralNormalization` (see
`ganzoo.layers.spectral` for how it departs from the paper).
"""

import keras

from ganzoo.models.vanilla_gan import VanillaGAN


@keras.saving.register_keras_serializable(package="ganzoo")
class SNGAN(VanillaGAN):
    """A hinge-loss GAN whose discriminator is spectrally normalized.

    Args:
        **kwargs: `ganzoo.VanillaGAN` arguments; ``loss`` defaults to
            "hinge". ``discriminator`` must contain
            `keras.layers.SpectralNormalization` layers:
            ``SNGAN.build_networks`` (the architectures'
            ``spectral_norm=True``) makes one.

    Example:

    ```python
    g, d = ganzoo.SNGAN.build_networks((28, 28, 1), latent_dim=128)
    gan = ganzoo.SNGAN(generator=g, discriminator=d, latent_dim=128)
    gan.compile()  # Adam(2e-4, 0, 0.9) for both nets
    ```
    """

    default_d_steps = 5
    default_fresh_real_batches = True

    def __init__(self, *args, loss="hinge", **kwargs):
        super().__init__(*args, loss=loss, **kwargs)
        if not _spectrally_normalized(self.discriminator):
            raise ValueError(
                f"SNGAN needs a spectrally normalized discriminator; {self.discriminator.name!r} has no "
                "keras.layers.SpectralNormalization layer. Build one with SNGAN.build_networks(...) or "
                "dcgan_discriminator/mlp_discriminator(spectral_norm=True, normalization=None)."
            )

    @classmethod
    def default_optimizers(cls):
        """Adam(2e-4, β1 = 0, β2 = 0.9) for D and for G (the paper's)."""
        return (keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
                keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9))


def _spectrally_normalized(model):
    return any(
        isinstance(layer, keras.layers.SpectralNormalization)
        or (isinstance(layer, keras.Model) and _spectrally_normalized(layer))
        for layer in model.layers
    )
