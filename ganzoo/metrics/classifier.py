"""The classifier behind IS, FID and KID: one loader for every kind of handle.

TF-GAN binds the Inception network separately from the metrics and loads it
lazily, so that any classifier can stand in for it. ganzoo does the same: every
metric takes ``classifier=``, one of

* a TF-Hub handle (URL), loaded with ``hub.load`` — the default is TF-GAN's
  Inception-v3, ``https://tfhub.dev/tensorflow/tfgan/eval/inception/1``,
  which takes 299×299×3 images in [-1, 1] and returns ``logits`` (N, 1008)
  and ``pool_3`` (N, 2048);
* a local SavedModel directory, loaded with ``tf.saved_model.load`` as
  ``hub.load`` loads a resolved module (TF-Hub caches downloaded modules as
  SavedModel directories; ``$TFHUB_CACHE_DIR`` chooses where). tensorflow_hub
  is imported for URLs only: it needs setuptools' ``pkg_resources``, which
  setuptools ≥ 81 dropped, so local classifiers keep working without it;
* ``"fashion_mnist"``, the shipped classifier in
  ``saved_models/fashion_mnist_classifier`` (see `ganzoo.classifiers`);
* a ``keras.Model`` returning ``{"logits", "pool_3"}``, ``[logits, pool_3]``
  or logits alone;
* a plain callable with the same outputs;
* a `Classifier` (returned as is).

`load_classifier` wraps them in a `Classifier`: it turns float32 images in
[-1, 1] into what the network expects (grayscale → 3 channels by repetition,
then ``tf.image.resize``, bilinear, to its input size), calls it inside a
``tf.function`` and returns ``{"logits": (N, classes), "pool_3": (N, d)}``.
`classify` runs it over a numpy array or a ``tf.data.Dataset`` batch by batch,
so that 50 000 images never need to be resized at once.
"""

import functools
import hashlib
import os
import tempfile
import urllib.parse

import keras
import numpy as np
import tensorflow as tf

from ganzoo import cards, registry
from ganzoo.utils import network

DEFAULT_HANDLE = "https://tfhub.dev/tensorflow/tfgan/eval/inception/1"
INCEPTION_INPUT_SHAPE = (299, 299, 3)
# The shipped Fashion-MNIST classifier: inside the installed package (the
# repository's saved_models/ in a clone), pinned by ganzoo/registry.json.
SHIPPED_MODEL_NAME = "fashion_mnist_classifier"
SHIPPED_CLASSIFIER = os.path.join(registry.shipped_root(), SHIPPED_MODEL_NAME)
SHIPPED_NAME = "fashion_mnist"
OUTPUT_KEYS = ("logits", "pool_3")
# Seconds to wait for a hub host before declaring it unreachable.
PROBE_TIMEOUT_S = 3.0


class ClassifierUnavailableError(RuntimeError):
    """A classifier handle that cannot be loaded (offline, missing, broken)."""


class Classifier:
    """Float32 images in [-1, 1] → ``{"logits": (N, classes), "pool_3": (N, d)}``.

    Args:
        fn: the network: any callable on a float32 batch (N, H, W, C) whose
            result is a dict holding "logits" (and "pool_3"), a pair
            ``(logits, pool_3)`` or a logits tensor.
        input_shape: (H, W, C) that ``fn`` expects. Images of another size are
            resized (bilinear) and grayscale images repeated to 3 channels.
            ``None`` passes images through unchanged.
        name: for messages.
    """

    def __init__(self, fn, input_shape=None, name="classifier"):
        if not callable(fn):
            raise TypeError(f"A classifier must be callable; got {type(fn).__name__}")
        if input_shape is not None:
            input_shape = tuple(int(s) for s in input_shape)
            if len(input_shape) != 3 or input_shape[-1] not in (1, 3):
                raise ValueError(
                    f"input_shape must be (height, width, 1 or 3); got {input_shape!r}"
                )
        self.fn = fn
        self.input_shape = input_shape
        self.name = name
        self._forward = tf.function(self._outputs, reduce_retracing=True)

    def __repr__(self):
        return f"Classifier({self.name!r}, input_shape={self.input_shape})"

    def preprocess(self, images):
        """Images (N, h, w, c) in [-1, 1] → (N, *input_shape) in [-1, 1]."""
        if self.input_shape is None:
            return images
        height, width, channels = self.input_shape
        if images.shape[-1] != channels:
            if images.shape[-1] == 1 and channels == 3:
                images = tf.repeat(images, 3, axis=-1)
            else:
                raise ValueError(
                    f"Classifier {self.name!r} expects {channels}-channel images; got "
                    f"{images.shape[-1]} channels (only grayscale → RGB is converted)"
                )
        if tuple(images.shape[1:3]) != (height, width):
            images = tf.image.resize(images, (height, width), method="bilinear")
        return images

    def _outputs(self, images):
        return normalize_outputs(self.fn(self.preprocess(images)), self.name)

    def __call__(self, images):
        images = tf.convert_to_tensor(images)
        if images.dtype != tf.float32:
            images = tf.cast(images, tf.float32)
        return self._forward(images)


def normalize_outputs(outputs, name="classifier"):
    """A dict ``{"logits": (N, k)[, "pool_3": (N, d)]}`` from whatever a
    network returns; features such as (N, 1, 1, d) are flattened."""
    if isinstance(outputs, dict):
        if "logits" not in outputs:
            raise ValueError(
                f"Classifier {name!r} returned a dict without 'logits'; keys: {sorted(outputs)}. "
                f"Expected {list(OUTPUT_KEYS)}"
            )
        outputs = {k: outputs[k] for k in OUTPUT_KEYS if k in outputs}
    elif isinstance(outputs, (list, tuple)):
        if len(outputs) != 2:
            raise ValueError(
                f"Classifier {name!r} returned {len(outputs)} outputs; expected a dict with "
                f"{list(OUTPUT_KEYS)}, a pair (logits, pool_3) or logits alone"
            )
        outputs = dict(zip(OUTPUT_KEYS, outputs))
    else:
        outputs = {"logits": outputs}
    return {
        k: tf.reshape(tf.cast(v, tf.float32), (tf.shape(v)[0], -1)) for k, v in outputs.items()
    }


def load_classifier(handle=None, input_shape=None):
    """Wraps any classifier handle (see the module docstring) in a `Classifier`.

    Args:
        handle: URL, SavedModel directory, ``"fashion_mnist"``, keras.Model,
            callable or Classifier. ``None`` means `DEFAULT_HANDLE`.
        input_shape: (H, W, C) the network expects; read from the model when
            left out (SavedModel signature, ``keras.Model.input_shape``,
            299×299×3 for the default Inception).

    Raises:
        ClassifierUnavailableError: a hub URL that cannot be reached (raised
            within a few seconds; the message names the offline alternatives)
            or a handle that ``hub.load`` cannot load.
    """
    if handle is None:
        handle = DEFAULT_HANDLE
    if isinstance(handle, Classifier):
        return handle
    if isinstance(handle, (str, os.PathLike)):
        return _load_path_or_url(os.fspath(handle), None if input_shape is None else tuple(input_shape))
    if isinstance(handle, keras.Model):
        if input_shape is None:
            shape = tuple(handle.input_shape[1:]) if _has_single_input(handle) else ()
            input_shape = shape if len(shape) == 3 and None not in shape else None
        return Classifier(lambda x: handle(x, training=False), input_shape, handle.name)
    if callable(handle):
        return Classifier(handle, input_shape, getattr(handle, "__name__", type(handle).__name__))
    raise TypeError(
        f"classifier must be a hub URL, a SavedModel directory, {SHIPPED_NAME!r}, a keras.Model, "
        f"a callable or a Classifier; got {type(handle).__name__}"
    )


def _hub_load(handle):
    import tensorflow_hub as hub

    return hub.load(handle)


def load_local_saved_model(path):
    """What ``hub.load`` does with a module once resolved to ``path``, without
    importing tensorflow_hub: ``tf.saved_model.load``, with no tags for a TF1
    Hub-format module (one with a ``tfhub_module.pb``)."""
    import tensorflow as tf

    is_hub_v1 = os.path.exists(os.path.join(path, "tfhub_module.pb"))
    return tf.saved_model.load(path, tags=[] if is_hub_v1 else None)


def _has_single_input(model):
    try:
        return not isinstance(model.input_shape, list)
    except (AttributeError, ValueError):
        return False


@functools.lru_cache(maxsize=8)
def _load_path_or_url(handle, input_shape):
    if handle == SHIPPED_NAME:
        handle = SHIPPED_CLASSIFIER
    is_url = urllib.parse.urlparse(handle).scheme in ("http", "https")
    if not is_url and not os.path.isdir(handle):
        raise ClassifierUnavailableError(
            f"Classifier handle {handle!r} is neither an http(s) URL nor a SavedModel "
            f"directory. {_alternatives()}"
        )
    if not is_url and os.path.abspath(handle) == os.path.abspath(SHIPPED_CLASSIFIER):
        registry.verify_shipped(SHIPPED_MODEL_NAME)  # against the registry, not its own card
    elif not is_url and os.path.exists(os.path.join(handle, cards.CARD_NAME)):
        cards.verify(handle)  # a carded directory is checked before loading
    if is_url and not _in_hub_cache(handle):
        host, port = _host_port(handle)
        if not reachable(host, port):
            raise ClassifierUnavailableError(
                f"Cannot reach {host}:{port} to download the TF-Hub module {handle!r} "
                f"(no network within {PROBE_TIMEOUT_S:g} s), and it is not in the TF-Hub "
                f"cache {_hub_cache_dir()}. {_alternatives()}"
            )
    load = _hub_load if is_url else load_local_saved_model
    try:
        loaded = load(handle)
    except Exception as error:  # hub raises many types: OSError, ValueError, HTTP errors
        raise ClassifierUnavailableError(
            f"{load.__name__}({handle!r}) failed: {type(error).__name__}: {error}. {_alternatives()}"
        ) from error
    fn, signature_shape = _saved_model_callable(loaded, handle)
    if input_shape is None:
        input_shape = INCEPTION_INPUT_SHAPE if handle == DEFAULT_HANDLE else signature_shape
    classifier = Classifier(fn, input_shape, handle)
    classifier.loaded = loaded  # keep the restored variables alive
    return classifier


def _saved_model_callable(loaded, handle):
    """``(fn, input_shape)`` for an object restored by ``hub.load``: its
    ``__call__`` when it has one, else its serving signature."""
    signatures = getattr(loaded, "signatures", {}) or {}
    signature = None
    for key in ("serving_default", "default"):
        if key in signatures:
            signature = signatures[key]
            break
    shape = None
    if signature is not None:
        _, kwargs = signature.structured_input_signature
        if len(kwargs) == 1:
            spec = next(iter(kwargs.values()))
            dims = tuple(spec.shape[1:]) if spec.shape.rank == 4 else ()
            shape = dims if len(dims) == 3 and None not in dims else None
    if callable(loaded):
        return loaded, shape
    if signature is None:
        raise ClassifierUnavailableError(
            f"The SavedModel {handle!r} is not callable and has no 'serving_default' or "
            f"'default' signature (signatures: {sorted(signatures)})"
        )
    _, kwargs = signature.structured_input_signature
    if len(kwargs) != 1:
        raise ClassifierUnavailableError(
            f"The signature of {handle!r} takes {sorted(kwargs)}; expected one image input"
        )
    (input_name,) = kwargs
    return (lambda images: signature(**{input_name: images})), shape


def _alternatives():
    return (
        "Alternatives that work offline: pass a local SavedModel directory "
        "(classifier='/path/to/model'); set $TFHUB_CACHE_DIR to a TF-Hub cache holding the "
        f"module (currently {_hub_cache_dir()}); or use the shipped Fashion-MNIST classifier, "
        f"classifier={SHIPPED_NAME!r} ({SHIPPED_CLASSIFIER})."
    )


def _hub_cache_dir():
    return os.environ.get("TFHUB_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "tfhub_modules")


def _in_hub_cache(handle):
    """Whether TF-Hub would load ``handle`` from its cache (sha1 of the URL)."""
    directory = os.path.join(_hub_cache_dir(), hashlib.sha1(handle.encode("utf8")).hexdigest())
    return os.path.exists(os.path.join(directory, "saved_model.pb"))


def _host_port(url):
    parsed = urllib.parse.urlparse(url)
    return parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)


def reachable(host, port, timeout=None):
    """`ganzoo.utils.network.reachable`, waiting ``PROBE_TIMEOUT_S`` by default."""
    return network.reachable(host, port, PROBE_TIMEOUT_S if timeout is None else timeout)


# ------------------------------------------------------------------ batching
def iterate_images(images, batch_size=100, max_images=None):
    """Yields float32 batches (n, H, W, C) from a numpy array / tensor or a
    ``tf.data.Dataset`` of images, ``(images, labels)`` or ``{"image": ...}``
    (batched or not), at most ``max_images`` images in all.

    Raises:
        ValueError: uint8 or non-float images, or values outside [-1, 1].
    """
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    remaining = np.inf if max_images is None else int(max_images)
    if isinstance(images, tf.data.Dataset):
        spec = _image_spec(images.element_spec)
        if spec.shape.rank == 3:
            images = images.batch(batch_size)
        batches = (_image_part(element) for element in images)
    else:
        array = images.numpy() if tf.is_tensor(images) else np.asarray(images)
        if array.ndim != 4:
            raise ValueError(
                f"Expected images of shape (batch, height, width, channels); got shape {array.shape}"
            )
        batches = (array[i : i + batch_size] for i in range(0, len(array), batch_size))
    for batch in batches:
        if remaining <= 0:
            return
        batch = batch.numpy() if tf.is_tensor(batch) else batch
        batch = _checked(batch[: int(min(remaining, len(batch)))])
        remaining -= len(batch)
        yield batch


def _image_spec(spec):
    if isinstance(spec, dict):
        if "image" not in spec:
            raise ValueError(f"A dict dataset must hold an 'image' key; got keys {sorted(spec)}")
        return spec["image"]
    if isinstance(spec, (tuple, list)):
        return spec[0]
    return spec


def _image_part(element):
    if isinstance(element, dict):
        return element["image"]
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def _checked(batch):
    if batch.dtype == np.uint8:
        raise ValueError(
            "Got uint8 images; the metrics expect float32 images in [-1, 1]. Convert with "
            "ganzoo.data.to_model_range(images) (x / 127.5 - 1)."
        )
    if not np.issubdtype(batch.dtype, np.floating):
        raise ValueError(f"Expected float images in [-1, 1]; got dtype {batch.dtype}")
    if batch.ndim != 4:
        raise ValueError(
            f"Expected image batches of shape (batch, height, width, channels); got {batch.shape}"
        )
    if batch.size and (batch.min() < -1.001 or batch.max() > 1.001):
        raise ValueError(
            f"Expected images in [-1, 1]; got values in [{batch.min():.3g}, {batch.max():.3g}]. "
            f"Images in [0, 1] map to [-1, 1] by 2x - 1, uint8 ones by x / 127.5 - 1."
        )
    return batch.astype(np.float32, copy=False)


def classify(images, classifier=None, batch_size=100, max_images=None, outputs=OUTPUT_KEYS):
    """Runs ``classifier`` over ``images`` batch by batch.

    Args:
        images: numpy array (N, H, W, C) or ``tf.data.Dataset`` of float
            images in [-1, 1] (see `iterate_images`).
        classifier: any handle `load_classifier` accepts.
        batch_size: images per classifier call (numpy input or unbatched datasets).
        max_images: stop after this many images.
        outputs: which of "logits", "pool_3" to keep.

    Returns:
        ``{name: float32 numpy (N, dim)}`` for each of ``outputs``.
    """
    classifier = load_classifier(classifier)
    kept = {name: [] for name in outputs}
    for batch in iterate_images(images, batch_size, max_images):
        result = classifier(batch)
        for name in outputs:
            if name not in result:
                raise ValueError(
                    f"Classifier {classifier.name!r} returns {sorted(result)}, not {name!r}; "
                    f"FID and KID need pooled features under 'pool_3'"
                )
            kept[name].append(result[name].numpy())
    if not kept or not next(iter(kept.values())):
        raise ValueError("No images to classify: the array or dataset is empty")
    return {name: np.concatenate(parts) for name, parts in kept.items()}


def default_classifier(image_shape):
    """The classifier ganzoo scores images of ``image_shape`` with: the
    shipped Fashion-MNIST classifier for 28×28×1, TF-GAN's Inception otherwise."""
    return SHIPPED_NAME if tuple(image_shape) == (28, 28, 1) else DEFAULT_HANDLE
