"""Spectral normalization (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral
Normalization for Generative Adversarial Networks") through Keras' layer.

Each weight matrix W of D is divided by its largest singular value σ(W),
estimated by one power iteration per training step (u kept between steps),
which bounds D's Lipschitz constant by that of its activations. ganzoo uses
`keras.layers.SpectralNormalization`; this module only wraps layers with it.

How Keras' layer departs from the paper: in training mode it *assigns*
W/σ(W) to the wrapped layer's kernel, and the forward pass reads that
variable. The optimizer therefore updates the normalised kernel, and the
gradient does not flow through σ(W) (the paper differentiates W/σ(W)). The
effect is a projection onto σ ≈ 1 after every update. Kernels are reshaped to
(fan_in, units) for the estimate: (kh·kw·c_in, c_out) for convolutions, as in
the paper. In inference mode the kernel is left as it is.
"""

import keras

# Layers whose kernel is (fan_in..., units); transposed convolutions store
# (..., units, fan_in) and are left out.
SPECTRALLY_NORMALIZABLE = (
    keras.layers.Dense,
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.Embedding,
)


def spectral_norm(layer, power_iterations=1, enabled=True):
    """``layer`` wrapped in `keras.layers.SpectralNormalization`.

    Args:
        layer: a new Dense, Conv1D/2D/3D or Embedding layer.
        power_iterations: power-iteration steps per training call (the
            paper's 1).
        enabled: False returns ``layer`` unchanged, so that builders can
            write ``spectral_norm(Conv2D(...), enabled=spectral_norm_flag)``.

    Returns:
        The wrapped layer (a `keras.layers.SpectralNormalization`), or ``layer``.

    Example:

    ```python
    x = spectral_norm(keras.layers.Conv2D(64, 4, strides=2, padding="same"))(images)
    ```
    """
    if not enabled:
        return layer
    if isinstance(layer, keras.layers.SpectralNormalization):
        raise ValueError(f"Layer {layer.name!r} is already spectrally normalized")
    if not isinstance(layer, SPECTRALLY_NORMALIZABLE):
        raise ValueError(
            f"spectral_norm wraps {[t.__name__ for t in SPECTRALLY_NORMALIZABLE]}; got {type(layer).__name__} {layer.name!r}"
        )
    return keras.layers.SpectralNormalization(layer, power_iterations=power_iterations, name=f"{layer.name}_sn")
