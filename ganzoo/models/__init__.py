"""GAN variants, each a short subclass of `ganzoo.models.gan.GAN`.

``MODELS`` maps the names used by ``python -m ganzoo.train --model=...`` to a
class; ``get(name)`` resolves one with a clear error.
"""

from ganzoo.models.gan import GAN
from ganzoo.models.vanilla_gan import VanillaGAN
from ganzoo.models.feature_matching_gan import FeatureMatchingGAN
from ganzoo.models.minibatch_discrimination_gan import MinibatchDiscriminationGAN
from ganzoo.models.wgan import WGAN
from ganzoo.models.wgan_gp import WGANGP
from ganzoo.models.conditional_gan import ConditionalGAN
from ganzoo.models.acgan import ACGAN
from ganzoo.models.sngan import SNGAN
from ganzoo.models.pacgan import PacGAN

MODELS = {
    "vanilla": VanillaGAN,
    "feature_matching": FeatureMatchingGAN,
    "minibatch_discrimination": MinibatchDiscriminationGAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
    "conditional": ConditionalGAN,
    "acgan": ACGAN,
    "sngan": SNGAN,
    "pacgan": PacGAN,
}


def get(name):
    """Returns the GAN class registered as ``name``."""
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; available: {sorted(MODELS)}")
    return MODELS[name]
