"""Inception Score (Salimans et al. 2016, "Improved Techniques for Training GANs").

    IS(G) = exp( E_x KL( p(y|x) ‖ p(y) ) ),   p(y) = E_x p(y|x)

A confident p(y|x) means recognisable images, a spread-out marginal p(y)
means diverse ones; IS ranges from 1 (all images get the same prediction) to
the number of classes k (confident and spread evenly over the k classes).

Salimans' convention, which TF-GAN follows and ganzoo keeps:

* p(y|x) is the softmax over **all** the logits the classifier returns;
* the N images are cut into ``splits = 10`` consecutive parts (part i holds
  images [i·N/splits, (i+1)·N/splits)), each part gets its own p(y) and score,
  and the result is the mean and standard deviation of the ``splits`` scores;
* 50 000 generated images.

Known pitfalls (Barratt & Sharma 2018, "A Note on the Inception Score"):

* TF-GAN's Inception (the default handle) returns **1008** logits: 1001
  ImageNet classes (with "background") and 7 unused ones. Salimans' code and
  TF-GAN take the softmax over all 1008; slicing to 1000 or 1001 changes the
  score, so ganzoo does not slice.
* Scores are only comparable with the same network weights (TF Inception vs
  torchvision Inception differ by several points), the same resizing (here
  ``tf.image.resize``, bilinear, to 299×299), the same input range ([-1, 1]),
  the same N and the same number of splits. Fewer images give a lower score.
* The std over splits is not a confidence interval of the mean.
* IS never looks at real data: it rewards one sharp image per class and is
  blind to mode dropping within a class. Report FID/KID beside it.
* With the shipped Fashion-MNIST classifier the ceiling is not 10 but the IS
  of the real test set, recorded in its ``model_card.json``.

Example:

```python
mean, std = ganzoo.metrics.inception_score(gan.generate(10_000, seed=0),
                                           classifier="fashion_mnist")
```
"""

import numpy as np

from ganzoo.metrics.classifier import classify

DEFAULT_SPLITS = 10


def inception_score(images, classifier=None, splits=DEFAULT_SPLITS, batch_size=100, max_images=None):
    """IS of ``images`` under ``classifier``, as ``(mean, std)`` over ``splits``.

    Args:
        images: numpy array (N, H, W, C) or ``tf.data.Dataset`` of float
            images in [-1, 1] (images, ``(images, labels)`` or ``{"image"}``).
        classifier: any handle `ganzoo.metrics.load_classifier` accepts;
            ``None`` is TF-GAN's Inception from TF-Hub.
        splits: number of parts (Salimans: 10).
        batch_size: images per classifier call.
        max_images: use at most this many images of a dataset.

    Returns:
        ``(mean, std)`` as Python floats.

    Raises:
        ValueError: fewer images than ``splits``.
    """
    _check_splits(splits)
    if hasattr(images, "shape") and len(images) < splits:
        _too_few(len(images), splits)
    logits = classify(images, classifier, batch_size, max_images, outputs=("logits",))["logits"]
    return inception_score_from_logits(logits, splits)


def inception_score_from_logits(logits, splits=DEFAULT_SPLITS):
    """IS from classifier logits (N, k): p(y|x) = softmax(logits), in float64."""
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2:
        raise ValueError(f"Expected logits of shape (num_images, num_classes); got {logits.shape}")
    _check_splits(splits)
    if len(logits) < splits:
        _too_few(len(logits), splits)
    # log p(y|x) by a stable log-softmax; rows are independent, so compute once.
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return _split_scores(np.exp(log_p), log_p, splits)


def inception_score_from_probabilities(probabilities, splits=DEFAULT_SPLITS):
    """IS from class probabilities p(y|x) (N, k), rows summing to 1 (zeros allowed)."""
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2:
        raise ValueError(f"Expected probabilities of shape (num_images, num_classes); got {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("Expected rows of probabilities: non-negative and summing to 1")
    _check_splits(splits)
    if len(p) < splits:
        _too_few(len(p), splits)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    return _split_scores(p, log_p, splits)


def _split_scores(p, log_p, splits):
    """Salimans' split loop on p(y|x) (N, k) and its log, float64."""
    n = len(p)
    scores = []
    for i in range(splits):
        rows = slice(i * n // splits, (i + 1) * n // splits)
        part, log_part = p[rows], log_p[rows]
        p_y = part.mean(axis=0)  # (k,) the marginal of this part
        with np.errstate(divide="ignore"):
            log_p_y = np.log(p_y)
        # KL(p(y|x) ‖ p(y)) per image; 0·log 0 = 0 (p_y = 0 implies p(y|x) = 0).
        log_ratio = np.where(part > 0, log_part - np.where(p_y > 0, log_p_y, 0.0), 0.0)
        scores.append(np.exp(np.mean(np.sum(part * log_ratio, axis=1))))
    return float(np.mean(scores)), float(np.std(scores))


def _check_splits(splits):
    if not isinstance(splits, (int, np.integer)) or splits < 1:
        raise ValueError(f"splits must be a positive integer; got {splits!r}")


def _too_few(num_images, splits):
    raise ValueError(
        f"The Inception Score needs at least splits={splits} images (one per split); got "
        f"{num_images}. Pass more images or fewer splits (Salimans: 50 000 images, 10 splits)."
    )
