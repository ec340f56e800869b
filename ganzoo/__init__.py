"""ganzoo: a Keras 3 model zoo of generative adversarial networks."""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m ganzoo.<command>`: quiet TensorFlow's start-up (ganzoo.cli)
    from ganzoo import quiet_start as _quiet_start

    _quiet_start.begin()

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
    FeatureMatchingGAN,
    MinibatchDiscriminationGAN,
    VanillaGAN,
)

__version__ = "0.1.0"
