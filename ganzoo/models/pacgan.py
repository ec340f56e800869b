"""PacGAN (Lin, Khetan, Fanti & Oh 2018, "PacGAN: The power of two samples
in generative adversarial networks").

D judges m samples at once, all real or all generated, concatenated along
their last axis (`ganzoo.layers.Pack` as D's first layer): a generator that
drops modes makes packs that look alike far more often than real packs do,
and a packed D penalises that. The losses are the non-saturating GAN's
(any `VanillaGAN` loss works); only D's input changes.

`PacGAN.build_networks` packs m = 4 samples (the paper's best setting on
its 2-D grid); any discriminator with a Pack layer works (the architectures'
``packing=m``). Every batch of real and of fake samples must be a multiple
of m (checked by the base class).
"""

import keras

from ganzoo.models.vanilla_gan import VanillaGAN


@keras.saving.register_keras_serializable(package="ganzoo")
class PacGAN(VanillaGAN):
    """A GAN whose discriminator packs m samples per decision.

    Args:
        **kwargs: `ganzoo.VanillaGAN` arguments. ``discriminator`` must
            start with a `ganzoo.layers.Pack` layer.

    Example:

    ```python
    g, d = ganzoo.PacGAN.build_networks((2,), latent_dim=2)  # packing 4
    gan = ganzoo.PacGAN(generator=g, discriminator=d, latent_dim=2)
    gan.compile()
    gan.fit(ganzoo.data.load("grid25", batch_size=256), epochs=1)
    ```
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.packing < 2:
            raise ValueError(
                f"PacGAN needs a discriminator that packs ≥ 2 samples (a ganzoo.layers.Pack layer); "
                f"{self.discriminator.name!r} has none. Build one with PacGAN.build_networks(...) or "
                "mlp_discriminator/dcgan_discriminator(packing=m)."
            )
