"""Virtual batch normalization (Salimans et al. 2016, "Improved Techniques for
Training GANs", §3.4).

Batch norm makes G's output for one z depend on the other z's of its batch.
VBN removes that dependence: each example x is normalised with the
statistics of a *reference batch*, chosen once at the start of training and
fixed, together with x itself. With n reference examples r_1..r_n at the
layer's input and per-feature statistics,

    μ_ref = mean(r),                 m_ref = mean(r²),
    μ(x)  = mean(x),                 m(x)  = mean(x²)      (over x's own spatial axes),
    μ_x   = w·μ(x) + (1 - w)·μ_ref,  m_x   = w·m(x) + (1 - w)·m_ref,   w = 1/(n + 1),
    VBN(x) = γ·(x - μ_x)/√(m_x - μ_x² + ε) + β,

the statistics of the set {r_1, ..., r_n, x} with each example weighted the
same (the weighting of TF-GAN's ``VBN`` and OpenAI's code). The reference
examples themselves are normalised with (μ_ref, m_ref) alone.

As in the paper, the reference batch is fixed in the *input space* of G (a
batch of z) and forwarded through G together with every batch, so that each
VBN layer sees the reference's current activations: the paper calls VBN
"computationally expensive because it requires running forward propagation
on two minibatches". In a Keras model that takes three layers:

* `ReferenceBatch` (first): holds the fixed reference inputs as a saved,
  non-trainable weight and prepends them to the batch;
* `VirtualBatchNormalization` (each normalisation): treats the first n rows
  as the reference;
* `DropReferenceBatch` (last): removes those n rows.

Between them every other layer must treat examples independently (dense,
conv, activations: yes; batch norm, minibatch discrimination: no).
"""

import numbers

import keras
from keras import ops


def _check_size(reference_size):
    if isinstance(reference_size, bool) or not isinstance(reference_size, numbers.Integral) or reference_size < 1:
        raise ValueError(f"reference_size must be a positive integer; got {reference_size!r}")
    return int(reference_size)


@keras.saving.register_keras_serializable(package="ganzoo")
class ReferenceBatch(keras.layers.Layer):
    """Prepends a fixed reference batch: (batch, ...) → (n + batch, ...).

    The reference is a non-trainable weight, drawn once from ``initializer``
    when the layer is built (N(0, 1) by default, z's prior) or set with
    `set_reference`, and saved with the model.

    Args:
        reference_size: n, the number of reference examples.
        initializer: draws the reference, e.g.
            ``keras.initializers.RandomNormal(seed=0)``; default N(0, 1)
            seeded by ``seed``.
        seed: an int seeding the default initializer, or None.
        **kwargs: `keras.layers.Layer` arguments (name, dtype, ...).
    """

    def __init__(self, reference_size, initializer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = _check_size(reference_size)
        self.seed = seed
        if initializer is None:
            initializer = keras.initializers.RandomNormal(mean=0.0, stddev=1.0, seed=seed)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        if None in input_shape[1:]:
            raise ValueError(f"ReferenceBatch needs a known example shape; got input shape {tuple(input_shape)}")
        self.reference = self.add_weight(
            name="reference",
            shape=(self.reference_size, *input_shape[1:]),
            initializer=self.initializer,
            trainable=False,
        )

    def set_reference(self, reference):
        """Replaces the reference batch, e.g. with a chosen batch of z."""
        reference = ops.convert_to_tensor(reference, dtype=self.reference.dtype)
        if tuple(reference.shape) != tuple(self.reference.shape):
            raise ValueError(
                f"The reference batch must have shape {tuple(self.reference.shape)}; "
                f"got {tuple(reference.shape)}"
            )
        self.reference.assign(reference)

    def call(self, inputs):
        return ops.concatenate([ops.cast(self.reference, inputs.dtype), inputs], axis=0)

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] + self.reference_size
        return (batch, *input_shape[1:])

    def get_config(self):
        return {
            **super().get_config(),
            "reference_size": self.reference_size,
            "initializer": keras.initializers.serialize(self.initializer),
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="ganzoo")
class DropReferenceBatch(keras.layers.Layer):
    """Removes the first n rows added by `ReferenceBatch`: (n + batch, ...) → (batch, ...).

    Args:
        reference_size: n, as given to `ReferenceBatch`.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, reference_size, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = _check_size(reference_size)

    def call(self, inputs):
        return inputs[self.reference_size :]

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] - self.reference_size
        return (batch, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size}


@keras.saving.register_keras_serializable(package="ganzoo")
class VirtualBatchNormalization(keras.layers.Layer):
    """Normalises each example with the reference batch's statistics plus its own.

    The input's first ``reference_size`` rows are the reference batch's
    activations (put there by `ReferenceBatch`); see the module docstring for
    the formula. Statistics are per feature along ``axis`` (the channels),
    over the other non-batch axes. The output has the input's shape, the
    reference rows included. Training and inference compute the same thing:
    there are no moving statistics.

    Args:
        reference_size: n, the number of reference rows at the batch's start.
        axis: the feature axis (-1: channels last).
        epsilon: ε added to the variance.
        center: learn an offset β.
        scale: learn a scale γ.
        beta_initializer: β's initializer.
        gamma_initializer: γ's initializer.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    z = keras.Input((latent_dim,))
    x = ganzoo.layers.ReferenceBatch(64, seed=0)(z)
    x = keras.layers.Dense(256)(x)
    x = ganzoo.layers.VirtualBatchNormalization(64)(x)
    x = keras.layers.ReLU()(x)
    points = ganzoo.layers.DropReferenceBatch(64)(keras.layers.Dense(2)(x))
    generator = keras.Model(z, points)
    ```
    """

    def __init__(
        self,
        reference_size,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.reference_size = _check_size(reference_size)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(f"axis must be an int; got {axis!r}")
        if not epsilon > 0:
            raise ValueError(f"epsilon must be positive; got {epsilon!r}")
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or axis == 0:
            raise ValueError(f"axis {self.axis} is not a feature axis of inputs of shape {tuple(input_shape)}")
        if input_shape[axis] is None:
            raise ValueError(f"The feature axis {self.axis} of shape {tuple(input_shape)} must be known")
        if input_shape[0] is not None and input_shape[0] <= self.reference_size:
            raise ValueError(
                f"The batch ({input_shape[0]} rows) must hold the {self.reference_size} reference rows "
                "and at least one example; put a ReferenceBatch layer at the model's input"
            )
        self._feature_axis = axis
        # Per-example statistics: over the non-batch, non-feature axes.
        self._example_axes = tuple(i for i in range(1, rank) if i != axis)
        param_shape = [1] * rank
        param_shape[axis] = input_shape[axis]
        self._param_shape = tuple(param_shape)
        self.gamma = (
            self.add_weight(name="gamma", shape=(input_shape[axis],), initializer=self.gamma_initializer)
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(name="beta", shape=(input_shape[axis],), initializer=self.beta_initializer)
            if self.center
            else None
        )

    def _normalize(self, x, mean, mean_sq):
        variance = ops.maximum(mean_sq - ops.square(mean), 0.0)
        y = (x - mean) * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            y = y * ops.reshape(ops.cast(self.gamma, x.dtype), self._param_shape)
        if self.beta is not None:
            y = y + ops.reshape(ops.cast(self.beta, x.dtype), self._param_shape)
        return y

    def call(self, inputs):
        n = self.reference_size
        reference, examples = inputs[:n], inputs[n:]
        # Reference statistics over the reference rows and the spatial axes:
        # shape (1, ..., features, ...).
        ref_axes = (0, *self._example_axes)
        ref_mean = ops.mean(reference, axis=ref_axes, keepdims=True)
        ref_mean_sq = ops.mean(ops.square(reference), axis=ref_axes, keepdims=True)
        # Each example's own statistics: (batch, 1, ..., features, ...).
        if self._example_axes:
            example_mean = ops.mean(examples, axis=self._example_axes, keepdims=True)
            example_mean_sq = ops.mean(ops.square(examples), axis=self._example_axes, keepdims=True)
        else:
            example_mean, example_mean_sq = examples, ops.square(examples)
        new_coeff = 1.0 / (n + 1.0)
        ref_coeff = 1.0 - new_coeff
        mean = new_coeff * example_mean + ref_coeff * ref_mean
        mean_sq = new_coeff * example_mean_sq + ref_coeff * ref_mean_sq
        return ops.concatenate(
            [self._normalize(reference, ref_mean, ref_mean_sq), self._normalize(examples, mean, mean_sq)],
            axis=0,
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "reference_size": self.reference_size,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
        }
