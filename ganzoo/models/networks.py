"""What a GAN needs of its two networks, checked once at construction.

G maps z (batch, latent_dim), or ``[z, condition]``, to images; D maps
images, or ``[images, condition]``, to its outputs: one logit per image, or a
structure whose first element is that logit (e.g. ``(logit, class_logits)``
for an auxiliary classifier).
"""

import keras
import numpy as np

from ganzoo.architectures.normalization import uses_batch_statistics
from ganzoo.layers import MinibatchDiscrimination


def takes_condition(net):
    """Whether ``net`` has a second input, the condition."""
    return len(net.inputs) > 1


def net_inputs(net, first, condition):
    """``first`` or ``[first, condition]``, as ``net`` takes them."""
    if not takes_condition(net):
        return first
    if condition is None:
        raise ValueError(
            f"{net.name!r} takes a condition (its inputs are {[tuple(i.shape) for i in net.inputs]}) but "
            f"none was given: train on (images, labels) batches and pass labels= to generate"
        )
    return [first, condition]


def first_output(outputs):
    """D's adversarial logit: its output, or the first of its outputs."""
    return outputs if not isinstance(outputs, (tuple, list, dict)) else keras.tree.flatten(outputs)[0]


def couples_batch(net):
    """Whether D's output for one example depends on the others of its batch
    (batch norm, minibatch discrimination)."""
    if uses_batch_statistics(net):
        return True
    return any(isinstance(layer, MinibatchDiscrimination) for layer in _all_layers(net))


def _all_layers(net):
    for layer in net.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def check_networks(generator, discriminator, latent_dim):
    """Raises a clear error unless G and D fit each other and ``latent_dim``."""
    for role, net in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(net, keras.Model):
            raise TypeError(f"{role} must be a keras.Model; got {type(net).__name__}")
        if not net.built or not net.inputs:
            raise ValueError(f"{role} {getattr(net, 'name', net)!r} must be built (give it an Input shape)")
        if len(net.inputs) > 2:
            raise ValueError(
                f"{role} {net.name!r} has {len(net.inputs)} inputs; expected 1 (images or z) or 2 "
                f"(and a condition)"
            )
    if not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer; got {latent_dim!r}")
    z_shape = tuple(generator.inputs[0].shape)
    if z_shape[-1] != latent_dim:
        raise ValueError(f"latent_dim={latent_dim} does not match the generator's input shape {z_shape}")
    image_shape = tuple(keras.tree.flatten(generator.outputs)[0].shape[1:])
    d_input = tuple(discriminator.inputs[0].shape[1:])
    if d_input != image_shape:
        raise ValueError(
            f"The generator makes images of shape {image_shape} but the discriminator expects {d_input}"
        )
    if takes_condition(generator) and takes_condition(discriminator):
        g_condition, d_condition = (tuple(n.inputs[1].shape[1:]) for n in (generator, discriminator))
        if g_condition != d_condition:
            raise ValueError(
                f"The generator takes conditions of shape {g_condition} but the discriminator {d_condition}"
            )
    return image_shape
