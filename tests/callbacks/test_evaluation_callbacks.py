"""GeneratorMetrics (and its one-metric aliases InceptionScore,
FrechetDistance and KernelDistance) write into logs and drive
ModelCheckpoint, CSVLogger and EarlyStopping."""

import csv
import os

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.callbacks import FrechetDistance, GeneratorMetrics, InceptionScore, KernelDistance
from ganzoo.callbacks import evaluation
from helpers import random_images, tiny_classifier, tiny_gan


@pytest.mark.slow
def test_callbacks_drive_model_checkpoint_and_csv_logger(tmp_path):
    classifier = tiny_classifier()
    real = random_images(40, seed=5)
    checkpoint_path = str(tmp_path / "best.keras")
    csv_path = str(tmp_path / "log.csv")
    checkpoint = keras.callbacks.ModelCheckpoint(
        checkpoint_path, monitor="inception_score", mode="max", save_best_only=True
    )
    callbacks = [
        InceptionScore(classifier=classifier, num_samples=20, splits=2),
        FrechetDistance(real=real, classifier=classifier, num_samples=20),
        KernelDistance(real=real, classifier=classifier, num_samples=20, subset_size=10),
        checkpoint,
        keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=5),
        keras.callbacks.CSVLogger(csv_path),
    ]
    gan = tiny_gan()
    gan.compile()
    history = gan.fit(random_images(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)

    for key in ("inception_score", "inception_score_std", "fid", "kid", "kid_std"):
        assert len(history.history[key]) == 2 and np.all(np.isfinite(history.history[key])), key
    assert all(1.0 <= v <= 10.0 for v in history.history["inception_score"])
    assert all(v > 0 for v in history.history["fid"])  # random G vs other random images
    assert checkpoint.best == pytest.approx(max(history.history["inception_score"]))
    assert os.path.exists(checkpoint_path)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and {"inception_score", "fid", "kid"} <= set(rows[0])
    assert float(rows[1]["fid"]) == pytest.approx(history.history["fid"][1], rel=1e-5)


@pytest.mark.slow
def test_one_callback_classifies_real_images_once_and_generates_once_per_epoch(monkeypatch):
    classifier = tiny_classifier()
    classified = []
    real_classify = evaluation.classifier_lib.classify
    monkeypatch.setattr(
        evaluation.classifier_lib, "classify",
        lambda images, *args, **kwargs: classified.append(len(images)) or real_classify(images, *args, **kwargs),
    )
    gan = tiny_gan()
    metrics = GeneratorMetrics(
        metrics=("is", "fid", "kid"), real=random_images(30, seed=4), classifier=classifier, num_samples=16, splits=2
    )
    gan.compile()
    history = gan.fit(random_images(8), batch_size=8, epochs=3, verbose=0, callbacks=[metrics])
    # The 30 real images once (num_real_samples defaults to num_samples), then 16 fakes per epoch.
    assert classified == [16, 30, 16, 16]
    assert set(metrics.output_names) <= set(history.history)
    assert metrics.loaded_classifier() is metrics.loaded_classifier()


def test_aliases_are_one_metric_generator_metrics():
    assert InceptionScore().metrics == ("is",)
    assert FrechetDistance(real="fashion_mnist").output_names == ("fid",)
    assert KernelDistance(real="fashion_mnist").output_names == ("kid", "kid_std")
    with pytest.raises(ValueError, match=r"Unknown metrics \['ssim'\]; available: \['coverage', 'density', 'fid', 'is'"):
        GeneratorMetrics(metrics=("is", "ssim"))
    with pytest.raises(ValueError, match=r"needs real images for \['fid'\]"):
        GeneratorMetrics(metrics=("fid",))


@pytest.mark.slow
def test_every_n_epochs_and_the_same_z_each_time():
    classifier = tiny_classifier()
    gan = tiny_gan()
    gan.compile()
    gan.trainable = False  # no updates: the same z must give the same score
    score = InceptionScore(classifier=classifier, num_samples=20, splits=2, every_n_epochs=2)
    history = gan.fit(random_images(8), batch_size=8, epochs=4, verbose=0, callbacks=[score])
    values = history.history["inception_score"]
    assert len(values) == 2  # epochs 2 and 4 only
    assert values[0] == pytest.approx(values[1], rel=1e-6)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_samples must be an integer ≥ 2; got 1"):
        InceptionScore(num_samples=1)
    with pytest.raises(ValueError, match=r"splits must be an integer in \[1, num_samples=5\]; got 10"):
        InceptionScore(num_samples=5, splits=10)
    with pytest.raises(ValueError, match="every_n_epochs must be a positive integer"):
        KernelDistance(real="fashion_mnist", every_n_epochs=0)
    with pytest.raises(ValueError, match="needs real images"):
        FrechetDistance(real=None)


def test_default_classifier_is_the_shipped_one_for_28x28x1():
    callback = InceptionScore()
    callback.set_model(tiny_gan())
    assert evaluation.DEFAULT_NUM_SAMPLES == callback.num_samples == 1000
    assert ganzoo.metrics.default_classifier(callback.model.image_shape) == "fashion_mnist"


def test_kid_subsets_default_to_half_the_samples_so_they_differ():
    assert KernelDistance(real="fashion_mnist").subset_size == 500
    assert KernelDistance(real="fashion_mnist", num_samples=100, subset_size=30).subset_size == 30


KNN_NAMES = ("precision", "recall", "density", "coverage")


@pytest.mark.slow
def test_precision_recall_density_coverage_in_logs_match_the_metrics():
    classifier = tiny_classifier()
    real = random_images(30, seed=4)
    callback = GeneratorMetrics(
        metrics=("fid", *KNN_NAMES), real=real, classifier=classifier, num_samples=16, num_real_samples=30
    )
    gan = tiny_gan()
    callback.set_model(gan)
    logs = {}
    callback.on_epoch_end(0, logs)
    assert callback.output_names == ("fid", *KNN_NAMES) and set(logs) == set(callback.output_names)
    fake = ganzoo.metrics.classify(gan.generate(16, seed=0), classifier, outputs=("pool_3",))["pool_3"]
    real_features = ganzoo.metrics.classify(real, classifier, outputs=("pool_3",))["pool_3"]
    expected = {
        **ganzoo.metrics.precision_recall(real=real_features, fake=fake),
        **ganzoo.metrics.density_coverage(real=real_features, fake=fake),
    }
    for name in KNN_NAMES:
        assert logs[name] == pytest.approx(expected[name], abs=1e-9), name
    # Through fit, every epoch's logs (and so the History) carry them.
    gan.compile()
    history = gan.fit(random_images(8), batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    for name in KNN_NAMES:
        assert len(history.history[name]) == 2 and np.all(np.isfinite(history.history[name])), name


def test_only_the_asked_knn_scores_are_written():
    classifier = tiny_classifier()
    callback = GeneratorMetrics(metrics=("recall",), real=random_images(20, seed=2), classifier=classifier,
                                num_samples=10)
    callback.set_model(tiny_gan())
    values = callback.evaluate(callback.generated_outputs())
    assert set(values) == {"recall"} and 0 <= values["recall"] <= 1


def test_a_kid_subset_larger_than_the_samples_is_refused_at_init():
    with pytest.raises(ValueError, match=r"KID subset_size=200 is larger than the sample: 100 real and 100 fake"):
        GeneratorMetrics(metrics=("kid",), real="fashion_mnist", num_samples=100, subset_size=200)
    with pytest.raises(ValueError, match=r"subset_size=80 is larger than the sample: 50 real and 100 fake"):
        KernelDistance(real="fashion_mnist", num_samples=100, num_real_samples=50, subset_size=80)
    with pytest.raises(ValueError, match="subset_size must be an integer ≥ 2; got 1"):
        KernelDistance(real="fashion_mnist", num_samples=100, subset_size=1)
    assert KernelDistance(real="fashion_mnist", num_samples=100, subset_size=100).subset_size == 100


def test_knn_scores_need_more_samples_than_k_and_real_images():
    with pytest.raises(ValueError, match=r"k=5 needs more than k real samples.*got 4"):
        GeneratorMetrics(metrics=("density",), real="fashion_mnist", num_samples=4, splits=2)
    with pytest.raises(ValueError, match=r"needs real images for \['coverage', 'precision'\]"):
        GeneratorMetrics(metrics=("is", "precision", "coverage"))
