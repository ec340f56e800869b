"""The normalization choices shared by ganzoo's network builders."""

import keras

NORMALIZATIONS = ("batch", "sync_batch", "layer", None)


def resolve(normalization, batch_norm):
    """Applies the ``batch_norm`` switch and validates ``normalization``.

    ``batch_norm=False`` is shorthand for ``normalization=None``.
    """
    if batch_norm is False:
        normalization = None
    if normalization == "none":
        normalization = None
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"Unknown normalization {normalization!r}; expected one of {list(NORMALIZATIONS)}"
        )
    return normalization


def layer(normalization, name):
    """A new normalization layer, or None."""
    if normalization == "batch":
        return keras.layers.BatchNormalization(name=name)
    if normalization == "sync_batch":
        # Batch statistics over the global batch under tf.distribute.
        return keras.layers.BatchNormalization(synchronized=True, name=name)
    if normalization == "layer":
        return keras.layers.LayerNormalization(name=name)
    return None


def uses_batch_statistics(model):
    """True if any layer of ``model`` normalizes across the batch."""
    return any(isinstance(l, keras.layers.BatchNormalization) for l in _all_layers(model))


def _all_layers(model):
    for l in model.layers:
        yield l
        if isinstance(l, keras.Model):
            yield from _all_layers(l)
