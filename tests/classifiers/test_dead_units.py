"""Dead units, and the shipped classifier's feature layer that has none."""

import json
import os

import keras
import numpy as np
import pytest

from ganzoo import metrics
from ganzoo.classifiers import dead_units, fashion_mnist
from ganzoo.metrics import SHIPPED_CLASSIFIER
from helpers import fashion_mnist_images


def test_dead_units_by_hand():
    dense = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -2.0], [0.0, 3.0, 0.0]])
    np.testing.assert_array_equal(dead_units.dead_units(dense), [True, False, False])
    np.testing.assert_array_equal(dead_units.dead_units(dense, atol=2.0), [True, False, True])
    conv = np.zeros((2, 3, 3, 2))
    conv[1, 2, 0, 1] = 0.5  # channel 1 fires once, at one position of one image
    np.testing.assert_array_equal(dead_units.dead_units(conv), [True, False])
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        dead_units.dead_units(np.zeros(3))


@pytest.fixture(scope="module")
def rebuilt():
    model = fashion_mnist.build_model()
    fashion_mnist.load_weights_from_saved_model(model, SHIPPED_CLASSIFIER)
    return model


def test_rebuilt_model_matches_the_export_and_pool_3_precedes_the_relu(rebuilt):
    images = fashion_mnist_images("test", 200)
    exported = metrics.classify(images, "fashion_mnist")
    logits, features = (np.asarray(out) for out in rebuilt(images, training=False))
    np.testing.assert_allclose(logits, exported["logits"], atol=1e-4)
    np.testing.assert_allclose(features, exported["pool_3"], atol=1e-4)
    relu = keras.Model(rebuilt.inputs, rebuilt.get_layer("pool_3_relu").output)
    np.testing.assert_allclose(np.asarray(relu([images])), np.maximum(features, 0.0), atol=1e-6)
    assert (features < 0).mean() > 0.2  # pre-activations: the ReLU would cut these


def test_weights_of_another_architecture_are_refused():
    other = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="layers with variables"):
        fashion_mnist.load_weights_from_saved_model(other, SHIPPED_CLASSIFIER)


@pytest.mark.slow
def test_pool_3_has_under_5_percent_dead_units_on_the_real_test_set(rebuilt):
    images = dead_units.real_test_images()
    assert len(images) == 10_000
    report = {name: (units, dead) for name, _, units, dead in dead_units.layer_report(rebuilt, images)}
    units, dead = report["pool_3"]
    assert units == fashion_mnist.FEATURE_DIM and dead / units < 0.05, report["pool_3"]
    # The ReLU'd layer, the features before, is the one with dead units.
    assert report["pool_3_relu"][1] / units > 0.3, report["pool_3_relu"]
    # And what the exported SavedModel returns agrees with the card.
    features = metrics.classify(images, "fashion_mnist", batch_size=1000, outputs=("pool_3",))["pool_3"]
    card = fashion_mnist_card()
    assert int(dead_units.dead_units(features).sum()) == card["pool_3_dead_units_test"] == dead


def fashion_mnist_card():
    with open(os.path.join(SHIPPED_CLASSIFIER, fashion_mnist.CARD)) as f:
        return json.load(f)
