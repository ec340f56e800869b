"""All four k-nearest-neighbour scores at once: improved precision and recall
(Kynkäänniemi et al. 2019) and density and coverage (Naeem et al. 2020).

Calling `ganzoo.metrics.precision_recall` and `density_coverage` one after the
other computes the real-to-fake distances twice and the real k-NN radii twice.
`knn_scores` shares them: one pass over the real set's own distances (both
k's), one over the fake set's, one over the real-to-fake distances; the first
is skipped when the real radii come from `ganzoo.metrics.reference_statistics`.
The definitions are those of the two modules, and so are the results, exactly.

Example:

```python
scores = ganzoo.metrics.knn_scores(real=real_images, fake=gan.generate(10_000, seed=0),
                                   classifier="fashion_mnist")
scores["precision"], scores["recall"], scores["density"], scores["coverage"]
```
"""

import numpy as np

from ganzoo.metrics import nearest_neighbors as nn
from ganzoo.metrics.density_coverage import DEFAULT_K as DENSITY_COVERAGE_K
from ganzoo.metrics.precision_recall import DEFAULT_K as PRECISION_RECALL_K


def knn_scores(
    *,
    real,
    fake,
    k_precision_recall=PRECISION_RECALL_K,
    k_density_coverage=DENSITY_COVERAGE_K,
    classifier=None,
    batch_size=100,
    max_images=None,
    real_squared_radii=None,
    max_bytes=nn.DEFAULT_MAX_BYTES,
):
    """Precision, recall, density and coverage of ``fake`` against ``real``.

    Args:
        real, fake: images run through ``classifier`` or feature arrays (N, d),
            keyword-only (see `ganzoo.metrics.precision_recall`).
        k_precision_recall: k of precision and recall (the paper: 3).
        k_density_coverage: k of density and coverage (the paper: 5).
        classifier, batch_size, max_images: as for the other metrics.
        real_squared_radii: ``{k: (N,) squared radii}`` of the real set for
            both k's, e.g. ``reference_statistics(...)["squared_radii"]``.
        max_bytes: memory bound of one chunk of distances.

    Returns:
        ``{"precision", "recall", "density", "coverage"}`` as floats.
    """
    real = nn.as_features(real, "real", classifier, batch_size, max_images)
    fake = nn.as_features(fake, "fake", classifier, batch_size, max_images)
    nn.check_pair(real, fake)
    k_pr, k_dc = k_precision_recall, k_density_coverage
    nn.check_k(k_pr, len(real), "real")
    nn.check_k(k_pr, len(fake), "fake")
    nn.check_k(k_dc, len(real), "real")
    if real_squared_radii is None:
        real_squared_radii = nn.knn_squared_radii(real, (k_pr, k_dc), max_bytes)
    missing = {k_pr, k_dc} - set(real_squared_radii)
    if missing:
        raise ValueError(
            f"real_squared_radii holds k = {sorted(real_squared_radii)}; the scores need k = {sorted(missing)} too"
        )
    counts = nn.ball_counts(
        real, fake,
        precision_radii=real_squared_radii[k_pr],
        density_radii=real_squared_radii[k_dc],
        recall_radii=nn.knn_squared_radii(fake, k_pr, max_bytes),
        max_bytes=max_bytes,
    )
    return {
        "precision": float(np.mean(counts["fake_in_real_balls"])),
        "recall": float(np.mean(counts["real_in_fake_balls"])),
        "density": float(np.sum(counts["real_balls_per_fake"]) / (k_dc * len(fake))),
        "coverage": float(np.mean(counts["real_ball_occupied"])),
    }
