"""Fréchet Inception Distance (Heusel et al. 2017, "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium").

Fit a Gaussian to the pooled classifier features of real and of generated
images, N(μ_r, Σ_r) and N(μ_g, Σ_g); FID is the squared Fréchet (2-Wasserstein)
distance between them:

    FID = ‖μ_r − μ_g‖² + Tr( Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2} )

Lower is better; 0 for identical statistics. Features are "pool_3" (2048-d
for Inception, 128-d for the shipped Fashion-MNIST classifier). Statistics
and the trace are computed in float64.

The matrix square root needs no scipy: with S = Σ_r^{1/2} (symmetric, from an
eigendecomposition), Σ_r Σ_g is similar to the symmetric PSD matrix
S Σ_g S, so Tr (Σ_r Σ_g)^{1/2} = Σ_i √λ_i(S Σ_g S). Tiny negative eigenvalues
from round-off are clipped to 0.

Like IS, FID is biased by N (fewer images, higher FID): compare only at the
same N, classifier and resizing. Heusel et al. use ≥ 10 000 images.

Example:

```python
fid = ganzoo.metrics.frechet_distance(real_images, gan.generate(10_000, seed=0),
                                      classifier="fashion_mnist")
```
"""

import numpy as np

from ganzoo.metrics.classifier import classify

# Rows per chunk when accumulating float64 statistics of float32 features.
_CHUNK = 4096


def frechet_distance(real, fake, classifier=None, batch_size=100, max_images=None):
    """FID between two sets of images in [-1, 1] (arrays or datasets).

    Args:
        real, fake: numpy arrays (N, H, W, C) or ``tf.data.Dataset`` of images.
        classifier: any handle `ganzoo.metrics.load_classifier` accepts; it
            must return "pool_3" features.
        batch_size: images per classifier call.
        max_images: use at most this many images of each set.

    Returns:
        The FID as a Python float.
    """
    real_features = classify(real, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    fake_features = classify(fake, classifier, batch_size, max_images, outputs=("pool_3",))["pool_3"]
    return frechet_distance_from_features(real_features, fake_features)


def frechet_distance_from_features(real_features, fake_features):
    """FID between two feature matrices (N, d) and (M, d)."""
    return frechet_distance_from_statistics(*feature_statistics(real_features), *feature_statistics(fake_features))


def feature_statistics(features):
    """Mean (d,) and unbiased covariance (d, d) of features (N, d), in float64,
    accumulated in chunks so that float32 features are never copied whole."""
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"Expected features of shape (num_images, dim); got {features.shape}")
    n, d = features.shape
    if n < 2:
        raise ValueError(f"A covariance needs at least 2 feature vectors; got {n}")
    mean = np.zeros(d, np.float64)
    for i in range(0, n, _CHUNK):
        mean += features[i : i + _CHUNK].astype(np.float64).sum(axis=0)
    mean /= n
    scatter = np.zeros((d, d), np.float64)
    for i in range(0, n, _CHUNK):
        centered = features[i : i + _CHUNK].astype(np.float64) - mean
        scatter += centered.T @ centered
    return mean, scatter / (n - 1)


def frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2):
    """‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2}) for Gaussian statistics."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    d = mu1.shape[-1] if mu1.ndim else 0
    for name, mu, sigma in (("1", mu1, sigma1), ("2", mu2, sigma2)):
        if mu.shape != (d,) or sigma.shape != (d, d):
            raise ValueError(
                f"Expected mu{name} of shape ({d},) and sigma{name} of shape ({d}, {d}); got "
                f"{mu.shape} and {sigma.shape}"
            )
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    return float(max(value, 0.0))


def trace_sqrt_product(sigma1, sigma2):
    """Tr (Σ1 Σ2)^{1/2} for symmetric PSD Σ1, Σ2, via eigendecompositions."""
    sqrt_sigma1 = symmetric_sqrt(sigma1)
    product = sqrt_sigma1 @ np.asarray(sigma2, np.float64) @ sqrt_sigma1
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2.0)
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def symmetric_sqrt(matrix):
    """The PSD square root of a symmetric PSD matrix (negative eigenvalues → 0)."""
    matrix = np.asarray(matrix, np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
