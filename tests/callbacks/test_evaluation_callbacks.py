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
    with pytest.raises(ValueError, match=r"Unknown metrics \['ssim'\]; available: \['fid', 'is', 'kid'\]"):
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
