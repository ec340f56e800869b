"""benchmarks/fused_batch_norm.py: its Keras-batch-norm copy of the default nets."""

import os
import sys

import keras
import numpy as np

import ganzoo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import fused_batch_norm  # noqa: E402


def test_the_keras_copy_swaps_only_the_batch_norms_and_computes_the_same():
    generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), 16)
    for net in (generator, discriminator):
        copy = fused_batch_norm.with_keras_batch_norm(net)
        kinds = [type(layer).__name__ for layer in net.layers]
        assert "FusedBatchNormalization" in kinds
        expected = [k.replace("FusedBatchNormalization", "BatchNormalization") for k in kinds]
        assert [type(layer).__name__ for layer in copy.layers] == expected
        for a, b in zip(copy.weights, net.weights):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
        x = np.random.default_rng(0).normal(size=(4, *net.input_shape[1:])).astype("float32")
        np.testing.assert_allclose(copy(x, training=True), net(x, training=True), atol=1e-5)
