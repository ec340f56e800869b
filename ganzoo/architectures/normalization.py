"""The normalization choices shared by ganzoo's network builders.

"virtual_batch" (generators only) is virtual batch normalization (Salimans
et al. 2016, §3.4; `ganzoo.layers.VirtualBatchNormalization`): G prepends a
fixed reference batch of ``VIRTUAL_BATCH_REFERENCE_SIZE`` latent vectors to
every batch (`ganzoo.layers.ReferenceBatch`), normalises each example with
the reference's statistics plus its own, and drops the reference rows at the
end, so that one z's image does not depend on the rest of its batch. It
costs G a forward pass over the reference with every batch.
"""

import keras

NORMALIZATIONS = ("batch", "sync_batch", "layer", "virtual_batch", None)
# Reference examples of "virtual_batch" (a ganzoo choice: the paper gives none).
VIRTUAL_BATCH_REFERENCE_SIZE = 64


def resolve(normalization, batch_norm, generator=False):
    """Applies the ``batch_norm`` switch and validates ``normalization``.

    ``batch_norm=False`` is shorthand for ``normalization=None``;
    "virtual_batch" is accepted for generators only.
    """
    if batch_norm is False:
        normalization = None
    if normalization == "none":
        normalization = None
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"Unknown normalization {normalization!r}; expected one of {list(NORMALIZATIONS)}"
        )
    if normalization == "virtual_batch" and not generator:
        raise ValueError(
            "normalization='virtual_batch' is a generator option (Salimans et al. 2016 §3.4); "
            f"for a discriminator use one of {[n for n in NORMALIZATIONS if n != 'virtual_batch']}"
        )
    return normalization


def add_reference_batch(normalization, z):
    """``z`` with the fixed reference batch prepended under "virtual_batch"."""
    if normalization != "virtual_batch":
        return z
    from ganzoo.layers import ReferenceBatch

    return ReferenceBatch(VIRTUAL_BATCH_REFERENCE_SIZE, name="reference_batch")(z)


def drop_reference_batch(normalization, x):
    """``x`` without the reference rows under "virtual_batch"."""
    if normalization != "virtual_batch":
        return x
    from ganzoo.layers import DropReferenceBatch

    return DropReferenceBatch(VIRTUAL_BATCH_REFERENCE_SIZE, name="drop_reference_batch")(x)


def layer(normalization, name):
    """A new normalization layer, or None."""
    if normalization == "batch":
        # Keras' layer on TensorFlow's one-kernel batch norm in training
        # (`benchmarks/fused_batch_norm.py`); the same function and weights.
        from ganzoo.layers import FusedBatchNormalization

        return FusedBatchNormalization(name=name)
    if normalization == "sync_batch":
        # Batch statistics over the global batch under tf.distribute.
        return keras.layers.BatchNormalization(synchronized=True, name=name)
    if normalization == "layer":
        return keras.layers.LayerNormalization(name=name)
    if normalization == "virtual_batch":
        from ganzoo.layers import VirtualBatchNormalization

        return VirtualBatchNormalization(VIRTUAL_BATCH_REFERENCE_SIZE, name=name)
    return None


def uses_batch_statistics(model):
    """True if any layer of ``model`` normalizes across the batch."""
    return any(isinstance(l, keras.layers.BatchNormalization) for l in _all_layers(model))


def _all_layers(model):
    for l in model.layers:
        yield l
        if isinstance(l, keras.Model):
            yield from _all_layers(l)
