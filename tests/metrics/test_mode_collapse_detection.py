"""A planted mode collapse, seen through the shipped classifier's features:
a "generator" that only ever returns real Fashion-MNIST images of one class
is precise (every image is real) but covers a tenth of the data."""

import pytest

from ganzoo import metrics
from helpers import fashion_mnist_images

DRESS = 3


@pytest.mark.slow
def test_one_class_generator_keeps_precision_and_loses_recall_and_coverage():
    real = fashion_mnist_images("test", 2000)
    collapsed = fashion_mnist_images("train", 1000, label=DRESS)
    assert len(collapsed) == 1000
    features = {
        name: metrics.classify(images, "fashion_mnist", batch_size=500, outputs=("pool_3",))["pool_3"]
        for name, images in (("real", real), ("fake", collapsed))
    }
    pr = metrics.precision_recall(real=features["real"], fake=features["fake"])
    dc = metrics.density_coverage(real=features["real"], fake=features["fake"])
    assert pr["precision"] >= 0.8, pr
    assert pr["recall"] <= 0.2, pr
    assert dc["coverage"] <= 0.2, dc
    # The same images as a healthy generator: other real images of every class.
    healthy = fashion_mnist_images("train", 1000)
    healthy_features = metrics.classify(healthy, "fashion_mnist", batch_size=500, outputs=("pool_3",))["pool_3"]
    healthy_pr = metrics.precision_recall(real=features["real"], fake=healthy_features)
    healthy_dc = metrics.density_coverage(real=features["real"], fake=healthy_features)
    assert healthy_pr["recall"] >= 0.6 and healthy_dc["coverage"] >= 0.5, (healthy_pr, healthy_dc)
