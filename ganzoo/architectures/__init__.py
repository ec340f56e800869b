"""Network builders: DCGAN for images, MLPs for 2-D mixtures."""

from ganzoo.architectures.dcgan import FEATURES_LAYER, dcgan_discriminator, dcgan_generator
from ganzoo.architectures.mlp import mlp_discriminator, mlp_generator
from ganzoo.architectures.normalization import uses_batch_statistics
