import math

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.callbacks import ModeCoverage, class_coverage, mixture_coverage

GRID = ganzoo.data.MIXTURES["grid25"]
RING = ganzoo.data.MIXTURES["ring8"]


def test_all_samples_on_one_mode():
    samples = np.tile(GRID.centers[7], (2500, 1))
    assert mixture_coverage(samples, "grid25") == {
        "modes": 1, "high_quality": 100.0, "reverse_kl": pytest.approx(math.log(25)),
    }


def test_all_modes_equally():
    samples = np.repeat(RING.centers, 100, axis=0) + 0.02  # 0.028 < 3σ = 0.03 away
    assert mixture_coverage(samples, RING) == {"modes": 8, "high_quality": 100.0, "reverse_kl": 0.0}


def test_off_mode_noise_is_not_high_quality_and_covers_nothing():
    # Midpoints of the grid cells: √2 from every nearest mode, far beyond 3σ = 0.15.
    samples = np.tile([[1.0, 1.0], [-1.0, 3.0]], (50, 1))
    result = mixture_coverage(samples, "grid25")
    assert result["modes"] == 0 and result["high_quality"] == 0.0
    assert math.isnan(result["reverse_kl"])


def test_mixed_samples_counts_and_reverse_kl():
    # 3 samples on mode 0, 1 on mode 1, 1 just beyond 3σ of mode 2, 5 noise.
    samples = np.concatenate([
        np.tile(RING.centers[0], (3, 1)),
        RING.centers[1:2],
        RING.centers[2:3] + [0.0, 0.031],
        np.zeros((5, 2)),
    ])
    result = mixture_coverage(samples, "ring8")
    assert result["modes"] == 2
    assert result["high_quality"] == pytest.approx(40.0)
    p = np.array([0.75, 0.25])
    assert result["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(8 * p))))


def test_class_coverage():
    logits = np.eye(10)[[0, 0, 3, 3, 9, 9]]
    result = class_coverage(logits)
    assert result["classes"] == 3
    assert result["class_kl"] == pytest.approx(math.log(10 / 3))
    assert class_coverage(np.eye(4)) == {"classes": 4, "class_kl": 0.0}


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"shape \(num, 2\) .* got \(5, 3\)"):
        mixture_coverage(np.zeros((5, 3)), "grid25")
    with pytest.raises(ValueError, match="Unknown mixture 'grid9'"):
        mixture_coverage(np.zeros((5, 2)), "grid9")
    with pytest.raises(ValueError, match="exactly one of mixture="):
        ModeCoverage()


class FixedGenerator:
    """Stands in for a GAN: generate() returns given samples."""

    def __init__(self, samples):
        self.samples = samples

    def generate(self, num, seed=None, batch_size=256):
        return self.samples[:num]


def test_callback_writes_mixture_meters_into_logs():
    callback = ModeCoverage("grid25", num_samples=25)
    callback.set_model(FixedGenerator(GRID.centers.astype("float32")))
    logs = {"d_loss": 1.0}
    callback.on_epoch_end(0, logs)
    assert logs == {"d_loss": 1.0, "modes": 25, "high_quality": 100.0, "reverse_kl": 0.0}


@pytest.mark.parametrize("as_dict", [False, True])
def test_callback_with_a_classifier(as_dict):
    images = np.zeros((6, 4, 4, 1), "float32")
    images[:3] = 1.0  # three images of class 1, three of class 0
    inputs = keras.Input((4, 4, 1))
    mean = keras.layers.GlobalAveragePooling2D()(inputs)
    model = keras.Model(inputs, keras.layers.Concatenate()([1.0 - mean, mean]))
    classifier = (lambda x: {"logits": model(x)}) if as_dict else model
    callback = ModeCoverage(classifier=classifier, num_classes=5, num_samples=6, batch_size=4, every_n_epochs=2)
    callback.set_model(FixedGenerator(images))
    logs = {}
    callback.on_epoch_end(0, logs)
    assert logs == {}  # not an evaluation epoch
    callback.on_epoch_end(1, logs)
    assert logs == {"classes": 2, "class_kl": pytest.approx(math.log(5 / 2))}
