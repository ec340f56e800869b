"""GAN objectives as pure functions of the discriminator's outputs.

Every loss is named ``<name>_discriminator_loss(real_logits, fake_logits)`` or
``<name>_generator_loss(fake_logits)`` and returns the batch mean as a float32
scalar. Conventions, everywhere in ganzoo:

* the discriminator returns *logits* (unbounded scores), never probabilities;
* real is 1, generated is 0;
* a loss is something to *minimise*: "D ascends V" is written as D minimising -V.

The catalog maps a name to its pair of functions; ``get(name)`` resolves one.
``gradient_penalty`` is the WGAN-GP regulariser of the critic.

Only the cross-entropy objectives read the outputs as logits of P(real); the
others (Wasserstein, hinge, least squares, f-GAN) read them as raw scores,
and the f-GAN losses apply their own output activation g_f.
"""

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "kl_discriminator_loss",
    "kl_generator_loss",
    "reverse_kl_discriminator_loss",
    "reverse_kl_generator_loss",
    "gradient_penalty",
    "CATALOG",
    "CROSS_ENTROPY_LOSSES",
    "get",
]


def _as_float32(*tensors):
    return [tf.cast(t, tf.float32) for t in tensors]


def _bce_with_logits(labels, logits):
    """Per-element -[y log σ(l) + (1-y) log(1-σ(l))], numerically stable."""
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def _smoothed_real_targets(real_logits, label_smoothing):
    return tf.fill(tf.shape(real_logits), 1.0 - label_smoothing)


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """The discriminator's side of the minimax game (Goodfellow et al. 2014).

    D ascends  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],
    so it minimises
        L_D = -E_x[log σ(real_logits)] - E_z[log(1 - σ(fake_logits))],
    the binary cross-entropy of real images labelled 1 and fakes labelled 0.
    ``label_smoothing`` replaces the real target 1 by 1 - α (one-sided label
    smoothing, Salimans et al. 2016, §3.4); fakes keep the target 0.

    Example: real_logits = [0.] and fake_logits = [0.] give 2·log 2 ≈ 1.386.
    """
    real_logits, fake_logits = _as_float32(real_logits, fake_logits)
    real_targets = _smoothed_real_targets(real_logits, label_smoothing)
    real_term = tf.reduce_mean(_bce_with_logits(real_targets, real_logits))
    fake_term = tf.reduce_mean(_bce_with_logits(tf.zeros_like(fake_logits), fake_logits))
    return real_term + fake_term


def minimax_generator_loss(fake_logits):
    """The generator's side of the original, saturating minimax game.

    G descends  E_z[log(1 - D(G(z)))] = -softplus(fake_logits) averaged, i.e.
        L_G = E_z[log(1 - σ(fake_logits))].
    Its gradient w.r.t. the logit is -σ(l): it vanishes when D confidently
    rejects fakes (l → -∞), which is why the paper proposes the non-saturating
    form (Goodfellow et al. 2014, §3).
    """
    (fake_logits,) = _as_float32(fake_logits)
    # log(1 - σ(l)) = -softplus(l)
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))


def non_saturating_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Same discriminator objective as the minimax game (Goodfellow et al. 2014)."""
    return minimax_discriminator_loss(real_logits, fake_logits, label_smoothing)


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss (Goodfellow et al. 2014, §3).

    G ascends E_z[log D(G(z))] instead of descending E_z[log(1 - D(G(z)))]:
        L_G = -E_z[log σ(fake_logits)] = E_z[softplus(-fake_logits)].
    Its gradient w.r.t. the logit is σ(l) - 1, close to -1 when D confidently
    rejects fakes: strong gradients early in training.
    """
    (fake_logits,) = _as_float32(fake_logits)
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """The critic's loss of the Wasserstein GAN (Arjovsky et al. 2017).

    The critic f estimates W(P_r, P_g) = sup_{‖f‖_L ≤ 1} E_x[f(x)] - E_z[f(G(z))]
    (Kantorovich-Rubinstein duality), so it minimises
        L_D = E_z[f(G(z))] - E_x[f(x)].
    The outputs are raw scores, not logits. On TF-GAN's fixtures (real
    [-5, 1.4, 12.5, 2.7], fake [10, 4.4, -5.5, 3.6]) it is 3.125 - 2.9 = 0.225.
    The Lipschitz constraint is the model's job (weight clipping in
    `ganzoo.WGAN`, `gradient_penalty` in `ganzoo.WGANGP`).
    """
    real_logits, fake_logits = _as_float32(real_logits, fake_logits)
    return tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)


def wasserstein_generator_loss(fake_logits):
    """The generator's loss of the Wasserstein GAN (Arjovsky et al. 2017).

        L_G = -E_z[f(G(z))],
    -3.125 on TF-GAN's fake fixture [10, 4.4, -5.5, 3.6].
    """
    (fake_logits,) = _as_float32(fake_logits)
    return -tf.reduce_mean(fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    """The hinge loss of the discriminator (Lim & Ye 2017, "Geometric GAN";
    Miyato et al. 2018, "Spectral Normalization for GANs", eq. 16).

        L_D = E_x[max(0, 1 - D(x))] + E_z[max(0, 1 + D(G(z)))],
    D's outputs being raw scores: only margins violated by the real (score
    below 1) or fake (score above -1) samples contribute.
    """
    real_logits, fake_logits = _as_float32(real_logits, fake_logits)
    real_term = tf.reduce_mean(tf.nn.relu(1.0 - real_logits))
    fake_term = tf.reduce_mean(tf.nn.relu(1.0 + fake_logits))
    return real_term + fake_term


def hinge_generator_loss(fake_logits):
    """The generator's side of the hinge GAN (Lim & Ye 2017; Miyato et al. 2018).

        L_G = -E_z[D(G(z))],
    the same as the Wasserstein generator loss.
    """
    (fake_logits,) = _as_float32(fake_logits)
    return -tf.reduce_mean(fake_logits)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """The least-squares discriminator loss (Mao et al. 2017, "Least Squares
    Generative Adversarial Networks", eq. 2 with a = 0, b = c = 1).

        L_D = ½ E_x[(D(x) - 1)²] + ½ E_z[D(G(z))²],
    D's outputs being raw scores (no sigmoid), regressed to 1 for real and 0
    for generated samples.
    """
    real_logits, fake_logits = _as_float32(real_logits, fake_logits)
    real_term = 0.5 * tf.reduce_mean(tf.square(real_logits - 1.0))
    fake_term = 0.5 * tf.reduce_mean(tf.square(fake_logits))
    return real_term + fake_term


def least_squares_generator_loss(fake_logits):
    """The least-squares generator loss (Mao et al. 2017, eq. 2 with c = 1).

        L_G = ½ E_z[(D(G(z)) - 1)²].
    """
    (fake_logits,) = _as_float32(fake_logits)
    return 0.5 * tf.reduce_mean(tf.square(fake_logits - 1.0))


# The f-GAN losses (Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative
# Neural Samplers using Variational Divergence Minimization"). The critic's raw
# output v goes through the output activation g_f of Table 2, T = g_f(v), so
# that T lies in the domain of the convex conjugate f* (Table 1). D maximises
# the variational lower bound of the divergence D_f(P‖Q) (eq. 6):
#     F = E_x~P[T(x)] - E_x~Q[f*(T(x))],        P the data, Q the model,
# so L_D = -F (at the optimum, -D_f). G uses the paper's practical form (§3.2):
# it maximises E_x~Q[g_f(v(x))], L_G = -E_z[g_f(v(G(z)))].


def _kl_activation(v):
    """g_f(v) = v for KL (Nowozin et al. 2016, Table 2)."""
    return v


def _reverse_kl_activation(v):
    """g_f(v) = -exp(-v) < 0 for reverse KL (Nowozin et al. 2016, Table 2)."""
    return -tf.exp(-v)


def kl_discriminator_loss(real_logits, fake_logits):
    """The f-GAN critic loss for KL(P‖Q) (Nowozin et al. 2016, Tables 1-2).

    f(u) = u log u, f*(t) = exp(t - 1), output activation g_f(v) = v:
        L_D = -E_x[v(x)] + E_z[exp(v(G(z)) - 1)],
    with v the raw discriminator output. -L_D lower-bounds KL(P‖Q), the
    forward KL that maximum likelihood minimises.
    """
    real_logits, fake_logits = _as_float32(real_logits, fake_logits)
    real_t, fake_t = _kl_activation(real_logits), _kl_activation(fake_logits)
    return -tf.reduce_mean(real_t) + tf.reduce_mean(tf.exp(fake_t - 1.0))


def kl_generator_loss(fake_logits):
    """The f-GAN generator loss for KL(P‖Q) (Nowozin et al. 2016, §3.2).

        L_G = -E_z[g_f(v(G(z)))] = -E_z[v(G(z))],
    the practical form that maximises the critic's activated output on fakes.
    """
    (fake_logits,) = _as_float32(fake_logits)
    return -tf.reduce_mean(_kl_activation(fake_logits))


def reverse_kl_discriminator_loss(real_logits, fake_logits):
    """The f-GAN critic loss for reverse KL, KL(Q‖P) (Nowozin et al. 2016).

    f(u) = -log u, f*(t) = -1 - log(-t) for t < 0, output activation
    g_f(v) = -exp(-v), so f*(g_f(v)) = v - 1 and
        L_D = E_x[exp(-v(x))] + E_z[v(G(z))] - 1,
    with v the raw discriminator output. -L_D lower-bounds KL(Q‖P), the
    mode-seeking direction.
    """
    real_logits, fake_logits = _as_float32(real_logits, fake_logits)
    real_t = _reverse_kl_activation(real_logits)
    # f*(g_f(v)) = -1 - log(exp(-v)) = v - 1, in closed form (no log of an exp).
    fake_conjugate = fake_logits - 1.0
    return -tf.reduce_mean(real_t) + tf.reduce_mean(fake_conjugate)


def reverse_kl_generator_loss(fake_logits):
    """The f-GAN generator loss for reverse KL (Nowozin et al. 2016, §3.2).

        L_G = -E_z[g_f(v(G(z)))] = E_z[exp(-v(G(z)))].
    """
    (fake_logits,) = _as_float32(fake_logits)
    return -tf.reduce_mean(_reverse_kl_activation(fake_logits))


def gradient_penalty(discriminator, real, fake, seed=None, epsilon=None):
    """The WGAN-GP penalty (Gulrajani et al. 2017, "Improved Training of
    Wasserstein GANs", Algorithm 1).

        x̂ = ε x + (1 - ε) x̃,   ε ~ U[0, 1], one per sample,
        GP = E_x̂[(‖∇_x̂ D(x̂)‖₂ - 1)²],
    the gradient norm taken per sample over all its non-batch axes. It pushes
    the critic towards unit gradient norm on the lines between real and
    generated samples (a soft 1-Lipschitz constraint). Unweighted: the paper
    adds λ = 10 times it to the critic's loss. D is called in training mode;
    its output must not depend on the rest of the batch (no batch norm).

    Args:
        discriminator: a callable from a batch of samples to (batch, 1) scores.
        real: real samples, (batch, ...).
        fake: generated samples of the same shape.
        seed: a `keras.random.SeedGenerator` (advanced by one draw), an int,
            or a seed tensor of shape (2,) for a stateless draw of ε.
        epsilon: ready-made interpolation weights of shape (batch, 1, ..., 1)
            in [0, 1], instead of ``seed`` (`GAN.draw_random` makes them the
            same for any number of replicas).

    Returns:
        A float32 scalar. For a linear critic D(x) = w·x it is (‖w‖ - 1)².
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    rank = len(real.shape)
    # (batch, 1, ..., 1): one ε per sample, broadcast over its features.
    if (seed is None) == (epsilon is None):
        raise ValueError("gradient_penalty needs exactly one of seed and epsilon")
    if epsilon is None:
        shape = tf.concat([tf.shape(real)[:1], tf.ones([rank - 1], tf.int32)], axis=0)
        epsilon = tf.random.stateless_uniform(shape, seed=_seed_tensor(seed), dtype=real.dtype)
    epsilon = tf.cast(epsilon, real.dtype)
    interpolates = epsilon * real + (1.0 - epsilon) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = tf.cast(discriminator(interpolates, training=True), tf.float32)
        total = tf.reduce_sum(scores)
    # Each score depends on its own sample only, so the gradient of the sum
    # holds every per-sample gradient: (batch, ...).
    gradients = tf.cast(tape.gradient(total, interpolates), tf.float32)
    axes = list(range(1, rank))
    # The 1e-12 keeps the gradient of the norm finite at a zero gradient.
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + 1e-12)  # (batch,)
    return tf.reduce_mean(tf.square(norms - 1.0))


def _seed_tensor(seed):
    """A (2,) int64 seed for the stateless ops, from the accepted seed forms."""
    if isinstance(seed, keras.random.SeedGenerator):
        seed = seed.next()
    elif isinstance(seed, (int, np.integer)):
        seed = [int(seed), 0]
    elif seed is None or isinstance(seed, (float, str, bool)):
        raise ValueError(
            f"seed must be a keras.random.SeedGenerator, an int or a seed tensor of "
            f"shape (2,); got {seed!r}"
        )
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank != 1 or seed.shape[0] != 2 or not seed.dtype.is_integer:
        raise ValueError(
            f"A seed tensor must be integer with shape (2,); got dtype {seed.dtype.name} "
            f"and shape {tuple(seed.shape)}"
        )
    return tf.cast(seed, tf.int64)


# name -> (discriminator_loss, generator_loss). Variants extend this table.
CATALOG = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (non_saturating_discriminator_loss, non_saturating_generator_loss),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "kl": (kl_discriminator_loss, kl_generator_loss),
    "reverse_kl": (reverse_kl_discriminator_loss, reverse_kl_generator_loss),
}

# The objectives that read D's outputs as logits of P(real) (binary
# cross-entropy); every other one reads raw scores.
CROSS_ENTROPY_LOSSES = ("minimax", "non_saturating")


def get(name):
    """Returns the ``(discriminator_loss, generator_loss)`` pair named ``name``."""
    if name not in CATALOG:
        raise ValueError(f"Unknown loss {name!r}; available: {sorted(CATALOG)}")
    return CATALOG[name]
