"""IS, FID and KID as Keras callbacks that write into ``logs``.

Every ``every_n_epochs`` epochs each callback draws ``num_samples`` images
from the GAN (``model.generate(num_samples, seed)``, the same z every time so
that epochs compare) and writes

* `InceptionScore`: ``logs["inception_score"]``, ``logs["inception_score_std"]``;
* `FrechetDistance`: ``logs["fid"]``;
* `KernelDistance`: ``logs["kid"]``, ``logs["kid_std"]``.

Keras hands the same ``logs`` dict to the callbacks in list order, so list
these **before** the callbacks that read them::

    callbacks = [
        ganzoo.callbacks.InceptionScore(),
        ganzoo.callbacks.FrechetDistance(real="fashion_mnist"),
        keras.callbacks.ModelCheckpoint("best.keras", monitor="inception_score", mode="max",
                                        save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=5),
        keras.callbacks.CSVLogger("log.csv"),
    ]

The real statistics (FID's mean and covariance, KID's features) are computed
once, on the first evaluation, and cached. The callbacks also share one
draw of generated images and one classifier pass per epoch, so using all three
costs little more than one. At the defaults (1 000 images from the default
DCGAN scored by the shipped classifier) the three together took 2.3 s per
epoch on 2 heavily shared CPU cores (4.7 s on the first, which also scores the
real images): about 3 % of a Fashion-MNIST epoch of ~470 steps × 0.15 s
(``benchmarks/scoring_throughput.py`` measures scoring speed).
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

# The last (key, outputs) of generated images, shared by the callbacks.
_shared_fake = {}
# Loaded classifiers by handle, shared by the callbacks.
_shared_classifiers = {}


def _handle_key(handle):
    return handle if isinstance(handle, str) else ("id", id(handle))


class _GeneratorMetric(keras.callbacks.Callback):
    """Scores ``num_samples`` generated images every ``every_n_epochs`` epochs.

    Args:
        classifier: any handle `ganzoo.metrics.load_classifier` accepts;
            ``None`` picks by image shape (`ganzoo.metrics.default_classifier`:
            the shipped Fashion-MNIST classifier for 28×28×1 images).
        num_samples: generated images per evaluation.
        every_n_epochs: evaluate after epochs n, 2n, ... (1-based).
        seed: seed of the z used at every evaluation.
        batch_size: images per classifier call.
        verbose: print the scores and the seconds they took.
    """

    output_names = ()

    def __init__(
        self,
        classifier=None,
        num_samples=DEFAULT_NUM_SAMPLES,
        every_n_epochs=1,
        seed=0,
        batch_size=250,
        verbose=0,
    ):
        super().__init__()
        if not isinstance(num_samples, (int, np.integer)) or num_samples < 2:
            raise ValueError(f"num_samples must be an integer ≥ 2; got {num_samples!r}")
        if not isinstance(every_n_epochs, (int, np.integer)) or every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be a positive integer; got {every_n_epochs!r}")
        self.classifier = classifier
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.verbose = verbose
        self.last_seconds = None
        self._loaded = None

    def _handle(self):
        if self.classifier is None:
            return classifier_lib.default_classifier(self._image_shape())
        return self.classifier

    def _classifier(self):
        """The loaded classifier, one per handle for all the callbacks."""
        if self._loaded is None:
            handle = self._handle()
            key = _handle_key(handle)
            if key not in _shared_classifiers:
                # Keep the handle alive with it, so that its id stays unique.
                _shared_classifiers[key] = (handle, classifier_lib.load_classifier(handle))
            self._loaded = _shared_classifiers[key][1]
        return self._loaded

    def _image_shape(self):
        shape = getattr(self.model, "image_shape", None)
        if shape is None:
            raise ValueError(
                f"{type(self).__name__} needs a ganzoo GAN (with .generate and .image_shape); "
                f"got {type(self.model).__name__}"
            )
        return shape

    def _fake_outputs(self, epoch):
        """Classifier outputs on this epoch's generated images, shared."""
        classifier = self._classifier()
        key = (id(self.model), epoch, self.num_samples, self.seed, _handle_key(self._handle()))
        if _shared_fake.get("key") != key:
            if not hasattr(self.model, "generate"):
                raise ValueError(
                    f"{type(self).__name__} needs a model with .generate(num, seed); "
                    f"got {type(self.model).__name__}"
                )
            images = self.model.generate(self.num_samples, seed=self.seed)
            outputs = classifier_lib.classify(images, classifier, self.batch_size)
            _shared_fake.clear()
            _shared_fake.update(key=key, outputs=outputs)
        return _shared_fake["outputs"]

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        start = time.perf_counter()
        values = self.evaluate(self._fake_outputs(epoch))
        self.last_seconds = time.perf_counter() - start
        if logs is not None:
            logs.update(values)
        if self.verbose:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
            print(f"Epoch {epoch + 1}: {shown} ({self.last_seconds:.2f} s)")

    def on_train_end(self, logs=None):
        _shared_fake.clear()

    def evaluate(self, fake_outputs):
        """``{log name: float}`` from the classifier outputs on fakes."""
        raise NotImplementedError


class InceptionScore(_GeneratorMetric):
    """Writes ``logs["inception_score"]`` and ``logs["inception_score_std"]``
    (Salimans et al. 2016; see `ganzoo.metrics.inception_score`).

    Args:
        splits: IS splits (Salimans: 10); ``num_samples`` must be ≥ splits.
        **kwargs: see `_GeneratorMetric` (classifier, num_samples,
            every_n_epochs, seed, batch_size, verbose).

    Example:

    ```python
    gan.fit(ds, epochs=20, callbacks=[
        ganzoo.callbacks.InceptionScore(),
        keras.callbacks.ModelCheckpoint("best.keras", monitor="inception_score",
                                        mode="max", save_best_only=True)])
    ```
    """

    output_names = ("inception_score", "inception_score_std")

    def __init__(self, classifier=None, num_samples=DEFAULT_NUM_SAMPLES, every_n_epochs=1, splits=10, **kwargs):
        super().__init__(classifier, num_samples, every_n_epochs, **kwargs)
        if not isinstance(splits, (int, np.integer)) or not 1 <= splits <= self.num_samples:
            raise ValueError(
                f"splits must be an integer in [1, num_samples={self.num_samples}]; got {splits!r}"
            )
        self.splits = int(splits)

    def evaluate(self, fake_outputs):
        mean, std = inception_score_from_logits(fake_outputs["logits"], self.splits)
        return {"inception_score": mean, "inception_score_std": std}


class _RealDataMetric(_GeneratorMetric):
    """A metric against real images, whose statistics are computed once.

    Args:
        real: numpy array or ``tf.data.Dataset`` of real images in [-1, 1],
            or a dataset name for `ganzoo.data.load` (its "train" split).
        num_real_samples: real images to use; defaults to ``num_samples``
            (FID is biased by N, so equal sizes compare fairly).
    """

    def __init__(self, real, classifier=None, num_samples=DEFAULT_NUM_SAMPLES, every_n_epochs=1,
                 num_real_samples=None, **kwargs):
        super().__init__(classifier, num_samples, every_n_epochs, **kwargs)
        if real is None:
            raise ValueError(
                f"{type(self).__name__} needs real images: an array, a tf.data.Dataset or a "
                f"dataset name such as 'fashion_mnist'"
            )
        self.real = real
        self.num_real_samples = int(num_real_samples or self.num_samples)
        self._real_statistics = None

    def _real_features(self):
        real = self.real
        if isinstance(real, str):
            from ganzoo import data

            real = data.load(real, split="train", batch_size=self.batch_size, shuffle=False)
        return classifier_lib.classify(
            real, self._classifier(), self.batch_size, self.num_real_samples, outputs=("pool_3",)
        )["pool_3"]

    @property
    def real_statistics(self):
        """The cached real statistics (computed on first use)."""
        if self._real_statistics is None:
            self._real_statistics = self.summarize(self._real_features())
        return self._real_statistics

    def summarize(self, real_features):
        raise NotImplementedError


class FrechetDistance(_RealDataMetric):
    """Writes ``logs["fid"]`` (Heusel et al. 2017; see
    `ganzoo.metrics.frechet_distance`). Args: see `_RealDataMetric` and
    `_GeneratorMetric`."""

    output_names = ("fid",)

    def summarize(self, real_features):
        return feature_statistics(real_features)

    def evaluate(self, fake_outputs):
        mu, sigma = self.real_statistics
        return {"fid": frechet_distance_from_statistics(mu, sigma, *feature_statistics(fake_outputs["pool_3"]))}


class KernelDistance(_RealDataMetric):
    """Writes ``logs["kid"]`` and ``logs["kid_std"]`` (Bińkowski et al. 2018;
    see `ganzoo.metrics.kernel_distance`).

    Args:
        num_subsets: subsets averaged per evaluation (10 by default, against the
            paper's 100, to keep the callback cheap).
        subset_size: features per subset, capped at the sample sizes;
            default ``num_samples // 2``, so that the subsets differ.
        **kwargs: see `_RealDataMetric` and `_GeneratorMetric`.
    """

    output_names = ("kid", "kid_std")

    def __init__(self, real, classifier=None, num_samples=DEFAULT_NUM_SAMPLES, every_n_epochs=1,
                 num_subsets=CALLBACK_KID_SUBSETS, subset_size=None, **kwargs):
        super().__init__(real, classifier, num_samples, every_n_epochs, **kwargs)
        self.num_subsets = int(num_subsets)
        # Subsets as large as the sample would all be the whole sample (std 0).
        self.subset_size = int(subset_size or max(2, self.num_samples // 2))

    def summarize(self, real_features):
        return real_features

    def evaluate(self, fake_outputs):
        mean, std = kernel_distance_from_features(
            self.real_statistics, fake_outputs["pool_3"], self.num_subsets, self.subset_size, self.seed
        )
        return {"kid": mean, "kid_std": std}
