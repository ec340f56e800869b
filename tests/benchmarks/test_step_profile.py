"""benchmarks/step_profile.py: op categories and the TensorFlow trace reader."""

import os
import sys

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import step_profile  # noqa: E402


def test_tensorflow_ops_fall_into_their_categories():
    category = step_profile.tensorflow_category
    assert category("gradient_tape/generator_1/norm_0_1/moments/mean", "Mean") == "batch norm"
    assert category("generator_1/upsample_0_1/conv_transpose", "Conv2DBackpropInput") == "convolution"
    assert category("discriminator_1/downsample_0_1/BiasAdd", "_MklNativeFusedConv2D") == "convolution"
    assert category("generator_1/project_1/MatMul", "MatMul") == "dense matmul"
    assert category("adam/Sqrt_3", "Sqrt") == "optimizer"
    assert category("discriminator_1/leaky_relu_1/LeakyRelu", "LeakyRelu") == "other"


def test_the_trace_reader_finds_each_op_of_a_profiled_function(tmp_path):
    @tf.function
    def f(a, b):
        return tf.nn.relu(tf.matmul(a, b, name="product"))

    a = tf.ones((64, 64))
    f(a, a)
    tf.profiler.experimental.start(str(tmp_path))
    for _ in range(3):
        f(a, a).numpy()
    tf.profiler.experimental.stop()
    ops = step_profile.xplane_op_times(str(tmp_path))
    types = {op_type for _, op_type in ops}
    assert {"Relu"} <= types and types & set(step_profile.TF_MATMUL), types
    assert not any(op_type.startswith("__inference") for op_type in types)  # the call itself is not an op
    assert all(ms >= 0 for ms in ops.values())


def test_the_report_has_a_row_per_category_and_a_column_per_run():
    result = {"wall_ms": 10.0, "categories": {"convolution": 6.0, "other": 1.5}, "top": [["Conv2D", 6.0]]}
    text = step_profile.report({"A": result, "B": result})
    assert "| ms per step | A | B |" in text and "| convolution | 6.0 | 6.0 |" in text
    assert "| batch norm | 0.0 | 0.0 |" in text and "| all ops | 7.5 | 7.5 |" in text
