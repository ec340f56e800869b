"""Golden values of the loss catalog on TF-GAN's fixtures, computed by hand."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import losses

# TF-GAN's losses_impl_test.py fixtures: D's outputs on 4 real and 4 fakes.
REAL = [-5.0, 1.4, 12.5, 2.7]
FAKE = [10.0, 4.4, -5.5, 3.6]


def mean(values):
    return sum(values) / len(values)


def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def check(value, expected):
    assert float(value) == pytest.approx(expected, rel=1e-5, abs=1e-5)


# ------------------------------------------------------------ golden values
def test_wasserstein_matches_tf_gan():
    check(losses.wasserstein_generator_loss(FAKE), -3.125)
    check(losses.wasserstein_discriminator_loss(REAL, FAKE), 0.225)


def test_minimax_and_non_saturating_by_hand():
    d_loss = mean([-math.log(sigmoid(r)) for r in REAL]) + mean(
        [-math.log(1 - sigmoid(f)) for f in FAKE]
    )
    check(losses.minimax_discriminator_loss(REAL, FAKE), d_loss)
    check(losses.non_saturating_discriminator_loss(REAL, FAKE), d_loss)
    check(losses.minimax_generator_loss(FAKE), mean([math.log(1 - sigmoid(f)) for f in FAKE]))
    check(losses.non_saturating_generator_loss(FAKE), mean([-math.log(sigmoid(f)) for f in FAKE]))


def test_minimax_label_smoothing_by_hand():
    alpha = 0.25
    real_term = mean(
        [-(1 - alpha) * math.log(sigmoid(r)) - alpha * math.log(1 - sigmoid(r)) for r in REAL]
    )
    fake_term = mean([-math.log(1 - sigmoid(f)) for f in FAKE])
    check(losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=alpha), real_term + fake_term)


def test_hinge_by_hand():
    # max(0, 1 - r): 6, 0, 0, 0; max(0, 1 + f): 11, 5.4, 0, 4.6.
    check(losses.hinge_discriminator_loss(REAL, FAKE), 6 / 4 + 21 / 4)
    check(losses.hinge_generator_loss(FAKE), -3.125)


def test_least_squares_by_hand():
    d_loss = 0.5 * mean([(r - 1) ** 2 for r in REAL]) + 0.5 * mean([f**2 for f in FAKE])
    check(losses.least_squares_discriminator_loss(REAL, FAKE), d_loss)
    check(losses.least_squares_generator_loss(FAKE), 0.5 * mean([(f - 1) ** 2 for f in FAKE]))


def test_kl_by_hand():
    # T = g_f(v) = v, f*(t) = exp(t - 1): L_D = -E_P[T] + E_Q[f*(T)].
    d_loss = -mean(REAL) + mean([math.exp(f - 1) for f in FAKE])
    check(losses.kl_discriminator_loss(REAL, FAKE), d_loss)
    check(losses.kl_generator_loss(FAKE), -mean(FAKE))


def test_reverse_kl_by_hand():
    # T = g_f(v) = -exp(-v), f*(t) = -1 - log(-t): L_D = -E_P[T] + E_Q[f*(T)].
    real_t = [-math.exp(-r) for r in REAL]
    fake_conjugate = [-1 - math.log(math.exp(-f)) for f in FAKE]
    check(losses.reverse_kl_discriminator_loss(REAL, FAKE), -mean(real_t) + mean(fake_conjugate))
    check(losses.reverse_kl_generator_loss(FAKE), mean([math.exp(-f) for f in FAKE]))


def test_f_gan_critic_at_optimum_gives_minus_the_divergence():
    # With P = N(0, 1), Q = N(1, 1), the optimal critic is T* = f'(p/q):
    # v* = 1 + log(p/q) for KL, and for reverse KL T* = -q/p, so v* = log(p/q).
    # Then -L_D = D_f, and KL(P‖Q) = KL(Q‖P) = 1/2 here.
    rng = np.random.default_rng(0)
    x_p = rng.normal(0.0, 1.0, 200_000)
    x_q = rng.normal(1.0, 1.0, 200_000)
    log_ratio = lambda x: 0.5 - x  # log p(x)/q(x) for these two Gaussians
    kl = losses.kl_discriminator_loss(1 + log_ratio(x_p), 1 + log_ratio(x_q))
    reverse_kl = losses.reverse_kl_discriminator_loss(log_ratio(x_p), log_ratio(x_q))
    assert -float(kl) == pytest.approx(0.5, abs=0.02)
    assert -float(reverse_kl) == pytest.approx(0.5, abs=0.02)


def test_losses_return_float32_scalars_for_float16_logits():
    for d_loss, g_loss in losses.CATALOG.values():
        out = d_loss(tf.constant(REAL, tf.float16), tf.constant(FAKE, tf.float16))
        assert out.dtype == tf.float32 and out.shape == ()
        assert g_loss(tf.constant(FAKE, tf.float16)).dtype == tf.float32


# ------------------------------------------------------ vanishing gradients
def test_non_saturating_gradient_beats_minimax_where_d_rejects_fakes():
    logits = tf.constant([-10.0, -6.0])  # D confidently says "fake"
    grads = {}
    for name in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            loss = losses.CATALOG[name][1](logits)
        grads[name] = tape.gradient(loss, logits).numpy()
    # d/dl of mean log(1 - σ(l)) is -σ(l)/n; of mean -log σ(l) it is (σ(l) - 1)/n.
    for i, l in enumerate([-10.0, -6.0]):
        assert grads["minimax"][i] == pytest.approx(-sigmoid(l) / 2, rel=1e-4)
        assert grads["non_saturating"][i] == pytest.approx((sigmoid(l) - 1) / 2, rel=1e-4)
    assert np.all(np.abs(grads["non_saturating"]) > 100 * np.abs(grads["minimax"]))


# ---------------------------------------------------------- gradient penalty
def linear_critic(w, input_shape):
    """D(x) = w·flatten(x) + 3, a keras Model."""
    inputs = keras.Input(input_shape)
    dense = keras.layers.Dense(1, bias_initializer=keras.initializers.Constant(3.0))
    outputs = dense(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    dense.kernel.assign(np.reshape(w, (-1, 1)).astype("float32"))
    return model


@pytest.mark.parametrize("norm_w", [3.0, 0.5, 1.0])
def test_gradient_penalty_of_a_linear_critic_is_exact(norm_w):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(4, 4, 1))
    w *= norm_w / np.linalg.norm(w)
    critic = linear_critic(w, (4, 4, 1))
    real = rng.uniform(-1, 1, (6, 4, 4, 1)).astype("float32")
    fake = rng.uniform(-1, 1, (6, 4, 4, 1)).astype("float32")
    penalty = losses.gradient_penalty(critic, real, fake, seed=keras.random.SeedGenerator(0))
    # A per-batch norm would give (√6·‖w‖ - 1)² instead.
    assert float(penalty) == pytest.approx((norm_w - 1) ** 2, abs=1e-6)


def square_norm_critic():
    """D(x) = ½‖x‖², whose gradient at x is x."""
    inputs = keras.Input((3,))
    outputs = keras.layers.Lambda(lambda x: 0.5 * keras.ops.sum(x**2, axis=-1, keepdims=True))(inputs)
    return keras.Model(inputs, outputs)


def test_gradient_penalty_draws_epsilon_uniform_per_sample():
    # real = 0 and fake = e₁: x̂ = (1 - ε) e₁, ‖∇D(x̂)‖ = 1 - ε, GP = E[ε²] = 1/3
    # for ε ~ U[0, 1] (1 for N(0, 1); ε₀² for a single ε shared by the batch).
    critic = square_norm_critic()
    real = np.zeros((20_000, 3), "float32")
    fake = np.tile(np.array([[1.0, 0.0, 0.0]], "float32"), (20_000, 1))
    for seed in (1, 2):
        assert float(losses.gradient_penalty(critic, real, fake, seed)) == pytest.approx(1 / 3, abs=0.01)


def test_gradient_penalty_seed_forms():
    critic = square_norm_critic()
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(2, 64, 3)).astype("float32")
    by_int = float(losses.gradient_penalty(critic, real, fake, 7))
    by_tensor = float(losses.gradient_penalty(critic, real, fake, tf.constant([7, 0])))
    assert by_int == by_tensor
    assert by_int != float(losses.gradient_penalty(critic, real, fake, 8))
    generator = keras.random.SeedGenerator(3)
    first = float(losses.gradient_penalty(critic, real, fake, generator))
    second = float(losses.gradient_penalty(critic, real, fake, generator))
    assert first != second  # the SeedGenerator advances
    for bad in (None, 0.5, tf.constant([1, 2, 3]), tf.constant([1.0, 2.0])):
        with pytest.raises(ValueError, match="seed"):
            losses.gradient_penalty(critic, real, fake, bad)


def test_gradient_penalty_is_differentiable_w_r_t_the_critic():
    critic = linear_critic(np.full((2,), 2.0), (2,))
    real, fake = np.ones((2, 4, 2), "float32")
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, real, fake, 0)
    grad = tape.gradient(penalty, critic.layers[-1].kernel)
    # d/dw (‖w‖ - 1)² = 2 (‖w‖ - 1) w / ‖w‖.
    norm = 2 * math.sqrt(2)
    np.testing.assert_allclose(grad.numpy().ravel(), 2 * (norm - 1) * 2.0 / norm, rtol=1e-5)


# ------------------------------------------------------------------- catalog
def test_catalog_and_all_are_consistent():
    for name in losses.__all__:
        assert hasattr(losses, name), name
    for name, pair in losses.CATALOG.items():
        assert losses.get(name) == pair
        assert [fn.__name__ for fn in pair] == [
            f"{name}_discriminator_loss",
            f"{name}_generator_loss",
        ]
        assert all(fn.__name__ in losses.__all__ for fn in pair)
        assert all("20" in fn.__doc__ for fn in pair), f"{name}: cite the paper and year"
    assert set(losses.CROSS_ENTROPY_LOSSES) <= set(losses.CATALOG)
    with pytest.raises(ValueError, match="'wgan'.*available"):
        losses.get("wgan")
