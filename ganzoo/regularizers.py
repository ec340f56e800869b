"""Zero-centred gradient penalties on the discriminator (R1, R2) and lazy
regularisation.

Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do
actually Converge?", §4.1: near a Nash equilibrium where G matches the data,
the unregularised GAN game oscillates around it instead of converging. A
penalty on the size of D's input gradient, on real data (R1) or on generated
data (R2), makes the equilibrium locally convergent:

    R1(ψ) = γ/2 · E_{x~p_data} ‖∇_x D_ψ(x)‖²,
    R2(ψ) = γ/2 · E_{x~p_θ}    ‖∇_x D_ψ(x)‖².

D minimises its loss plus the penalty; the penalty is zero-centred (unlike
WGAN-GP's (‖∇D‖ - 1)², `ganzoo.losses.gradient_penalty`), so it only damps
D, never asks for a gradient of a given size. On a linear critic
D(x) = w·x + b, ∇_x D = w and R1 = R2 = γ/2·‖w‖² exactly.

Lazy regularisation (Karras et al. 2020, "Analyzing and Improving the Image
Quality of StyleGAN", §B/"Lazy regularization"): the penalty's double
backward pass is costly, and evaluating it once every k D steps with the
penalty multiplied by k gives the same expected gradient at a fraction of
the cost (StyleGAN2: k = 16).
"""

import numbers

import tensorflow as tf

__all__ = [
    "squared_gradient_norm",
    "zero_centered_gradient_penalty",
    "r1_penalty",
    "r2_penalty",
    "lazy_regularization",
    "lazy_adam_hyperparameters",
]


def squared_gradient_norm(gradients):
    """E‖g‖², the batch mean of each example's squared L2 norm, float32.

    Args:
        gradients: (batch, ...), one gradient per example.
    """
    gradients = tf.cast(gradients, tf.float32)
    axes = list(range(1, len(gradients.shape)))
    return tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=axes))


def zero_centered_gradient_penalty(discriminator, images, condition=None, gamma=10.0, training=True):
    """γ/2 · E‖∇_x D(x)‖², the gradient taken with respect to the images only.

    The gradient is that of Σ_i D(x_i); it equals each example's own gradient
    when D's output for an example does not depend on the rest of the batch
    (no batch norm in D, or D in inference mode). With batch norm in training
    mode the cross-example terms are included, as in reference code that
    differentiates the summed output.

    Args:
        discriminator: a callable; called as ``discriminator(images,
            training=training)``, or ``discriminator((images, condition),
            training=training)`` when ``condition`` is given. It returns
            (batch, 1) or (batch,) scores.
        images: (batch, ...) inputs of D, real (R1) or generated (R2).
        condition: the batch's condition (labels), or None. Not
            differentiated.
        gamma: γ ≥ 0, the penalty weight; dataset-dependent (10 is a
            common choice for images).
        training: passed to D.

    Returns:
        A float32 scalar.
    """
    _check_gamma(gamma)
    images = tf.convert_to_tensor(images)
    if not images.dtype.is_floating:
        raise ValueError(f"The penalty differentiates D with respect to float images; got dtype {images.dtype}")
    with tf.GradientTape() as tape:
        tape.watch(images)
        inputs = images if condition is None else (images, condition)
        scores = tf.cast(discriminator(inputs, training=training), tf.float32)
        total = tf.reduce_sum(scores)
    gradients = tape.gradient(total, images)
    if gradients is None:
        raise ValueError("The discriminator's output does not depend on its images input; nothing to penalise")
    return 0.5 * float(gamma) * squared_gradient_norm(gradients)


def r1_penalty(discriminator, real_images, condition=None, gamma=10.0, training=True):
    """R1 = γ/2 · E_{x~p_data} ‖∇_x D(x)‖² (Mescheder et al. 2018, eq. 9).

    Example:

    ```python
    d_loss = d_loss + ganzoo.regularizers.r1_penalty(discriminator, real_images, gamma=10.0)
    ```

    See `zero_centered_gradient_penalty` for the arguments.
    """
    return zero_centered_gradient_penalty(discriminator, real_images, condition, gamma, training)


def r2_penalty(discriminator, fake_images, condition=None, gamma=10.0, training=True):
    """R2 = γ/2 · E_{x~p_θ} ‖∇_x D(x)‖² (Mescheder et al. 2018, eq. 10),
    on generated images (pass them without G's gradient: D's update only).

    See `zero_centered_gradient_penalty` for the arguments.
    """
    return zero_centered_gradient_penalty(discriminator, tf.stop_gradient(fake_images), condition, gamma, training)


def lazy_regularization(penalty_fn, step, every):
    """``every · penalty_fn()`` on steps where ``step % every == 0``, else 0.

    Karras et al. 2020: regularising every k-th D step with the penalty
    scaled by k keeps its expected gradient and saves (k-1)/k of its cost.
    ``penalty_fn`` runs only on regularisation steps (a `tf.cond`), so its
    gradient tape is not built on the others. The first step (0) regularises.

    Args:
        penalty_fn: a function of no arguments returning a float32 scalar,
            e.g. ``lambda: r1_penalty(discriminator, real_images, gamma=gamma)``.
        step: the number of D updates done so far, a scalar integer tensor
            or int (D's optimizer's ``iterations``: the same on every
            replica, and saved with the model, so a resumed run keeps the
            schedule).
        every: k ≥ 1; 1 regularises every step (no scaling, no cond).

    Returns:
        A float32 scalar: k·penalty or 0.

    Example:

    ```python
    penalty = ganzoo.regularizers.lazy_regularization(
        lambda: r1_penalty(discriminator, real_images, gamma=10.0),
        step=d_optimizer.iterations,
        every=16,
    )
    ```
    """
    if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
        raise ValueError(f"every must be a positive integer (regularise every k D steps); got {every!r}")
    if every == 1:
        return tf.cast(penalty_fn(), tf.float32)
    step = tf.cast(step, tf.int64)
    return tf.cond(
        tf.equal(step % every, 0),
        lambda: float(every) * tf.cast(penalty_fn(), tf.float32),
        lambda: tf.constant(0.0, tf.float32),
    )


def lazy_adam_hyperparameters(learning_rate, beta_1, beta_2, every):
    """Adam's (learning_rate, beta_1, beta_2) adjusted for lazy regularisation.

    Karras et al. 2020 (StyleGAN2, Appendix B) count a regularisation step as
    one more optimizer step per k and compensate with c = k / (k + 1):
    λ' = c·λ, β1' = β1^c, β2' = β2^c. Optional; the lazy penalty works
    without it.

    Returns:
        ``(learning_rate', beta_1', beta_2')`` as floats. Only for k ≥ 2: k = 1
        is not lazy and needs no adjustment.
    """
    if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 2:
        raise ValueError(f"every must be an integer ≥ 2 for lazy regularisation; got {every!r}")
    c = every / (every + 1)
    return learning_rate * c, beta_1**c, beta_2**c


def _check_gamma(gamma):
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not gamma >= 0:
        raise ValueError(f"gamma must be a non-negative number; got {gamma!r}")
