"""GAN evaluation metrics: Inception Score, FID, KID, improved precision and
recall, density and coverage.

Each works on numpy arrays or ``tf.data.Dataset`` of float images in [-1, 1]
through any classifier (`load_classifier`), and has a lower-level twin on
precomputed logits or features. Precision/recall and density/coverage (and
`knn_scores`, all four in one pass) take their sets as keywords only,
``real=`` and ``fake=``, and return named scores. `reference_statistics`
caches the real set's side of FID, KID and the k-NN scores.
"""

from ganzoo.metrics.classifier import (
    DEFAULT_HANDLE,
    SHIPPED_CLASSIFIER,
    Classifier,
    ClassifierUnavailableError,
    classify,
    default_classifier,
    iterate_images,
    load_classifier,
)
from ganzoo.metrics.density_coverage import density_coverage, density_coverage_from_features
from ganzoo.metrics.frechet_distance import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_features,
    frechet_distance_from_statistics,
    trace_sqrt_product,
)
from ganzoo.metrics.inception_score import (
    inception_score,
    inception_score_from_logits,
    inception_score_from_probabilities,
)
from ganzoo.metrics.kernel_distance import (
    kernel_distance,
    kernel_distance_from_features,
    mmd2_unbiased,
    polynomial_kernel,
)
from ganzoo.metrics.knn_scores import knn_scores
from ganzoo.metrics.nearest_neighbors import ball_counts, knn_squared_radii
from ganzoo.metrics.precision_recall import precision_recall, precision_recall_from_features
from ganzoo.metrics.reference_statistics import reference_statistics
