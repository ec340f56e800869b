"""Mode-collapse meters: how many modes or classes the generator covers.

On the 2-D mixtures (ring8, grid25) this follows the PacGAN protocol (Lin et
al. 2018, "PacGAN: The power of two samples in GANs", §5.1, after VEEGAN,
Srivastava et al. 2017). Draw 2500 samples; for each find the nearest mode:

* a sample is **high quality** when it lies within 3σ of its nearest mode
  (σ the mixture's standard deviation);
* a mode is **covered** when it is the nearest mode of at least one
  high-quality sample;
* the **reverse KL** is KL(p ‖ u) = Σ_k p_k log(K · p_k), where p is the
  histogram over the K modes of the *high-quality* samples (each counted at
  its nearest mode, normalised by their number) and u the uniform mixture
  weights 1/K. Empty bins contribute 0 (0 · log 0 = 0; u has no empty bin,
  so no smoothing is needed). The value is 0 when every mode gets the same
  share and log K when all high-quality samples sit on one mode. With no
  high-quality sample at all p is undefined and the reverse KL is NaN.

On images, a classifier labels each sample with its argmax class: **classes
covered** is the number of classes predicted at least once, and the class KL
is KL(p ‖ u) of the predicted-label histogram p over the classifier's C
classes, with the same conventions (0 for a uniform histogram, log C when all
samples get one label).

The pure functions ``mixture_coverage`` and ``class_coverage`` compute these
from samples; the ``ModeCoverage`` callback runs them during training.
"""

import keras
import numpy as np

from ganzoo.data.mixtures import MIXTURES, GaussianMixture

# Samples per evaluation in the PacGAN protocol.
PACGAN_NUM_SAMPLES = 2500


def mixture_coverage(samples, mixture, num_std=3.0):
    """Modes covered, % high-quality samples and reverse KL on a mixture.

    Args:
        samples: points of shape (num, dim).
        mixture: a `ganzoo.data.GaussianMixture` or a name in
            `ganzoo.data.MIXTURES` ("ring8", "grid25").
        num_std: a sample is high quality within ``num_std`` · σ of its
            nearest mode (3 in PacGAN).

    Returns:
        ``{"modes": int, "high_quality": float in [0, 100], "reverse_kl":
        float}``; see the module docstring for the definitions.
    """
    mixture = _mixture(mixture)
    samples = np.asarray(samples, np.float64)
    dim = mixture.centers.shape[1]
    if samples.ndim != 2 or samples.shape[1] != dim or len(samples) == 0:
        raise ValueError(
            f"samples must have shape (num, {dim}) with num ≥ 1 for {mixture.name!r}; "
            f"got {samples.shape}"
        )
    nearest, distance = mixture.nearest_mode(samples)
    good = distance <= num_std * mixture.std
    counts = np.bincount(nearest[good], minlength=mixture.num_modes)
    return {
        "modes": int(np.count_nonzero(counts)),
        "high_quality": float(100.0 * np.mean(good)),
        "reverse_kl": reverse_kl_from_counts(counts),
    }


def class_coverage(logits, num_classes=None):
    """Classes covered and KL(predicted-label histogram ‖ uniform).

    Args:
        logits: classifier outputs of shape (num, num_classes) (logits or
            probabilities: only the argmax is used).
        num_classes: C; defaults to ``logits.shape[-1]``.

    Returns:
        ``{"classes": int, "class_kl": float}``.
    """
    logits = np.asarray(logits)
    if logits.ndim != 2 or len(logits) == 0:
        raise ValueError(f"logits must have shape (num, num_classes) with num ≥ 1; got {logits.shape}")
    num_classes = logits.shape[-1] if num_classes is None else int(num_classes)
    if num_classes < logits.shape[-1]:
        raise ValueError(f"num_classes={num_classes} is less than the {logits.shape[-1]} logits per sample")
    counts = np.bincount(np.argmax(logits, axis=-1), minlength=num_classes)
    return {"classes": int(np.count_nonzero(counts)), "class_kl": reverse_kl_from_counts(counts)}


def reverse_kl_from_counts(counts):
    """KL(p ‖ uniform) = Σ_k p_k log(K p_k) of a histogram ``counts`` over K
    bins, with 0 · log 0 = 0; NaN when the histogram is empty."""
    counts = np.asarray(counts, np.float64)
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(len(counts) * p)))


class ModeCoverage(keras.callbacks.Callback):
    """Writes mode-collapse meters into ``logs`` at the end of epochs.

    Give either ``mixture`` (2-D data) or ``classifier`` (images). The values
    land in the progress bar, and in TensorBoard and CSVLogger when this
    callback comes *before* them in the ``callbacks`` list.

    Args:
        mixture: a `ganzoo.data.GaussianMixture` or its name ("ring8",
            "grid25"). Logs ``modes``, ``high_quality`` (%) and ``reverse_kl``.
        classifier: a `keras.Model` or any callable from a batch of images to
            logits of shape (batch, C), or to a dict holding them under
            "logits". Logs ``classes`` and ``class_kl``.
        num_classes: C for the classifier (default: its output width).
        num_samples: samples drawn per evaluation (2500 in PacGAN).
        seed: the samples' seed; the same z every evaluation.
        every_n_epochs: evaluate every this many epochs (and not in between).
        batch_size: images per classifier call.
        num_std: the high-quality radius in σ (3 in PacGAN).

    Example:

    ```python
    gan.fit(ganzoo.data.load("grid25"), epochs=10,
            callbacks=[ganzoo.callbacks.ModeCoverage("grid25"),
                       keras.callbacks.CSVLogger("log.csv")])
    ```
    """

    def __init__(
        self,
        mixture=None,
        classifier=None,
        num_classes=None,
        num_samples=PACGAN_NUM_SAMPLES,
        seed=0,
        every_n_epochs=1,
        batch_size=256,
        num_std=3.0,
    ):
        super().__init__()
        if (mixture is None) == (classifier is None):
            raise ValueError(
                "Give exactly one of mixture= (a GaussianMixture or one of "
                f"{sorted(MIXTURES)}) and classifier= (a callable returning logits)"
            )
        if classifier is not None and not callable(classifier):
            raise ValueError(f"classifier must be callable; got {type(classifier).__name__}")
        for arg, value in (("num_samples", num_samples), ("every_n_epochs", every_n_epochs), ("batch_size", batch_size)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{arg} must be a positive integer; got {value!r}")
        self.mixture = None if mixture is None else _mixture(mixture)
        self.classifier = classifier
        self.num_classes = num_classes
        self.num_samples = int(num_samples)
        self.seed = seed
        self.every_n_epochs = int(every_n_epochs)
        self.batch_size = int(batch_size)
        self.num_std = float(num_std)

    def evaluate(self, gan):
        """Draws ``num_samples`` from ``gan`` and returns the meters."""
        samples = gan.generate(self.num_samples, seed=self.seed, batch_size=self.batch_size)
        if self.mixture is not None:
            return mixture_coverage(samples, self.mixture, self.num_std)
        return class_coverage(self._classify(samples), self.num_classes)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or (epoch + 1) % self.every_n_epochs:
            return
        logs.update(self.evaluate(self.model))

    def _classify(self, images):
        chunks = []
        for start in range(0, len(images), self.batch_size):
            out = self.classifier(images[start : start + self.batch_size])
            if isinstance(out, dict):
                if "logits" not in out:
                    raise ValueError(f"The classifier returned a dict without 'logits'; keys {sorted(out)}")
                out = out["logits"]
            chunks.append(keras.ops.convert_to_numpy(out))
        return np.concatenate(chunks, axis=0)


def _mixture(mixture):
    if isinstance(mixture, GaussianMixture):
        return mixture
    if isinstance(mixture, str) and mixture in MIXTURES:
        return MIXTURES[mixture]
    raise ValueError(f"Unknown mixture {mixture!r}; expected a GaussianMixture or one of {sorted(MIXTURES)}")
