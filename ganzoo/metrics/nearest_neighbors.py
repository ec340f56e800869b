"""Exact k-nearest-neighbour balls in feature space, in chunks of bounded memory.

Improved precision/recall (Kynkäänniemi et al. 2019) and density/coverage
(Naeem et al. 2020) both put a ball around every sample of one set, its radius
the distance to the sample's k-th nearest neighbour in its own set,

    NND_k(x_i) = ‖x_i − NN_k(x_i)‖₂      (k-th neighbour, the sample itself excluded)

and count which samples of the other set fall inside which balls. This module
computes that exactly: every pairwise distance, never an approximate index.

* Distances are squared Euclidean, ‖a‖² + ‖b‖² − 2 a·b, clipped at 0; balls
  compare squared distances with squared radii, so no square root rounds them
  apart.
* They are computed in float32, the precision of the classifier's features
  (float64 doubles the time of every pass), after subtracting the real
  set's mean (computed in float64) from both sets: distances do not change,
  and the cancellation in ‖a‖² + ‖b‖² − 2 a·b stays at the scale of the
  spread of the features, not of their offset. A point within about 1e-6
  (relative) of a ball's boundary may land on the other side than in exact
  arithmetic; both papers' reference code computes in float32 too.
* The (N, M) distance matrix is never held whole: rows come in chunks of at
  most ``max_bytes`` (default 128 MiB), so 100 000 × 100 000 pairs need no
  40 GB of memory.
* All balls are tested in one pass over the real-to-fake distances (and one
  pass over each set's own distances for the radii): 3 passes for all four
  scores, 2 when the real radii are cached.
* A real ball's radius and its membership test run the same code on the same
  row chunks, so a fake point that is an exact copy of a real centre's k-th
  neighbour gets bit-for-bit the radius itself: ties are decided by the rule
  (``<`` or ``≤``), not by round-off. (Fake balls are tested in the
  transposed orientation, where an exact tie with a point other than a
  duplicate, whose distance 0 decides anyway, may fall either way by 1 ulp.)

Inputs to the metrics may be images, run through a classifier as IS, FID and
KID do (its ``pool_3`` features), or feature arrays (N, d) directly:
`as_features` turns either into checked float64 features.
"""

import numpy as np
import tensorflow as tf

from ganzoo.metrics.classifier import classify

# Bytes of one chunk of the distance matrix (float32), its comparison and a temporary.
DEFAULT_MAX_BYTES = 128 * 1024**2


def as_features(values, name, classifier=None, batch_size=100, max_images=None):
    """Features (n, d) float64 from images or from features.

    Args:
        values: a feature array (n, d), or images (n, H, W, C) as a numpy array
            or a ``tf.data.Dataset`` (float in [-1, 1]), which go through
            ``classifier`` and give its ``pool_3`` features.
        name: "real" or "fake", for messages.
        classifier: any handle `ganzoo.metrics.load_classifier` accepts (for images).
        batch_size: images per classifier call.
        max_images: use at most this many images (or feature rows).

    Raises:
        ValueError: an array that is neither 2-D nor 4-D, an empty set, or
            features that are not all finite.
    """
    if isinstance(values, tf.data.Dataset):
        features = classify(values, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    else:
        array = values.numpy() if tf.is_tensor(values) else np.asarray(values)
        if array.ndim == 4:
            features = classify(array, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
        elif array.ndim == 2:
            features = array if max_images is None else array[: int(max_images)]
        else:
            raise ValueError(
                f"{name}= must be features (num_samples, dim) or images (num_samples, height, "
                f"width, channels); got an array of shape {array.shape}"
            )
    return checked_features(features, name)


def checked_features(features, name):
    """``features`` as float64 (n, d) with n ≥ 1, all finite, or a ValueError."""
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"{name} features must have shape (num_samples, dim); got {features.shape}")
    if not (np.issubdtype(features.dtype, np.floating) or np.issubdtype(features.dtype, np.integer)):
        raise ValueError(f"{name} features must be numbers; got dtype {features.dtype}")
    if len(features) == 0 or features.shape[1] == 0:
        raise ValueError(f"{name} features are empty: shape {features.shape}")
    features = features.astype(np.float64, copy=False)
    finite = np.isfinite(features)
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(
            f"{name} features hold {int((~finite).sum())} non-finite values (NaN or inf) in "
            f"{len(rows)} rows, the first at row {int(rows[0])}; a diverged generator or "
            f"classifier? Distances to them mean nothing."
        )
    return features


def check_pair(real, fake):
    """Raises a ValueError unless real (N, d) and fake (M, d) share d."""
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features must have the same dimension; got real {real.shape} and "
            f"fake {fake.shape}. Were they made by different classifiers or layers?"
        )


def check_k(k, num_samples, name):
    """Raises a ValueError unless 1 ≤ k < num_samples (the k-th neighbour
    of a sample, itself excluded, must exist)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    if k >= num_samples:
        raise ValueError(
            f"k={k} needs more than k {name} samples (a sample's k-th nearest neighbour, itself "
            f"excluded); got {num_samples}. Pass more samples or a smaller k."
        )


def chunk_rows(num_columns, max_bytes=DEFAULT_MAX_BYTES):
    """Rows per chunk so that a (rows, num_columns) float32 distance block,
    its boolean comparison and a float32 temporary stay within ``max_bytes``."""
    if not isinstance(max_bytes, (int, np.integer)) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer; got {max_bytes!r}")
    return max(1, int(max_bytes) // (9 * max(1, int(num_columns))))


def centered(features, mean):
    """``features − mean`` as float32 (N, d): the frame distances are computed in."""
    return (np.asarray(features, np.float64) - mean).astype(np.float32)


def squared_distances(x, y):
    """‖x_i − y_j‖² for all pairs: (n, d), (m, d) → (n, m), ≥ 0, in the inputs'
    dtype (float32 from `centered`)."""
    x_norms = np.einsum("ij,ij->i", x, x)
    y_norms = np.einsum("ij,ij->i", y, y)
    distances = (x * -2) @ y.T  # scaling by −2 is exact: no extra pass over (n, m)
    distances += x_norms[:, None]
    distances += y_norms[None, :]
    return np.maximum(distances, 0, out=distances)


def knn_squared_radii(features, k, max_bytes=DEFAULT_MAX_BYTES):
    """NND_k(x_i)² for every row: the squared distance to its k-th nearest
    neighbour in ``features`` itself, the sample excluded.

    Each row's distance to itself (0) is its smallest, so NND_k is the
    (k+1)-th smallest distance of the row, as in both papers' code.

    Args:
        features: (N, d), e.g. from `as_features`.
        k: neighbours, 1 ≤ k < N; or a tuple of such k's, all found in the
            same pass over the N × N distances.

    Returns:
        (N,) float64 squared radii (float32 values, see the module
        docstring); for a tuple of k's, ``{k: (N,) radii}``.
    """
    features = checked_features(features, "radius")
    ks = tuple(k) if isinstance(k, (tuple, list)) else (k,)
    for each in ks:
        check_k(each, len(features), "feature")
    radii = {each: np.empty(len(features), np.float64) for each in ks}
    largest = max(ks)
    # Centred on its own mean, as `ball_counts` centres real and fake on the
    # real mean: the same float32 values for the real set in both.
    features = centered(features, features.mean(axis=0))
    rows = chunk_rows(len(features), max_bytes)
    for start in range(0, len(features), rows):
        block = squared_distances(features[start : start + rows], features)  # (rows, N)
        # One selection for the largest k puts the k+1 smallest first (in any
        # order); sorting just those gives every smaller k too. (Several kth
        # in one np.partition call cost several selections.)
        block.partition(largest, axis=1)
        smallest = np.sort(block[:, : largest + 1], axis=1)  # (rows, largest + 1)
        for each in ks:
            radii[each][start : start + rows] = smallest[:, each]
    return radii if isinstance(k, (tuple, list)) else radii[k]


def _checked_radii(radii, num, name):
    radii = np.asarray(radii, np.float64)
    if radii.shape != (num,):
        raise ValueError(f"Expected one squared radius per {name} sample, shape ({num},); got {radii.shape}")
    if not np.all(np.isfinite(radii)) or np.any(radii < 0):
        raise ValueError(f"Squared radii of the {name} samples must be finite and non-negative")
    return radii.astype(np.float32)  # exact for radii from knn_squared_radii


def ball_counts(real, fake, *, precision_radii=None, density_radii=None, recall_radii=None,
                max_bytes=DEFAULT_MAX_BYTES):
    """Which samples fall in which k-NN balls, in one pass over the (N, M)
    real-to-fake distances (real rows in chunks).

    Args:
        real: (N, d) real features; fake: (M, d) fake features.
        precision_radii: (N,) squared radii of CLOSED balls around the real
            samples (‖y − x_i‖² ≤ r_i²).
        density_radii: (N,) squared radii of OPEN balls around the real
            samples (‖y − x_i‖² < r_i²).
        recall_radii: (M,) squared radii of CLOSED balls around the fake samples.

    Returns:
        A dict with, for the radii given:
        ``fake_in_real_balls`` (M,) bool (precision_radii);
        ``real_balls_per_fake`` (M,) int64 and ``real_ball_occupied`` (N,)
        bool (density_radii); ``real_in_fake_balls`` (N,) bool (recall_radii).
    """
    n, m = len(real), len(fake)
    closed = None if precision_radii is None else _checked_radii(precision_radii, n, "real")
    opened = None if density_radii is None else _checked_radii(density_radii, n, "real")
    fake_r = None if recall_radii is None else _checked_radii(recall_radii, m, "fake")
    out = {}
    if closed is not None:
        out["fake_in_real_balls"] = np.zeros(m, bool)
    if opened is not None:
        out["real_balls_per_fake"] = np.zeros(m, np.int64)
        out["real_ball_occupied"] = np.zeros(n, bool)
    if fake_r is not None:
        out["real_in_fake_balls"] = np.zeros(n, bool)
    # Chunked over real rows as `knn_squared_radii` is, so that equal inputs
    # give bit-for-bit equal distances for the real balls (see the module
    # docstring). The fake balls are tested in the transposed orientation.
    mean = np.asarray(real, np.float64).mean(axis=0)
    real, fake = centered(real, mean), centered(fake, mean)
    rows = chunk_rows(m, max_bytes)
    for start in range(0, n, rows):
        part = slice(start, start + rows)
        block = squared_distances(real[part], fake)  # (rows, M)
        if closed is not None:
            out["fake_in_real_balls"] |= (block <= closed[part, None]).any(axis=0)
        if opened is not None:
            inside = block < opened[part, None]
            out["real_balls_per_fake"] += inside.sum(axis=0)
            out["real_ball_occupied"][part] = inside.any(axis=1)
        if fake_r is not None:
            out["real_in_fake_balls"][part] = (block <= fake_r[None, :]).any(axis=1)
    return out
