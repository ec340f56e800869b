"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs").

KID is the squared Maximum Mean Discrepancy between the pooled classifier
features of real (X) and generated (Y) images, with the cubic polynomial kernel

    k(x, y) = (x·y / d + 1)³          (d = feature dimension)

estimated without bias on subsets of m real and m generated features:

    MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
             − 2/m² Σ_{i,j} k(x_i, y_j)

The result is the mean and standard deviation over ``num_subsets`` random
subsets (the paper: 100 subsets of 1000). Unlike FID, the estimator is unbiased
in the number of images, so small samples are fair; it can be slightly
negative when the two distributions are the same. Computed in float64.

Units: ganzoo reports KID **raw**, the MMD² itself, everywhere (this module,
``python -m ganzoo.evaluate``, the callbacks' ``logs["kid"]``, the model
cards). Many papers' tables print KID × 10³ instead; divide those by 1000
before comparing. Values scale with the feature extractor (the cubic kernel
is not scale-free), so KIDs from different classifiers are not comparable.

Subset size: an explicit ``subset_size`` larger than either set is refused
(drawing m of fewer than m samples without replacement is impossible, and
silently shrinking m changes the estimate's variance). Left at ``None`` it is
min(1000, N, M).

Example:

```python
kid, kid_std = ganzoo.metrics.kernel_distance(real_images, fake_images,
                                              classifier="fashion_mnist")
```
"""

import numpy as np

from ganzoo.metrics.classifier import classify

DEFAULT_NUM_SUBSETS = 100
DEFAULT_SUBSET_SIZE = 1000


def kernel_distance(
    real,
    fake,
    classifier=None,
    num_subsets=DEFAULT_NUM_SUBSETS,
    subset_size=None,
    seed=0,
    batch_size=100,
    max_images=None,
):
    """KID between two sets of images in [-1, 1], as ``(mean, std)``.

    Args:
        real, fake: numpy arrays (N, H, W, C) or ``tf.data.Dataset`` of images.
        classifier: any handle `ganzoo.metrics.load_classifier` accepts; it
            must return "pool_3" features.
        num_subsets, subset_size, seed: see `kernel_distance_from_features`.
        batch_size: images per classifier call.
        max_images: use at most this many images of each set.
    """
    sizes = [_num_images(images, max_images) for images in (real, fake)]
    if subset_size is not None and None not in sizes:
        check_subset_size(subset_size, *sizes)  # before the classifier pass, not after
    real_features = classify(real, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    fake_features = classify(fake, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    return kernel_distance_from_features(real_features, fake_features, num_subsets, subset_size, seed)


def _num_images(images, max_images):
    """How many images an array will give (None for a dataset: unknown)."""
    if not hasattr(images, "shape"):
        return None
    return len(images) if max_images is None else min(len(images), int(max_images))


def kernel_distance_from_features(
    real_features,
    fake_features,
    num_subsets=DEFAULT_NUM_SUBSETS,
    subset_size=None,
    seed=0,
):
    """KID between feature matrices (N, d) and (M, d), as raw ``(mean, std)``.

    Args:
        num_subsets: random subsets to average over.
        subset_size: m, features drawn without replacement from each set per
            subset, 2 ≤ m ≤ min(N, M); ``None`` is min(1000, N, M).
        seed: seed of the subset draws.

    Raises:
        ValueError: ``subset_size`` larger than a set (or below 2), fewer
            than 2 features in a set, or features of different dimensions.
    """
    x = np.asarray(real_features)
    y = np.asarray(fake_features)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(
            f"Expected features of shapes (N, d) and (M, d); got {x.shape} and {y.shape}"
        )
    if not isinstance(num_subsets, (int, np.integer)) or num_subsets < 1:
        raise ValueError(f"num_subsets must be a positive integer; got {num_subsets!r}")
    if min(len(x), len(y)) < 2:
        raise ValueError(f"KID needs at least 2 features in each set; got {len(x)} real, {len(y)} fake")
    m = check_subset_size(subset_size, len(x), len(y))
    rng = np.random.default_rng(seed)
    values = [
        mmd2_unbiased(
            x[rng.choice(len(x), m, replace=False)], y[rng.choice(len(y), m, replace=False)]
        )
        for _ in range(num_subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def check_subset_size(subset_size, num_real, num_fake):
    """The subset size m to use: ``subset_size`` if 2 ≤ m ≤ min(N, M), else a
    ValueError naming it; ``None`` → min(`DEFAULT_SUBSET_SIZE`, N, M)."""
    if subset_size is None:
        return min(DEFAULT_SUBSET_SIZE, num_real, num_fake)
    if isinstance(subset_size, bool) or not isinstance(subset_size, (int, np.integer)) or subset_size < 2:
        raise ValueError(f"subset_size must be an integer ≥ 2; got {subset_size!r}")
    if subset_size > min(num_real, num_fake):
        raise ValueError(
            f"KID subset_size={subset_size} is larger than the sample: {num_real} real and "
            f"{num_fake} fake features (subsets are drawn without replacement). Pass "
            f"subset_size <= {min(num_real, num_fake)}, more samples, or subset_size=None "
            f"for min({DEFAULT_SUBSET_SIZE}, N, M)."
        )
    return int(subset_size)


def polynomial_kernel(x, y):
    """k(x, y) = (x·y / d + 1)³ for all pairs: (n, d), (m, d) → (n, m), float64."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    kernel = x @ y.T
    kernel /= x.shape[1]
    kernel += 1.0
    # k·k·k, not k ** 3: numpy's float power calls pow() per element, 10x slower.
    return kernel * kernel * kernel


def mmd2_unbiased(x, y):
    """Unbiased MMD² between equally sized samples x, y (m, d) with `polynomial_kernel`."""
    m = len(x)
    if len(y) != m or m < 2:
        raise ValueError(f"Expected two samples of the same size ≥ 2; got {len(x)} and {len(y)}")
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    sum_xx = k_xx.sum() - np.trace(k_xx)  # i ≠ j
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float((sum_xx + sum_yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m))
