"""ganzoo: a Keras 3 model zoo of generative adversarial networks."""

from ganzoo import (
    architectures,
    callbacks,
    cards,
    data,
    distribute,
    export,
    layers,
    losses,
    metrics,
    models,
    zoo,
)
from ganzoo.models import (
    GAN,
    WGAN,
    WGANGP,
    PacGAN,
    SNGAN,
    FeatureMatchingGAN,
    MinibatchDiscriminationGAN,
    VanillaGAN,
)

__version__ = "0.1.0"
