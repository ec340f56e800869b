"""GAN objectives as pure functions of the discriminator's outputs.

Every loss is named ``<name>_discriminator_loss(real_logits, fake_logits)`` or
``<name>_generator_loss(fake_logits)`` and returns the batch mean as a float32
scalar. Conventions, everywhere in ganzoo:

* the discriminator returns *logits* (unbounded scores), never probabilities;
* real is 1, generated is 0;
* a loss is something to *minimise*: "D ascends V" is written as D minimising -V.

The catalog maps a name to its pair of functions; ``get(name)`` resolves one.
"""

import tensorflow as tf

__all__ = [
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "CATALOG",
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


# name -> (discriminator_loss, generator_loss). Variants extend this table.
CATALOG = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (non_saturating_discriminator_loss, non_saturating_generator_loss),
}


def get(name):
    """Returns the ``(discriminator_loss, generator_loss)`` pair named ``name``."""
    if name not in CATALOG:
        raise ValueError(f"Unknown loss {name!r}; available: {sorted(CATALOG)}")
    return CATALOG[name]
