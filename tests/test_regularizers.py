import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import regularizers

W = np.array([[0.5], [-1.0], [2.0], [0.25]], "float32")  # ‖w‖² = 5.3125
GAMMA = 10.0


def linear_critic(w=W, bias=0.7):
    """D(x) = w·x + b as a Keras model on 4 features."""
    x = keras.Input((4,))
    dense = keras.layers.Dense(1, name="linear")
    model = keras.Model(x, dense(x))
    dense.set_weights([w, np.array([bias], "float32")])
    return model


def points(num=6, seed=0):
    return np.random.default_rng(seed).normal(size=(num, 4)).astype("float32")


@pytest.mark.parametrize("penalty", [regularizers.r1_penalty, regularizers.r2_penalty])
def test_linear_critic_gives_exactly_gamma_half_w_squared(penalty):
    value = penalty(linear_critic(), points(), gamma=GAMMA)
    assert value.dtype == tf.float32
    np.testing.assert_allclose(float(value), GAMMA / 2 * float((W**2).sum()), rtol=1e-6)  # 26.5625


def test_linear_critic_on_images_flattens_the_gradient():
    w = np.random.default_rng(1).normal(size=(3, 3, 2)).astype("float32")

    def critic(images, training=True):
        return tf.reduce_sum(images * w, axis=(1, 2, 3))[:, None]

    images = np.random.default_rng(2).normal(size=(5, 3, 3, 2)).astype("float32")
    np.testing.assert_allclose(
        float(regularizers.r1_penalty(critic, images, gamma=2.0)), float((w**2).sum()), rtol=1e-6
    )


def test_quadratic_critic_matches_numpy():
    # D(x) = a/2·‖x‖²  ⇒  ∇D = a·x,  R1 = γ/2 · a² · mean_i ‖x_i‖².
    a = 0.8

    def critic(x, training=True):
        return 0.5 * a * tf.reduce_sum(tf.square(x), axis=1, keepdims=True)

    x = points(num=7, seed=3)
    expected = GAMMA / 2 * a**2 * np.mean(np.sum(x**2, axis=1))
    np.testing.assert_allclose(float(regularizers.r1_penalty(critic, x, gamma=GAMMA)), expected, rtol=1e-5)


def test_the_condition_reaches_d_and_is_not_differentiated():
    seen = {}

    def critic(inputs, training=True):
        images, labels = inputs
        seen["labels"] = labels
        # D(x, y) = w_y·x: the label picks the weight vector.
        weights = tf.gather(tf.constant(np.stack([W[:, 0], 2 * W[:, 0]])), labels)
        return tf.reduce_sum(images * weights, axis=1, keepdims=True)

    labels = np.array([0, 1, 1, 0], "int32")
    value = regularizers.r1_penalty(critic, points(num=4), condition=labels, gamma=GAMMA)
    np.testing.assert_array_equal(seen["labels"], labels)
    # Half the examples have ‖w‖², half ‖2w‖² = 4‖w‖².
    np.testing.assert_allclose(float(value), GAMMA / 2 * 2.5 * float((W**2).sum()), rtol=1e-6)


def test_gradient_of_the_penalty_reaches_d_weights_only():
    d = linear_critic()
    kernel = d.get_layer("linear").kernel
    fake = tf.Variable(points())  # stands for G's output
    with tf.GradientTape() as tape:
        penalty = regularizers.r2_penalty(d, fake, gamma=GAMMA)
    grad_kernel, grad_fake = tape.gradient(penalty, [kernel.value, fake])
    # d/dw γ/2‖w‖² = γ·w
    np.testing.assert_allclose(grad_kernel, GAMMA * W, rtol=1e-6)
    assert grad_fake is None  # R2 is D's term: no gradient into G


def test_squared_gradient_norm_is_the_mean_of_per_example_squared_norms():
    g = np.random.default_rng(4).normal(size=(3, 2, 5)).astype("float32")
    expected = np.mean(np.sum(g.reshape(3, -1) ** 2, axis=1))
    np.testing.assert_allclose(float(regularizers.squared_gradient_norm(g)), expected, rtol=1e-6)


@pytest.mark.parametrize("bad", [-1.0, "ten", None, True])
def test_rejects_bad_gamma(bad):
    with pytest.raises(ValueError, match="gamma must be a non-negative number"):
        regularizers.r1_penalty(linear_critic(), points(), gamma=bad)


def test_rejects_a_critic_that_ignores_its_input():
    with pytest.raises(ValueError, match="does not depend on its images"):
        regularizers.r1_penalty(lambda x, training: tf.ones((6, 1)) * tf.Variable(1.0), points())


# ---------------------------------------------------------------- lazy regularisation
def test_lazy_regularization_applies_k_times_the_penalty_every_k_steps():
    values = [
        float(regularizers.lazy_regularization(lambda: tf.constant(1.5), tf.constant(step), every=4))
        for step in range(9)
    ]
    assert values == [6.0, 0, 0, 0, 6.0, 0, 0, 0, 6.0]
    # The mean over a whole period is the penalty itself.
    assert np.mean(values[:8]) == 1.5


def test_lazy_regularization_runs_the_penalty_only_on_its_steps():
    calls = tf.Variable(0)

    def penalty():
        calls.assign_add(1)
        return tf.constant(1.0)

    @tf.function
    def step_fn(step):
        return regularizers.lazy_regularization(penalty, step, every=3)

    for step in range(7):
        step_fn(tf.constant(step, tf.int64))
    assert int(calls.numpy()) == 3  # steps 0, 3, 6


def test_lazy_r1_gradient_in_a_traced_d_step():
    d = linear_critic()
    kernel = d.get_layer("linear").kernel
    x = points()

    @tf.function
    def grad_at(step):
        with tf.GradientTape() as tape:
            penalty = regularizers.lazy_regularization(
                lambda: regularizers.r1_penalty(d, x, gamma=GAMMA), step, every=16
            )
        return penalty, tape.gradient(penalty, kernel.value, unconnected_gradients="zero")

    penalty, grad = grad_at(tf.constant(32, tf.int64))
    np.testing.assert_allclose(float(penalty), 16 * GAMMA / 2 * float((W**2).sum()), rtol=1e-6)
    np.testing.assert_allclose(grad, 16 * GAMMA * W, rtol=1e-5)
    penalty, grad = grad_at(tf.constant(33, tf.int64))
    assert float(penalty) == 0.0
    np.testing.assert_array_equal(grad, np.zeros_like(W))


def test_lazy_every_1_is_the_plain_penalty():
    value = regularizers.lazy_regularization(lambda: tf.constant(2.5), tf.constant(7), every=1)
    assert float(value) == 2.5


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, None])
def test_lazy_rejects_bad_intervals(bad):
    with pytest.raises(ValueError, match="every must be a positive integer"):
        regularizers.lazy_regularization(lambda: tf.constant(1.0), 0, every=bad)


def test_lazy_adam_hyperparameters_follow_stylegan2():
    lr, beta_1, beta_2 = regularizers.lazy_adam_hyperparameters(0.002, 0.0, 0.99, every=16)
    c = 16 / 17
    assert (lr, beta_1, beta_2) == pytest.approx((0.002 * c, 0.0, 0.99**c))
    with pytest.raises(ValueError, match="every must be an integer ≥ 2"):
        regularizers.lazy_adam_hyperparameters(0.002, 0.0, 0.99, every=1)
