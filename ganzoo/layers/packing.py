"""Packing (Lin, Khetan, Fanti & Oh 2018, "PacGAN: The power of two samples in
generative adversarial networks").

A packed discriminator D_m judges m samples at once, all real or all
generated, instead of one. A generator that drops modes produces packs
that look alike far more often than real packs do, and D_m sees that: the
paper shows packing penalises mode collapse strongly while changing
nothing else (same losses, same networks but for D's input width).

Packing concatenates the m samples along their last axis: channels for
images, (height, width, m·channels); features for points, (m·features,).
Here pack k is made of the m consecutive rows [k·m, (k+1)·m) of a batch,
which keeps every pack all-real or all-fake in a merged real-then-fake
batch whose halves are multiples of m. The reference code instead
concatenates m separately generated sub-batches (pack k = row k of each);
for i.i.d. samples the packs have the same distribution.
"""

import numbers

import keras
from keras import ops


def _check_packing(packing):
    if isinstance(packing, bool) or not isinstance(packing, numbers.Integral) or packing < 1:
        raise ValueError(f"packing must be a positive integer (samples per pack); got {packing!r}")
    return int(packing)


def packed_shape(sample_shape, packing):
    """The shape of one pack: (h, w, c) → (h, w, m·c); (d,) → (m·d,).

    Build the packed discriminator for this input shape.
    """
    packing = _check_packing(packing)
    sample_shape = tuple(sample_shape)
    if not sample_shape or sample_shape[-1] is None:
        raise ValueError(f"Packing needs samples with a known last axis; got sample shape {sample_shape}")
    return (*sample_shape[:-1], packing * sample_shape[-1])


def pack(samples, packing):
    """(m·B, ..., c) → (B, ..., m·c): rows [k·m, (k+1)·m) become pack k.

    Pack k's last axis holds sample k·m first, then k·m + 1, ..., each with
    its c channels (features) in order.

    Raises:
        ValueError: if the batch is statically known and not a multiple of m.
    """
    packing = _check_packing(packing)
    samples = ops.convert_to_tensor(samples)
    batch = samples.shape[0]
    if batch is not None and batch % packing:
        raise ValueError(f"A batch of {batch} samples cannot be split into packs of {packing}")
    if packing == 1:
        return samples
    inner = tuple(samples.shape[1:])  # (..., c)
    if None in inner:
        raise ValueError(f"Packing needs a known sample shape; got {tuple(samples.shape)}")
    rank = len(inner)
    # (B, m, ..., c) → (B, ..., m, c) → (B, ..., m·c)
    grouped = ops.reshape(samples, (-1, packing, *inner))
    order = (0, *range(2, rank + 1), 1, rank + 1)
    return ops.reshape(ops.transpose(grouped, order), (-1, *packed_shape(inner, packing)))


def unpack(packed, packing):
    """The inverse of `pack`: (B, ..., m·c) → (m·B, ..., c)."""
    packing = _check_packing(packing)
    packed = ops.convert_to_tensor(packed)
    inner = tuple(packed.shape[1:])
    if not inner or None in inner or inner[-1] % packing:
        raise ValueError(
            f"Cannot unpack shape {tuple(packed.shape)} into {packing} samples: its last axis "
            f"must be a known multiple of {packing}"
        )
    if packing == 1:
        return packed
    rank = len(inner)
    channels = inner[-1] // packing
    # (B, ..., m·c) → (B, ..., m, c) → (B, m, ..., c) → (m·B, ..., c)
    split = ops.reshape(packed, (-1, *inner[:-1], packing, channels))
    order = (0, rank, *range(1, rank), rank + 1)
    return ops.reshape(ops.transpose(split, order), (-1, *inner[:-1], channels))


@keras.saving.register_keras_serializable(package="ganzoo")
class Pack(keras.layers.Layer):
    """`pack` as a layer: put it first in D so that D takes ordinary batches.

    Input (m·B, ..., c) → output (B, ..., m·c); D then returns B logits for
    m·B samples. Feed it batches whose real and fake parts are each a
    multiple of m.

    Args:
        packing: m, the samples per pack (the paper's 2 to 4).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    points = keras.Input((2,))
    x = ganzoo.layers.Pack(4)(points)  # (batch / 4, 8)
    x = keras.layers.Dense(128, activation="leaky_relu")(x)
    discriminator = keras.Model(points, keras.layers.Dense(1)(x))
    ```
    """

    def __init__(self, packing, **kwargs):
        super().__init__(**kwargs)
        self.packing = _check_packing(packing)

    def call(self, samples):
        return pack(samples, self.packing)

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.packing
        return (batch, *packed_shape(input_shape[1:], self.packing))

    def get_config(self):
        return {**super().get_config(), "packing": self.packing}
