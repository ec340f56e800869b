"""Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity
Metrics for Generative Models").

Improved precision and recall (`ganzoo.metrics.precision_recall`) trust
every ball of the manifold equally: one real outlier with a huge k-NN ball
makes many bad fakes "precise", and a fake outlier inflates recall. Density
and coverage build balls around REAL samples only, X_1..X_N, radius
NND_k(X_i) (the distance to X_i's k-th nearest real neighbour), and count the
fake samples Y_1..Y_M in them:

    density  = 1/(k M) Σ_j Σ_i 1[ Y_j ∈ B(X_i, NND_k(X_i)) ]
               — how many real balls hold each fake sample, over k: fidelity
                 that rewards fakes in dense regions of the real data; about 1
                 when both sets come from the same distribution, unbounded
                 above (fakes packed near real modes);

    coverage = 1/N Σ_i 1[ ∃ j: Y_j ∈ B(X_i, NND_k(X_i)) ]
               — the fraction of real balls holding at least one fake
                 sample: diversity, in [0, 1].

As in the paper and its code: k = 5, and balls are open (a fake sample at
exactly the radius is outside), so that a fake set equal to the real set
gets density 1 and coverage 1 exactly (each ball holds its centre and the
k − 1 neighbours strictly closer than the k-th). Comparable only at the same
k, N, M and feature extractor. Computed exactly, in chunks (see
`ganzoo.metrics.nearest_neighbors`).

Example:

```python
scores = ganzoo.metrics.density_coverage(real=real_images, fake=gan.generate(10_000, seed=0),
                                         classifier="fashion_mnist")
scores["density"], scores["coverage"]
```
"""

import numpy as np

from ganzoo.metrics import nearest_neighbors as nn

DEFAULT_K = 5


def density_coverage(
    *,
    real,
    fake,
    k=DEFAULT_K,
    classifier=None,
    batch_size=100,
    max_images=None,
    real_squared_radii=None,
    max_bytes=nn.DEFAULT_MAX_BYTES,
):
    """Density and coverage of ``fake`` against ``real``.

    Args:
        real, fake: images (numpy (N, H, W, C) or ``tf.data.Dataset``, float
            in [-1, 1]) run through ``classifier``, or feature arrays (N, d).
            Keyword-only: the balls are built around ``real`` only.
        k: neighbours that set each real ball's radius (the paper: 5).
        classifier: any handle `ganzoo.metrics.load_classifier` accepts; it
            must return "pool_3" features. Unused for feature arrays.
        batch_size: images per classifier call.
        max_images: use at most this many samples of each set.
        real_squared_radii: precomputed ``knn_squared_radii(real_features, k)``
            (e.g. from `ganzoo.metrics.reference_statistics`), to skip the
            N × N pass over the real set.
        max_bytes: memory bound of one chunk of distances.

    Returns:
        ``{"density": float, "coverage": float}``.

    Raises:
        ValueError: k < 1 or k ≥ the number of real samples, features of
            different dimensions, or non-finite features.
    """
    real_features = nn.as_features(real, "real", classifier, batch_size, max_images)
    fake_features = nn.as_features(fake, "fake", classifier, batch_size, max_images)
    return density_coverage_from_features(
        real=real_features, fake=fake_features, k=k, real_squared_radii=real_squared_radii,
        max_bytes=max_bytes,
    )


def density_coverage_from_features(*, real, fake, k=DEFAULT_K, real_squared_radii=None,
                                   max_bytes=nn.DEFAULT_MAX_BYTES):
    """`density_coverage` on feature arrays real (N, d) and fake (M, d)."""
    real = nn.checked_features(real, "real")
    fake = nn.checked_features(fake, "fake")
    nn.check_pair(real, fake)
    nn.check_k(k, len(real), "real")
    if real_squared_radii is None:
        real_squared_radii = nn.knn_squared_radii(real, k, max_bytes)
    counts = nn.ball_counts(real, fake, density_radii=real_squared_radii, max_bytes=max_bytes)
    return {
        "density": float(np.sum(counts["real_balls_per_fake"]) / (k * len(fake))),
        "coverage": float(np.mean(counts["real_ball_occupied"])),
    }
