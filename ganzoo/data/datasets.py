"""`ganzoo.data.load`: training data as a `tf.data.Dataset` ready for `fit`."""

import os

import numpy as np
import tensorflow as tf

from ganzoo.data import idx
from ganzoo.data.mixtures import MIXTURES
from ganzoo.utils import network

# Datasets cached in memory only below this many bytes of float32 images.
_CACHE_LIMIT_BYTES = 2 * 1024**3
_TFDS_HOST = ("storage.googleapis.com", 443)


def to_model_range(images):
    """uint8 images in [0, 255] → float32 in [-1, 1] (x / 127.5 - 1)."""
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        raise ValueError(f"to_model_range expects uint8 images in [0, 255]; got {images.dtype.name}")
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def to_uint8(images):
    """float images in [-1, 1] → uint8 in [0, 255], clipped and rounded."""
    images = tf.convert_to_tensor(images, tf.float32)
    return tf.cast(tf.round(tf.clip_by_value((images + 1.0) * 127.5, 0.0, 255.0)), tf.uint8)


def available():
    """Names that `load` accepts besides any tfds image dataset."""
    return sorted(MIXTURES) + ["fashion_mnist"]


def num_classes(name, data_dir=None):
    """How many labels ``load(name, with_labels=True)`` yields: the modes of
    a 2-D mixture, 10 for Fashion-MNIST, a tfds dataset's "label" classes."""
    if name in MIXTURES:
        return MIXTURES[name].num_modes
    if name == "fashion_mnist":
        return 10
    import tensorflow_datasets as tfds

    features = tfds.builder(name, data_dir=data_dir).info.features
    if "label" not in features or not hasattr(features["label"], "num_classes"):
        raise ValueError(f"Dataset {name!r} has no class label feature; a conditional GAN needs one")
    return int(features["label"].num_classes)


def load(
    name,
    split="train",
    batch_size=128,
    shuffle=True,
    seed=None,
    with_labels=False,
    image_size=None,
    data_dir=None,
    num_samples=100_000,
    repeat=False,
):
    """Loads a dataset as float32 images in [-1, 1], shuffled and batched.

    Args:
        name: "ring8" or "grid25" (2-D mixtures, see `ganzoo.data.mixtures`),
            or any tfds image dataset ("mnist", "fashion_mnist", "cifar10",
            "celeb_a", ...). "fashion_mnist" is served offline from IDX files
            when tfds has not prepared it (see `ganzoo.data.idx`).
        split: "train" or "test" (any tfds split string for tfds datasets).
        batch_size: examples per batch; the last partial batch is dropped, so
            every batch has a static shape (needed by tf.distribute and TPUs).
        shuffle: reshuffle every epoch with ``seed``.
        with_labels: yield ``(images, labels)`` instead of images; the label
            of a 2-D mixture's point is the index of its mode.
        image_size: resize images to (image_size, image_size) (bilinear).
        data_dir: tfds data directory, or a directory of Fashion-MNIST IDX files.
        num_samples: points per epoch for the 2-D mixtures.
        repeat: repeat forever (use `fit(steps_per_epoch=...)`).

    Returns:
        A `tf.data.Dataset` of float32 batches (and int64 labels).
    """
    _check_batch_size(batch_size)
    ds, count = load_examples(name, split, seed, with_labels, image_size, data_dir, num_samples)
    _check_enough(name, split, count, batch_size)
    if shuffle:
        ds = ds.shuffle(min(count, 60_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=True)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)


def load_examples(
    name, split="train", seed=None, with_labels=False, image_size=None, data_dir=None, num_samples=100_000
):
    """The examples of a dataset, unshuffled and unbatched, as float32 in
    [-1, 1] (cached in memory when small), and their number.

    Arguments as in `load`; ``seed`` only draws the 2-D mixtures' points.
    """
    if name in MIXTURES:
        # With labels: (point, index of the mode it was drawn from).
        ds = tf.data.Dataset.from_tensor_slices(MIXTURES[name].sample(num_samples, seed, with_labels))
        return ds, num_samples
    ds, count = load_raw(name, split, data_dir)
    ds = ds.map(_converter(with_labels, image_size), num_parallel_calls=tf.data.AUTOTUNE)
    element_bytes = 4 * int(np.prod(ds.element_spec[0].shape if with_labels else ds.element_spec.shape))
    if count * element_bytes < _CACHE_LIMIT_BYTES:
        ds = ds.cache()
    return ds, count


def resumable_batches(examples, count, batch_size, seed, start_step=0, shuffle=True):
    """Endless batches whose order depends on ``(seed, step)`` only.

    Batch ``g`` is batch ``g % S`` of epoch ``g // S`` (S = count //
    batch_size), and epoch ``e`` is ``examples`` shuffled with a seed made of
    ``seed`` and ``e``. A run resumed at step ``start_step`` therefore sees
    exactly the batches an uninterrupted run sees from that step on, which
    ``load``'s reshuffle-each-iteration order cannot give (it depends on how
    many times the dataset was iterated in this process).

    Args:
        examples: unbatched dataset, e.g. from `load_examples`.
        count: its number of examples.
        batch_size: examples per batch (the last partial batch of an epoch is
            dropped).
        seed: integer seed of the epochs' orders.
        start_step: global index of the first batch to yield.
        shuffle: False keeps the examples' order in every epoch.

    Returns:
        An infinite `tf.data.Dataset` of batches; use
        ``fit(steps_per_epoch=...)``.
    """
    _check_batch_size(batch_size)
    if count < batch_size:
        raise ValueError(f"{count} examples are fewer than batch_size={batch_size}; every batch would be dropped")
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"resumable_batches needs an integer seed; got {seed!r}")
    if not isinstance(start_step, (int, np.integer)) or start_step < 0:
        raise ValueError(f"start_step must be a non-negative integer; got {start_step!r}")
    per_epoch = count // batch_size
    first_epoch, skip = divmod(int(start_step), per_epoch)
    # Blocks of at most 60,000 examples and 256 MiB, each permuted by a
    # stateless op (tf.data's shuffle cannot take a per-epoch tensor seed).
    element_bytes = sum(4 * int(np.prod(s.shape)) for s in tf.nest.flatten(examples.element_spec))
    block = max(1, min(count, 60_000, 2**28 // max(element_bytes, 1)))

    def permute(index, examples_block, e):
        size = tf.shape(tf.nest.flatten(examples_block)[0])[0]
        order = tf.random.experimental.stateless_shuffle(
            tf.range(size), seed=tf.stack([tf.constant(int(seed), tf.int64), e * 1_000_003 + index])
        )
        return tf.nest.map_structure(lambda x: tf.gather(x, order), examples_block)

    def epoch(e):
        ds = examples
        if shuffle:
            ds = ds.batch(block).enumerate().map(lambda i, b: permute(i, b, e)).unbatch()
        # Skip the batches already trained on in the epoch resumed mid-way.
        ds = ds.skip(tf.where(e == first_epoch, tf.constant(skip * batch_size, tf.int64), 0))
        return ds.batch(batch_size, drop_remainder=True)

    return tf.data.Dataset.range(first_epoch, 2**62).flat_map(epoch).prefetch(tf.data.AUTOTUNE)


def _check_batch_size(batch_size):
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")


def _check_enough(name, split, count, batch_size):
    if count < batch_size:
        raise ValueError(
            f"Dataset {name!r} split {split!r} has {count} examples, fewer than "
            f"batch_size={batch_size}; every batch would be dropped"
        )


def _converter(with_labels, image_size):
    def convert(example):
        images = example["image"]
        if images.dtype == tf.uint8:
            images = to_model_range(images)
        if image_size is not None:
            images = tf.image.resize(images, (image_size, image_size))
        if with_labels:
            return images, example["label"]
        return images

    return convert


def load_raw(name, split="train", data_dir=None):
    """The tfds-structured dataset ``{"image": uint8, "label": int64}`` and its
    number of examples. Fashion-MNIST comes from IDX files when tfds does not
    have it prepared."""
    if name == "fashion_mnist":
        # The IDX files hold the same examples as tfds; prefer them, offline.
        directory = idx.find_dir(data_dir if data_dir and _has_idx(data_dir) else None)
        if directory is not None:
            images, labels = idx.load_arrays(split, directory)
            ds = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})
            return ds, len(labels)
    return _load_tfds(name, split, data_dir)


def _has_idx(directory):
    return os.path.isdir(directory) and any(f.endswith(("idx3-ubyte", "idx3-ubyte.gz")) for f in os.listdir(directory))


def _load_tfds(name, split, data_dir):
    import tensorflow_datasets as tfds

    if name not in tfds.list_builders():
        raise ValueError(
            f"Unknown dataset {name!r}; available: {available()} or any tfds image "
            f"dataset (e.g. 'mnist', 'cifar10', 'celeb_a')"
        )
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        if not _online():
            raise RuntimeError(_offline_message(name, builder.data_dir))
        builder.download_and_prepare()
    if "image" not in builder.info.features:
        raise ValueError(f"tfds dataset {name!r} has no 'image' feature; it is not an image dataset")
    ds = builder.as_dataset(split=split, shuffle_files=False)
    return ds, int(builder.info.splits[split].num_examples)


def _online(timeout=3.0):
    return network.reachable(*_TFDS_HOST, timeout=timeout)


def _offline_message(name, data_dir):
    message = (
        f"Dataset {name!r} is not prepared in {data_dir} and the network is unreachable, "
        f"so tfds cannot download it. Prepare it on a machine with network "
        f"(`tfds build {name}`) and copy the directory, or pass data_dir=..."
    )
    if name == "fashion_mnist":
        message += (
            f". For Fashion-MNIST offline: `apt-get install dataset-fashion-mnist` (IDX files in "
            f"{idx.DEBIAN_DIR}), or set ${idx.ENV_VAR} / data_dir to a directory of the four IDX files"
        )
    return message
