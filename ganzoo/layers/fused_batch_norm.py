r"""Batch normalization computed by TensorFlow's fused kernel.

Keras 3's `keras.layers.BatchNormalization` computes a training batch's
statistics with `ops.moments` and normalises with `ops.batch_normalization`:
on the TensorFlow backend, separate Mean, SquaredDifference, Mul and AddV2
ops forward and backward. TensorFlow also has one kernel for the whole
normalisation, `FusedBatchNormV3` (Ioffe & Szegedy 2015, eq. 1 per channel),
with one gradient kernel; Keras 2 used it (``fused=True``), Keras 3 does not.

`FusedBatchNormalization` is `keras.layers.BatchNormalization` with that
kernel in training mode, for the case the kernel covers: a rank-4 channels-last
input (NHWC) computed in float32 (float16/bfloat16 inputs are upcast, as the
parent does), epsilon ≥ 1.001e-5 (older releases' floor), no mask, no
renormalisation, not synchronised. Everything else (inference, other ranks,
float64, a smaller epsilon, masks) is the parent's code. It computes the same
function:

    y = γ · (x − μ_B) / sqrt(σ²_B + ε) + β,   σ²_B = mean((x − μ_B)²)

with μ_B and σ²_B over the batch and both spatial axes, and it updates the
moving statistics as the parent does, with the biased σ²_B:

    moving_mean ← m · moving_mean + (1 − m) · μ_B
    moving_var  ← m · moving_var  + (1 − m) · σ²_B

(The kernel returns the unbiased variance n/(n−1)·σ²_B for the moving
average, as Keras 2 used it; this layer rescales it to σ²_B, so its moving
statistics equal the parent's.) Its weights, config and saved files are the
parent's, so a model can swap one for the other.

On another backend it is the parent layer.
"""

import keras

# The smallest epsilon that `tf.compat.v1.nn.fused_batch_norm` used as given in
# older TensorFlow releases, which raised a smaller one to it (2.21 does not).
FUSED_MIN_EPSILON = 1.001e-5


@keras.saving.register_keras_serializable(package="ganzoo")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization`, training mode on one fused kernel.

    Example:

    ```python
    x = keras.Input((7, 7, 64))
    y = ganzoo.layers.FusedBatchNormalization()(x)
    ```
    """

    def _fusable(self, inputs, training, mask):
        return (
            training
            and self.trainable
            and mask is None
            and not self.renorm
            and not self.synchronized
            and keras.backend.backend() == "tensorflow"
            and len(inputs.shape) == 4
            and self.axis in (3, -1)
            # The kernel takes float16/bfloat16/float32; float64 stays unfused.
            and keras.backend.result_type(inputs.dtype, "float32") == "float32"
            # Older fused_batch_norm raised a smaller epsilon to this floor; keep the user's.
            and self.epsilon >= FUSED_MIN_EPSILON
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        x = tf.cast(inputs, "float32")
        channels = x.shape[-1]
        gamma = tf.cast(self.gamma, x.dtype) if self.scale else tf.ones([channels], x.dtype)
        beta = tf.cast(self.beta, x.dtype) if self.center else tf.zeros([channels], x.dtype)
        y, mean, unbiased_variance = tf.compat.v1.nn.fused_batch_norm(
            x, gamma, beta, epsilon=self.epsilon, data_format="NHWC", is_training=True
        )
        # n/(n−1)·σ²_B back to σ²_B, the parent's moving-variance statistic.
        n = tf.cast(tf.size(x) // channels, x.dtype)
        variance = unbiased_variance * tf.math.divide_no_nan(n - 1.0, n)
        momentum = tf.cast(self.momentum, x.dtype)
        self.moving_mean.assign(
            tf.cast(self.moving_mean, x.dtype) * momentum + mean * (1.0 - momentum)
        )
        self.moving_variance.assign(
            tf.cast(self.moving_variance, x.dtype) * momentum + variance * (1.0 - momentum)
        )
        return tf.cast(y, self.compute_dtype)
