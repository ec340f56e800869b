"""Improved precision and recall (Kynkäänniemi et al. 2019, "Improved
Precision and Recall Metric for Assessing Generative Models").

FID and KID mix two failures into one number: bad images (low quality) and
missing images (low diversity). Precision and recall separate them. Each set
of features stands for a manifold, the union of balls around its samples,
each ball reaching the sample's k-th nearest neighbour within its own set:

    manifold(Φ) = ∪_{φ' ∈ Φ} B(φ', NND_k(φ'))        (closed balls, ≤)

    precision = (1/M) Σ_j 1[ fake_j ∈ manifold(real) ]
              — the fraction of fake samples within the k-NN ball of some
                real sample: the REAL manifold defines precision (are the
                generated images realistic?);

    recall    = (1/N) Σ_i 1[ real_i ∈ manifold(fake) ]
              — the fraction of real samples within the k-NN ball of some
                fake sample: the FAKE manifold defines recall (does the
                generator cover the real data?).

Both lie in [0, 1], higher is better. A generator that gives one image per
class, or memorises a few images, keeps its precision but loses recall.

Swapping the two sets swaps the two numbers — a common bug in other libraries
— so ganzoo takes them only as keywords, ``real=`` and ``fake=``, and names
the results.

As in the paper: k = 3, balls are closed (a point at exactly the radius is
inside), and distances are Euclidean between classifier features (the paper
uses VGG-16 fc2 features of 50 000 images per set; ganzoo uses the
classifier's ``pool_3`` features, see `ganzoo.metrics.load_classifier`).
Values depend on k, on N and M (more samples, larger manifolds) and on the
feature extractor: compare only at equal settings. Everything is computed
exactly (all pairwise distances, in chunks, see
`ganzoo.metrics.nearest_neighbors`).

Example:

```python
scores = ganzoo.metrics.precision_recall(real=real_images, fake=gan.generate(10_000, seed=0),
                                         classifier="fashion_mnist")
scores["precision"], scores["recall"]
```
"""

import numpy as np

from ganzoo.metrics import nearest_neighbors as nn

DEFAULT_K = 3


def precision_recall(
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
    """Improved precision and recall of ``fake`` against ``real``.

    Args:
        real, fake: images (numpy (N, H, W, C) or ``tf.data.Dataset``, float
            in [-1, 1]) run through ``classifier``, or feature arrays (N, d).
            Keyword-only, so that they cannot be swapped by position.
        k: neighbours that set each ball's radius (the paper: 3).
        classifier: any handle `ganzoo.metrics.load_classifier` accepts; it
            must return "pool_3" features. Unused for feature arrays.
        batch_size: images per classifier call.
        max_images: use at most this many samples of each set.
        real_squared_radii: precomputed ``knn_squared_radii(real_features, k)``
            (e.g. from `ganzoo.metrics.reference_statistics`), to skip the
            N × N pass over the real set.
        max_bytes: memory bound of one chunk of distances.

    Returns:
        ``{"precision": float, "recall": float}``.

    Raises:
        ValueError: k < 1 or k ≥ the number of samples of a set, features of
            different dimensions, or non-finite features.
    """
    real_features = nn.as_features(real, "real", classifier, batch_size, max_images)
    fake_features = nn.as_features(fake, "fake", classifier, batch_size, max_images)
    return precision_recall_from_features(
        real=real_features, fake=fake_features, k=k, real_squared_radii=real_squared_radii,
        max_bytes=max_bytes,
    )


def precision_recall_from_features(*, real, fake, k=DEFAULT_K, real_squared_radii=None,
                                   max_bytes=nn.DEFAULT_MAX_BYTES):
    """`precision_recall` on feature arrays real (N, d) and fake (M, d)."""
    real = nn.checked_features(real, "real")
    fake = nn.checked_features(fake, "fake")
    nn.check_pair(real, fake)
    nn.check_k(k, len(real), "real")
    nn.check_k(k, len(fake), "fake")
    if real_squared_radii is None:
        real_squared_radii = nn.knn_squared_radii(real, k, max_bytes)
    # Fake samples in the real manifold; real samples in the fake manifold.
    counts = nn.ball_counts(
        real, fake, precision_radii=real_squared_radii,
        recall_radii=nn.knn_squared_radii(fake, k, max_bytes), max_bytes=max_bytes,
    )
    return {
        "precision": float(np.mean(counts["fake_in_real_balls"])),
        "recall": float(np.mean(counts["real_in_fake_balls"])),
    }
