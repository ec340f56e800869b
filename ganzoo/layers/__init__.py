"""Keras layers from the GAN literature."""

from ganzoo.layers.diff_augment import DiffAugment
from ganzoo.layers.fused_batch_norm import FusedBatchNormalization
from ganzoo.layers.minibatch_discrimination import MinibatchDiscrimination
from ganzoo.layers.packing import Pack, pack, packed_shape, unpack
from ganzoo.layers.spectral import spectral_norm
from ganzoo.layers.virtual_batch_norm import (
    DropReferenceBatch,
    ReferenceBatch,
    VirtualBatchNormalization,
)
