"""IS, FID and KID during training: one Keras callback that writes ``logs``.

Every ``every_n_epochs`` epochs `GeneratorMetrics` draws ``num_samples``
images from the GAN (``model.generate(num_samples, seed)``, the same z every
time so that epochs compare), classifies them once, and writes for each of
its ``metrics``:

* ``"is"``: ``logs["inception_score"]``, ``logs["inception_score_std"]``;
* ``"fid"``: ``logs["fid"]``;
* ``"kid"``: ``logs["kid"]``, ``logs["kid_std"]``.

Keras hands the same ``logs`` dict to the callbacks in list order, so list
it **before** the callbacks that read them::

    callbacks = [
        ganzoo.callbacks.GeneratorMetrics(metrics=("is", "fid"), real="fashion_mnist"),
        keras.callbacks.ModelCheckpoint("best.keras", monitor="inception_score", mode="max",
                                        save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=5),
        keras.callbacks.CSVLogger("log.csv"),
    ]

The classifier is loaded and the real images' features are computed once, on
the first evaluation, and kept by the callback (nothing is cached at module
level). At the defaults (1 000 images from the default DCGAN scored by the
shipped classifier) the three metrics together took 2.3 s per epoch on 2
heavily shared CPU cores (4.7 s on the first, which also scores the real
images): about 3 % of a Fashion-MNIST epoch of ~470 steps × 0.15 s
(``benchmarks/scoring_throughput.py`` measures scoring speed).

`InceptionScore`, `FrechetDistance` and `KernelDistance` are the same
callback with one metric each, kept for existing code.
"""

import time

import keras
import numpy as np

from ganzoo.metrics import classifier as classifier_lib
from ganzoo.metrics.frechet_distance import feature_statistics, frechet_distance_from_statistics
from ganzoo.metrics.inception_score import inception_score_from_logits
from ganzoo.metrics.kernel_distance import kernel_distance_from_features

DEFAULT_NUM_SAMPLES = 1000
# KID in a callback: fewer subsets than the paper's 100, to stay cheap.
CALLBACK_KID_SUBSETS = 10
# Metric name → the log keys it writes.
METRICS = {
    "is": ("inception_score", "inception_score_std"),
    "fid": ("fid",),
    "kid": ("kid", "kid_std"),
}


class GeneratorMetrics(keras.callbacks.Callback):
    """Scores ``num_samples`` generated images every ``every_n_epochs`` epochs.

    Args:
        metrics: names from ``METRICS``: "is" (Salimans et al. 2016), "fid"
            (Heusel et al. 2017), "kid" (Bińkowski et al. 2018).
        real: for "fid"/"kid": a numpy array or ``tf.data.Dataset`` of real
            images in [-1, 1], or a dataset name for `ganzoo.data.load`
            (its "train" split).
        classifier: any handle `ganzoo.metrics.load_classifier` accepts;
            ``None`` picks by image shape (`ganzoo.metrics.default_classifier`:
            the shipped Fashion-MNIST classifier for 28×28×1 images).
        num_samples: generated images per evaluation.
        every_n_epochs: evaluate after epochs n, 2n, ... (1-based).
        seed: seed of the z used at every evaluation (and of KID's subsets).
        batch_size: images per classifier call.
        splits: IS splits (Salimans: 10); ``num_samples`` must be ≥ splits.
        num_real_samples: real images to use; defaults to ``num_samples``
            (FID is biased by N, so equal sizes compare fairly).
        num_subsets: KID subsets per evaluation (10, against the paper's 100,
            to keep the callback cheap).
        subset_size: features per KID subset, capped at the sample sizes;
            default ``num_samples // 2``, so that the subsets differ.
        verbose: print the scores and the seconds they took.

    Example:

    ```python
    gan.fit(ds, epochs=20, callbacks=[
        ganzoo.callbacks.GeneratorMetrics(metrics=("is", "fid"), real="fashion_mnist"),
        keras.callbacks.ModelCheckpoint("best.keras", monitor="fid", mode="min",
                                        save_best_only=True)])
    ```
    """

    def __init__(self, metrics=("is",), real=None, classifier=None, num_samples=DEFAULT_NUM_SAMPLES,
                 every_n_epochs=1, seed=0, batch_size=250, splits=10, num_real_samples=None,
                 num_subsets=CALLBACK_KID_SUBSETS, subset_size=None, verbose=0):
        super().__init__()
        metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown or not metrics:
            raise ValueError(f"Unknown metrics {unknown or metrics!r}; available: {sorted(METRICS)}")
        if not isinstance(num_samples, (int, np.integer)) or num_samples < 2:
            raise ValueError(f"num_samples must be an integer ≥ 2; got {num_samples!r}")
        if not isinstance(every_n_epochs, (int, np.integer)) or every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be a positive integer; got {every_n_epochs!r}")
        if "is" in metrics and (not isinstance(splits, (int, np.integer)) or not 1 <= splits <= num_samples):
            raise ValueError(f"splits must be an integer in [1, num_samples={num_samples}]; got {splits!r}")
        if real is None and {"fid", "kid"} & set(metrics):
            raise ValueError(
                f"{type(self).__name__} needs real images for {sorted({'fid', 'kid'} & set(metrics))}: an "
                f"array, a tf.data.Dataset or a dataset name such as 'fashion_mnist'"
            )
        self.metrics, self.real, self.classifier = metrics, real, classifier
        self.num_samples, self.every_n_epochs = int(num_samples), int(every_n_epochs)
        self.seed, self.batch_size, self.splits, self.verbose = int(seed), int(batch_size), int(splits), verbose
        self.num_real_samples = int(num_real_samples or self.num_samples)
        self.num_subsets = int(num_subsets)
        # Subsets as large as the sample would all be the whole sample (std 0).
        self.subset_size = int(subset_size or max(2, self.num_samples // 2))
        self.last_seconds = None
        self._loaded = None  # the classifier, loaded on first use
        self._real_features = None  # pool_3 features of the real images
        self._real_statistics = None  # their mean and covariance, for FID

    @property
    def output_names(self):
        """The log keys this callback writes."""
        return tuple(key for m in self.metrics for key in METRICS[m])

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        start = time.perf_counter()
        values = self.evaluate(self.generated_outputs())
        self.last_seconds = time.perf_counter() - start
        if logs is not None:
            logs.update(values)
        if self.verbose:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
            print(f"Epoch {epoch + 1}: {shown} ({self.last_seconds:.2f} s)")

    def generated_outputs(self):
        """The classifier's outputs on ``num_samples`` images of the model."""
        if not hasattr(self.model, "generate"):
            raise ValueError(
                f"{type(self).__name__} needs a model with .generate(num, seed); got {type(self.model).__name__}"
            )
        images = self.model.generate(self.num_samples, seed=self.seed)
        return classifier_lib.classify(images, self.loaded_classifier(), self.batch_size)

    def evaluate(self, fake_outputs):
        """``{log name: float}`` for every metric, from the outputs on fakes."""
        values = {}
        if "is" in self.metrics:
            values["inception_score"], values["inception_score_std"] = inception_score_from_logits(
                fake_outputs["logits"], self.splits
            )
        if "fid" in self.metrics:
            if self._real_statistics is None:
                self._real_statistics = feature_statistics(self.real_features())
            real_mu, real_sigma = self._real_statistics
            fake_mu, fake_sigma = feature_statistics(fake_outputs["pool_3"])
            values["fid"] = frechet_distance_from_statistics(real_mu, real_sigma, fake_mu, fake_sigma)
        if "kid" in self.metrics:
            values["kid"], values["kid_std"] = kernel_distance_from_features(
                self.real_features(), fake_outputs["pool_3"], self.num_subsets, self.subset_size, self.seed
            )
        return values

    def loaded_classifier(self):
        """The classifier, loaded once per callback."""
        if self._loaded is None:
            handle = self.classifier
            if handle is None:
                shape = getattr(self.model, "image_shape", None)
                if shape is None:
                    raise ValueError(
                        f"{type(self).__name__} needs a ganzoo GAN (with .generate and .image_shape); "
                        f"got {type(self.model).__name__}"
                    )
                handle = classifier_lib.default_classifier(shape)
            self._loaded = classifier_lib.load_classifier(handle)
        return self._loaded

    def real_features(self):
        """The real images' pool_3 features, computed on first use."""
        if self._real_features is None:
            real = self.real
            if isinstance(real, str):
                from ganzoo import data

                real = data.load(real, split="train", batch_size=self.batch_size, shuffle=False)
            self._real_features = classifier_lib.classify(
                real, self.loaded_classifier(), self.batch_size, self.num_real_samples, outputs=("pool_3",)
            )["pool_3"]
        return self._real_features


class InceptionScore(GeneratorMetrics):
    """``GeneratorMetrics(metrics=("is",), ...)``: writes
    ``logs["inception_score"]`` and ``logs["inception_score_std"]``."""

    def __init__(self, classifier=None, num_samples=DEFAULT_NUM_SAMPLES, every_n_epochs=1, splits=10, **kwargs):
        super().__init__(("is",), None, classifier, num_samples, every_n_epochs, splits=splits, **kwargs)


class FrechetDistance(GeneratorMetrics):
    """``GeneratorMetrics(metrics=("fid",), real=real, ...)``: writes ``logs["fid"]``."""

    def __init__(self, real, classifier=None, num_samples=DEFAULT_NUM_SAMPLES, every_n_epochs=1, **kwargs):
        super().__init__(("fid",), real, classifier, num_samples, every_n_epochs, **kwargs)


class KernelDistance(GeneratorMetrics):
    """``GeneratorMetrics(metrics=("kid",), real=real, ...)``: writes
    ``logs["kid"]`` and ``logs["kid_std"]``."""

    def __init__(self, real, classifier=None, num_samples=DEFAULT_NUM_SAMPLES, every_n_epochs=1, **kwargs):
        super().__init__(("kid",), real, classifier, num_samples, every_n_epochs, **kwargs)
