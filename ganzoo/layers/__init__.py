"""Keras layers from the GAN literature."""

from ganzoo.layers.minibatch_discrimination import MinibatchDiscrimination
