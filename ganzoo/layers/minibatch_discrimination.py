"""Minibatch discrimination (Salimans et al. 2016, "Improved Techniques for
Training GANs", §3.2).

A discriminator that looks at one sample at a time cannot tell a collapsed
generator (every z mapped to the same few points) from a good one. This layer
lets it look at the whole batch: it appends to each feature vector f(x_i) how
close x_i is to the other samples of its batch, so that a batch of
near-identical fakes stands out and D can punish it.

With f(x_i) ∈ R^A and a learned tensor T ∈ R^{A×B×C}:

    M_i = f(x_i) · T                                  ∈ R^{B×C}
    c_b(x_i, x_j) = exp(-‖M_{i,b} - M_{j,b}‖_L1)       ∈ (0, 1]
    o(x_i)_b = Σ_{j≠i} c_b(x_i, x_j)                  ∈ [0, n - 1]
    output_i = concat(f(x_i), o(x_i))                 ∈ R^{A+B}

so o(x_i)_b = n - 1 when the batch is n copies of one sample, and o ≈ 0 when
the samples are far apart.
"""

import numbers

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ganzoo")
class MinibatchDiscrimination(keras.layers.Layer):
    """Appends the minibatch features o(x) to a batch of feature vectors.

    Args:
        num_kernels: B, the number of similarity features appended.
        kernel_dim: C, the size of each kernel's projection M_{i,b}.
        kernel_initializer: initializer of T, stored as (A, B·C). The paper's
            code draws it from N(0, 0.05²).
        **kwargs: `keras.layers.Layer` arguments (name, dtype, ...).

    Input: features of shape (batch, A). Output: (batch, A + B).

    The batch is the unit the layer compares, so call the discriminator on
    real-only and fake-only batches (`ganzoo.MinibatchDiscriminationGAN`
    does): in a mixed batch the similarity would leak the labels. Memory is
    O(batch² · B · C).

    Example:

    ```python
    x = keras.Input((2,))
    h = keras.layers.Dense(64, activation="leaky_relu")(x)
    h = ganzoo.layers.MinibatchDiscrimination(num_kernels=16, kernel_dim=4)(h)
    logits = keras.layers.Dense(1)(h)
    discriminator = keras.Model(x, logits)
    ```
    """

    def __init__(self, num_kernels, kernel_dim, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("num_kernels", num_kernels), ("kernel_dim", kernel_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{arg} must be a positive integer; got {value!r}")
        self.num_kernels = int(num_kernels)
        self.kernel_dim = int(kernel_dim)
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(stddev=0.05)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "MinibatchDiscrimination expects flat features of shape (batch, A) with "
                f"a known A; got shape {tuple(input_shape)}. Add a Flatten layer before it."
            )
        # T ∈ R^{A×B×C}, stored flat as (A, B·C) so that f·T is one matmul.
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=self.kernel_initializer,
        )

    def call(self, features):
        n = ops.shape(features)[0]
        # M: (batch, B, C)
        m = ops.reshape(ops.matmul(features, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        # L1 distances between every pair, per kernel: (batch, batch, B)
        l1 = ops.sum(ops.abs(ops.expand_dims(m, 1) - ops.expand_dims(m, 0)), axis=-1)
        # c_b(x_i, x_j), with the j = i terms masked out: (batch, batch, B)
        not_self = 1.0 - ops.eye(n, dtype=l1.dtype)
        c = ops.exp(-l1) * ops.expand_dims(not_self, -1)
        # o(x_i)_b = Σ_{j≠i} c_b(x_i, x_j): (batch, B)
        o = ops.sum(c, axis=1)
        return ops.concatenate([features, ops.cast(o, features.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {
            **super().get_config(),
            "num_kernels": self.num_kernels,
            "kernel_dim": self.kernel_dim,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
