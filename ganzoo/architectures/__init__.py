"""Network builders: DCGAN for images, MLPs for 2-D mixtures, and each
variant's defaults (`default_networks`)."""

from ganzoo.architectures.dcgan import FEATURES_LAYER, dcgan_discriminator, dcgan_generator
from ganzoo.architectures.mlp import mlp_discriminator, mlp_generator
from ganzoo.architectures.normalization import uses_batch_statistics
from ganzoo.architectures.defaults import default_networks
