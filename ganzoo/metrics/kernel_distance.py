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
    subset_size=DEFAULT_SUBSET_SIZE,
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
    real_features = classify(real, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    fake_features = classify(fake, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    return kernel_distance_from_features(real_features, fake_features, num_subsets, subset_size, seed)


def kernel_distance_from_features(
    real_features,
    fake_features,
    num_subsets=DEFAULT_NUM_SUBSETS,
    subset_size=DEFAULT_SUBSET_SIZE,
    seed=0,
):
    """KID between feature matrices (N, d) and (M, d), as ``(mean, std)``.

    Args:
        num_subsets: random subsets to average over.
        subset_size: m, features drawn without replacement from each set per
            subset; capped at min(N, M) (as clean-fid does).
        seed: seed of the subset draws.
    """
    x = np.asarray(real_features)
    y = np.asarray(fake_features)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(
            f"Expected features of shapes (N, d) and (M, d); got {x.shape} and {y.shape}"
        )
    if not isinstance(num_subsets, (int, np.integer)) or num_subsets < 1:
        raise ValueError(f"num_subsets must be a positive integer; got {num_subsets!r}")
    m = min(int(subset_size), len(x), len(y))
    if m < 2:
        raise ValueError(
            f"KID needs at least 2 features in each set; got {len(x)} real, {len(y)} fake, "
            f"subset_size={subset_size!r}"
        )
    rng = np.random.default_rng(seed)
    values = [
        mmd2_unbiased(
            x[rng.choice(len(x), m, replace=False)], y[rng.choice(len(y), m, replace=False)]
        )
        for _ in range(num_subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def polynomial_kernel(x, y):
    """k(x, y) = (x·y / d + 1)³ for all pairs: (n, d), (m, d) → (n, m), float64."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x, y):
    """Unbiased MMD² between equally sized samples x, y (m, d) with `polynomial_kernel`."""
    m = len(x)
    if len(y) != m or m < 2:
        raise ValueError(f"Expected two samples of the same size ≥ 2; got {len(x)} and {len(y)}")
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    sum_xx = k_xx.sum() - np.trace(k_xx)  # i ≠ j
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float((sum_xx + sum_yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m))
