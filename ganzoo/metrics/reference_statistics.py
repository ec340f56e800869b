"""The real set's side of FID, KID, precision/recall and density/coverage,
computed once and cached.

Every evaluation against a real dataset repeats the same work: run N real
images through the classifier, fit their Gaussian (FID), and find each real
sample's k-th nearest real neighbour (precision/recall, density/coverage), an
N × N pass. `reference_statistics` does it once per

    (dataset, split, N, image size, classifier, feature layer, k's, ganzoo version)

and keeps the result as an ``.npz`` in the Keras cache directory, the one
``keras.utils.get_file`` uses: ``$KERAS_HOME`` if set, else ``~/.keras``
(``/tmp/.keras`` when the home directory is not writable), under
``ganzoo/reference_statistics/``. The next evaluation loads it instead.

The classifier enters the key by what it computes, not by its name: the
sha256 of every file of a SavedModel directory (the shipped classifier
included), the URL of a TF-Hub module (immutable once published), or the
sha256 of a ``keras.Model``'s weights. Other callables need an explicit
``classifier_name``.

Each file holds the sha256 of its own key and arrays and is checked before
use: a truncated, corrupted or edited file is recomputed and rewritten, never
trusted. Files are written whole, then renamed, so a reader never sees half
of one.

Example:

```python
ref = ganzoo.metrics.reference_statistics("fashion_mnist", "train", 10_000, "fashion_mnist")
fid = ganzoo.metrics.frechet_distance_from_statistics(ref["mu"], ref["sigma"], *feature_statistics(fake))
pr = ganzoo.metrics.precision_recall(real=ref["features"], fake=fake,
                                     real_squared_radii=ref["squared_radii"][3])
```
"""

import hashlib
import json
import os
import tempfile
import urllib.parse
import warnings

import numpy as np

from ganzoo.metrics import classifier as classifier_lib
from ganzoo.metrics.frechet_distance import feature_statistics
from ganzoo.metrics.nearest_neighbors import knn_squared_radii

FEATURE_LAYER = "pool_3"
# Bumped whenever the file layout or the meaning of a field changes.
FORMAT = 1
DEFAULT_KS = (3, 5)  # precision/recall and density/coverage defaults


def keras_cache_dir():
    """Where ``keras.utils.get_file`` caches by default: ``$KERAS_HOME``,
    else ``~/.keras``, else ``/tmp/.keras`` if the home is not writable."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def reference_statistics(
    dataset="fashion_mnist",
    split="train",
    num_samples=10_000,
    classifier=None,
    *,
    classifier_name=None,
    image_size=None,
    ks=DEFAULT_KS,
    batch_size=250,
    data_dir=None,
    cache_dir=None,
):
    """Features, FID statistics and k-NN radii of ``num_samples`` real images.

    Args:
        dataset, split: what `ganzoo.data.load` reads (in order, unshuffled).
        num_samples: N, the first N images of the split.
        classifier: any handle `ganzoo.metrics.load_classifier` accepts.
        classifier_name: identifies the classifier's weights in the cache key;
            required for classifiers that are neither a path, a URL nor a
            ``keras.Model`` (whose weights are hashed).
        image_size: resize the real images to this size (as `ganzoo.data.load`).
        ks: the k's whose squared radii are kept (3 for precision/recall, 5
            for density/coverage).
        batch_size: images per classifier call.
        data_dir: passed to `ganzoo.data.load`.
        cache_dir: the cache root (default `keras_cache_dir`).

    Returns:
        A dict: ``features`` (N, d) float32, ``mu`` (d,) and ``sigma`` (d, d)
        float64, ``squared_radii`` {k: (N,) float64}, ``key`` (the dict the
        file is keyed by), ``path`` and ``from_cache`` (whether the real pass
        was skipped).

    Raises:
        ValueError: the split has fewer than ``num_samples`` images, bad ks,
            or a classifier that cannot be identified.
    """
    ks = tuple(sorted({int(k) for k in ks}))
    if not ks or ks[0] < 1:
        raise ValueError(f"ks must be positive integers; got {ks!r}")
    key = cache_key(dataset, split, num_samples, classifier, classifier_name, image_size, ks)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    path = os.path.join(cache_dir or keras_cache_dir(), "ganzoo", "reference_statistics", f"{digest[:32]}.npz")
    cached = _read_verified(path, key)
    if cached is not None:
        return {**cached, "key": key, "path": path, "from_cache": True}
    features = _real_features(dataset, split, num_samples, classifier, image_size, batch_size, data_dir)
    mu, sigma = feature_statistics(features)
    stats = {
        "features": features,
        "mu": mu,
        "sigma": sigma,
        "squared_radii": {k: knn_squared_radii(features, k) for k in ks},
    }
    _write(path, key, stats)
    return {**stats, "key": key, "path": path, "from_cache": False}


def cache_key(dataset, split, num_samples, classifier, classifier_name, image_size, ks):
    """The JSON-ready dict that names one set of reference statistics."""
    import ganzoo

    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 2:
        raise ValueError(f"num_samples must be an integer ≥ 2; got {num_samples!r}")
    if num_samples <= max(ks):
        raise ValueError(f"num_samples={num_samples} must exceed the largest k in ks={ks}")
    return {
        "format": FORMAT,
        "dataset": str(dataset),
        "split": str(split),
        "num_samples": int(num_samples),
        "image_size": None if image_size is None else int(image_size),
        "classifier": classifier_identity(classifier, classifier_name),
        "feature_layer": FEATURE_LAYER,
        "ks": list(ks),
        "ganzoo_version": ganzoo.__version__,
    }


def classifier_identity(classifier, classifier_name=None):
    """A string that changes whenever the classifier's computation may:
    see the module docstring."""
    if classifier_name is not None:
        return f"name:{classifier_name}"
    handle = classifier_lib.DEFAULT_HANDLE if classifier is None else classifier
    if isinstance(handle, classifier_lib.Classifier):
        handle = handle.name  # the handle it was loaded from, for paths and URLs
    if isinstance(handle, (str, os.PathLike)):
        handle = os.fspath(handle)
        if handle == classifier_lib.SHIPPED_NAME:
            handle = classifier_lib.SHIPPED_CLASSIFIER
        if urllib.parse.urlparse(handle).scheme in ("http", "https"):
            return f"url:{handle}"
        if os.path.isdir(handle):
            return f"files-sha256:{_directory_sha256(handle)}"
        raise ValueError(
            f"Classifier {handle!r} is neither an http(s) URL nor a SavedModel directory; "
            f"pass classifier_name='...' if it is something else"
        )
    else:
        import keras

        if isinstance(handle, keras.Model):
            weights = hashlib.sha256()
            for array in handle.get_weights():
                weights.update(str((array.dtype, array.shape)).encode())
                weights.update(np.ascontiguousarray(array).tobytes())
            return f"keras-weights-sha256:{weights.hexdigest()}"
    raise ValueError(
        f"Cannot tell which weights classifier {classifier!r} holds, so its statistics cannot be "
        f"cached safely. Pass classifier_name='...' naming its weights, a SavedModel directory, "
        f"a TF-Hub URL or a keras.Model."
    )


def _directory_sha256(directory):
    """sha256 over the relative paths and contents of every file, sorted."""
    digest = hashlib.sha256()
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, directory).encode() + b"\0")
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def _real_features(dataset, split, num_samples, classifier, image_size, batch_size, data_dir):
    from ganzoo import data

    images = data.load(
        dataset, split=split, batch_size=batch_size, shuffle=False, image_size=image_size,
        data_dir=data_dir,
    )
    features = classifier_lib.classify(
        images, classifier, batch_size, max_images=num_samples, outputs=(FEATURE_LAYER,)
    )[FEATURE_LAYER]
    if len(features) < num_samples:
        raise ValueError(
            f"{dataset!r} split {split!r} gave {len(features)} images in batches of {batch_size} "
            f"(a last partial batch is dropped); num_samples={num_samples} asked for more"
        )
    return features.astype(np.float32, copy=False)


# ------------------------------------------------------------------ the file
def _arrays(stats):
    arrays = {"features": stats["features"], "mu": stats["mu"], "sigma": stats["sigma"]}
    for k, radii in stats["squared_radii"].items():
        arrays[f"squared_radii_k{k}"] = radii
    return arrays


def _content_sha256(key_json, arrays):
    """sha256 of the key and of every array's name, dtype, shape and bytes."""
    digest = hashlib.sha256(key_json.encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _write(path, key, stats):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    key_json = json.dumps(key, sort_keys=True)
    arrays = _arrays(stats)
    content = _content_sha256(key_json, arrays)
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(path), suffix=".tmp", delete=False) as f:
        np.savez(f, key_json=np.array(key_json), sha256=np.array(content), **arrays)
    os.replace(f.name, path)


def _read_verified(path, key):
    """The cached stats if ``path`` exists, holds ``key`` and its hash
    matches its content; None (with a warning if the file is bad) otherwise."""
    if not os.path.exists(path):
        return None
    key_json = json.dumps(key, sort_keys=True)
    try:
        with np.load(path, allow_pickle=False) as f:
            stored_key, stored_hash = str(f["key_json"]), str(f["sha256"])
            arrays = {name: f[name] for name in f.files if name not in ("key_json", "sha256")}
    except Exception as error:  # zip, CRC, format or missing-field errors alike
        warnings.warn(f"Recomputing reference statistics: cannot read {path} ({type(error).__name__}: {error})")
        return None
    if stored_key != key_json or _content_sha256(stored_key, arrays) != stored_hash:
        warnings.warn(f"Recomputing reference statistics: {path} does not match its sha256 or its key")
        return None
    prefix = "squared_radii_k"
    radii = {int(name[len(prefix):]): value for name, value in arrays.items() if name.startswith(prefix)}
    return {"features": arrays["features"], "mu": arrays["mu"], "sigma": arrays["sigma"], "squared_radii": radii}
