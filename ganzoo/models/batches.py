"""What a GAN's training step reads from its data.

A batch is images, ``(images, condition)`` or a tfds-style dict with
``"image"`` and optionally ``"label"``; the condition (class labels, or any
per-example tensor) is Keras' ``y``. With ``d_steps > 1`` and fresh real
batches (WGAN's Algorithm 1), one step reads ``d_steps`` batches at once:
`group_batches` stacks them into one batch of ``d_steps × B`` rows, and
`discriminator_slice` gives each D update its B rows.
"""

import keras
import numpy as np
import tensorflow as tf


def unpack_batch(data):
    """``(images, condition)`` of a batch; condition is None when absent.

    Keras' own unpacking (``keras.utils.unpack_x_y_sample_weight``): x is the
    images, y the condition. Sample weights are not supported.
    """
    if isinstance(data, dict):
        if "image" not in data:
            raise ValueError(f"A dict batch must hold an 'image' key; got keys {sorted(data)}")
        return data["image"], data.get("label")
    images, condition, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    if sample_weight is not None:
        raise ValueError("GANs take no sample weights; got a batch of (images, condition, sample_weight)")
    return images, condition


def discriminator_slice(tensor, index, num_slices):
    """Rows ``index, index + num_slices, ...`` of ``tensor`` (None stays None).

    Strided rather than contiguous: under tf.distribute each replica holds a
    contiguous share of the step's rows, and striding gives replica r rows
    [r·B/N, (r+1)·B/N) of every slice, the same rows one device gives it, so
    that a distributed step equals the single-device step.
    """
    if tensor is None or num_slices == 1:
        return tensor
    return tensor[index::num_slices]


def group_batches(dataset, num_batches):
    """``dataset`` with every ``num_batches`` consecutive batches merged
    into one batch. Batches of another size than the first (a last partial
    batch) and a trailing incomplete group are dropped."""
    batch_dim = tf.nest.flatten(dataset.element_spec)[0].shape[0]
    if batch_dim is None:
        dataset = dataset.scan(tf.constant(-1, tf.int32), _mark_full_batches)
        dataset = dataset.filter(_is_full).map(_element)

    def merge(*elements):
        element = elements[0] if len(elements) == 1 else elements
        # (num_batches, B, ...) → (num_batches · B, ...)
        merged = (None if batch_dim is None else num_batches * batch_dim)
        return tf.nest.map_structure(
            lambda t: tf.reshape(t, [-1 if merged is None else merged, *t.shape[2:]]), element
        )

    return dataset.batch(num_batches, drop_remainder=True).map(merge, num_parallel_calls=tf.data.AUTOTUNE)


def _is_full(full, element):
    return full


def _element(full, element):
    return element


def _mark_full_batches(first_size, element):
    """scan step: ``(first batch size, (is this batch that size, element))``."""
    size = tf.shape(tf.nest.flatten(element)[0])[0]
    first_size = tf.where(first_size < 0, size, first_size)
    return first_size, (tf.equal(size, first_size), element)


def check_images(images, image_shape):
    """Raises a ValueError unless ``images`` are float (batch, *image_shape)."""
    if images.dtype == tf.uint8 or (isinstance(images, np.ndarray) and images.dtype == np.uint8):
        raise ValueError(
            "Got uint8 images; ganzoo models expect float32 images in [-1, 1]. Convert "
            "with ganzoo.data.to_model_range(images) (x / 127.5 - 1) or load them with "
            "ganzoo.data.load(...)."
        )
    if not tf.as_dtype(images.dtype).is_floating:
        raise ValueError(f"Expected float images in [-1, 1]; got dtype {tf.as_dtype(images.dtype).name}")
    shape = tuple(images.shape)
    if len(shape) != len(image_shape) + 1:
        raise ValueError(
            f"Expected a batch of images of shape (batch, {', '.join(map(str, image_shape))}) "
            f"(rank {len(image_shape) + 1}); got shape {shape} (rank {len(shape)})"
        )
    if tuple(shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"Expected images of shape {tuple(image_shape)} (height, width, channels) for "
            f"this model; got {tuple(shape[1:])}"
        )
