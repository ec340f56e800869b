"""ganzoo: a Keras 3 model zoo of generative adversarial networks."""

from ganzoo import architectures, data, export, losses, models
from ganzoo.models import GAN, VanillaGAN

__version__ = "0.1.0"
