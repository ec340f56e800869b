"""benchmarks/cost_scaling.py counts the nets' FLOPs by hand-checkable formulas."""

import os
import sys

import keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import cost_scaling  # noqa: E402


def test_layer_flops_match_hand_counts():
    inputs = keras.Input((8, 8, 3))
    conv = keras.layers.Conv2D(4, 3, padding="same")
    x = conv(inputs)  # 8×8×4 outputs, each 3·3·3 multiply-adds
    transposed = keras.layers.Conv2DTranspose(2, 4, strides=2, padding="same")
    y = transposed(x)  # 8×8×4 inputs, each spread over 4·4·2 outputs
    dense = keras.layers.Dense(5)
    outputs = dense(keras.layers.Flatten()(y))  # 16·16·2 = 512 inputs
    model = keras.Model(inputs, outputs)
    assert cost_scaling.layer_flops(conv) == 2 * 8 * 8 * 4 * 3 * 3 * 3
    assert cost_scaling.layer_flops(transposed) == 2 * 8 * 8 * 4 * 4 * 4 * 2
    assert cost_scaling.layer_flops(dense) == 2 * 512 * 5
    total = 2 * (8 * 8 * 4 * 27 + 8 * 8 * 4 * 32 + 512 * 5)
    assert cost_scaling.model_flops(model) == total
    # A nested model counts its layers; the step is 4·G + 8·D forward costs per image.
    outer = keras.Sequential([keras.Input((8, 8, 3)), model])
    assert cost_scaling.model_flops(outer) == total
    assert cost_scaling.step_flops(model, outer, batch_size=3) == 3 * 12 * total


def test_peak_is_positive_and_says_how_it_was_computed():
    gflops, how = cost_scaling.peak_gflops()
    assert gflops > 0 and "cores" in how and "FLOP/cycle" in how
