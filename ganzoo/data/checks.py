"""Cheap checks that training data is what a ganzoo GAN expects.

Images must be float32 in [-1, 1] (`to_model_range` converts uint8 images),
and every value must be finite. Images in [0, 255] or with a NaN train
without any error, on garbage: a NaN makes every loss NaN, and [0, 255]
images make D's job trivial. These checks turn both into a clear error.

* `check_batch` is a TensorFlow-side check, cheap enough for every batch of
  a ``train_step`` (two reductions over the batch);
* `check_examples` checks the first examples of a dataset eagerly, before
  ``fit``, with the actual minimum and maximum in the message.
"""

import numpy as np
import tensorflow as tf

IMAGE_RANGE = (-1.0, 1.0)
# Slack for interpolation round-off (bilinear resizing stays in range; bicubic may overshoot a little).
RANGE_TOLERANCE = 1e-3
_HINT = (
    "ganzoo models expect float32 images in [-1, 1]: convert uint8 images with "
    "ganzoo.data.to_model_range(images) (x / 127.5 - 1), or load them with ganzoo.data.load(...)"
)


def _is_images(batch):
    """A batch of images is (batch, height, width, channels); 2-D points (batch, 2) have no range."""
    return batch.shape.rank == 4


def check_batch(batch):
    """Raises at run time unless ``batch`` is finite (and, for images, in [-1, 1]).

    Works eagerly and inside a ``tf.function`` (e.g. a ``train_step``): the
    checks are TensorFlow assert ops, which raise ``InvalidArgumentError``
    with the message below when the step runs. Under XLA
    (``jit_compile=True``) TensorFlow drops assert ops, so nothing is checked.

    Args:
        batch: float tensor, images (batch, height, width, channels) or 2-D
            points (batch, dims).

    Returns:
        ``batch``, after the checks (use the returned tensor so that the
        checks run before the step reads it).

    Example:

    ```python
    real_images = ganzoo.data.check_batch(real_images)  # first thing in a train_step
    ```
    """
    batch = tf.convert_to_tensor(batch)
    if not batch.dtype.is_floating:
        raise ValueError(f"Expected a float batch; got dtype {batch.dtype.name}. {_HINT}")
    values = tf.cast(batch, tf.float32)
    checks = [
        tf.debugging.assert_equal(
            tf.reduce_all(tf.math.is_finite(values)), True,
            message=f"The training batch holds NaN or Inf values. {_HINT}",
        )
    ]
    if _is_images(batch):
        low, high = IMAGE_RANGE
        checks.append(
            tf.debugging.assert_less_equal(
                tf.reduce_max(tf.abs(values)), high + RANGE_TOLERANCE,
                message=f"The training images are not in [{low:g}, {high:g}] (max |x| shown below). {_HINT}",
            )
        )
    with tf.control_dependencies(checks):
        return tf.identity(batch)


def check_examples(examples, num=256):
    """Checks the first ``num`` examples of ``examples`` eagerly; raises ValueError naming the range found.

    Args:
        examples: a `tf.data.Dataset` of examples (images or points), unbatched,
            or of ``(example, label)`` pairs or ``{"image": ...}`` dicts.
        num: examples to check.

    Returns:
        The number of examples checked.
    """
    first = next(iter(examples.batch(num).take(1)), None)
    if first is None:
        return 0
    if isinstance(first, dict):
        first = first.get("image", next(iter(first.values())))
    elif isinstance(first, (tuple, list)):
        first = first[0]
    values = np.asarray(first)
    if values.dtype.kind != "f":
        raise ValueError(f"The training examples are {values.dtype} (not float). {_HINT}")
    if not np.isfinite(values).all():
        bad = int(np.size(values) - np.isfinite(values).sum())
        raise ValueError(f"The first {len(values)} training examples hold {bad} NaN or Inf values. {_HINT}")
    low, high = IMAGE_RANGE
    if values.ndim == 4 and np.abs(values).max() > high + RANGE_TOLERANCE:
        raise ValueError(
            f"The training images are in [{values.min():.4g}, {values.max():.4g}], not in [{low:g}, {high:g}]. "
            f"{_HINT}"
        )
    return len(values)
