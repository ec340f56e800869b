"""The extension contract of `ganzoo.GAN`: GANs a user writes with public
hooks only, checked to be short, correct, saveable, exportable and
replica-invariant.

* `R1GAN` (≤ 30 lines): the R1 penalty γ/2·E‖∇D(x)‖² on real data
  (Mescheder et al. 2018, "Which Training Methods for GANs do actually
  Converge?"), from the logits and the input tape the regularizer hook gets:
  no second forward pass of D.
* `ConditionalGAN` plus its workflow (≤ 40 lines): a class-conditional GAN
  (Mirza & Osindero 2014) on ``(images, labels)`` batches with G(z, y) and
  D(x, y), saved to ``.keras``, reloaded, trained further and exported.

Each also trains one step under `MirroredStrategy` on 2 logical CPUs to the
weights of the single-device step: that part runs this file as a script in a
fresh process (TensorFlow's devices are fixed once it starts).
"""

import inspect
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import LATENT_DIM, tiny_conditional_networks  # noqa: E402

IMAGE_SHAPE = (4, 4, 1)
NUM_CLASSES = 3


# ------------------------------------------------------ what a user writes
@keras.saving.register_keras_serializable(package="contract")
class R1GAN(ganzoo.VanillaGAN):
    """Non-saturating GAN with the R1 penalty γ/2·E‖∇ₓD(x)‖² on real x."""

    def __init__(self, *args, gamma=10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.gamma = float(gamma)

    def discriminator_regularizers(self, real_images, fake_images, real_logits, fake_logits, input_tape,
                                   condition=None):
        # D's logits on the reals were taken under input_tape: no second pass.
        gradients = input_tape.gradient(real_logits, real_images)  # ∇ₓD(x), per image
        squared_norms = tf.reduce_sum(tf.square(tf.reshape(gradients, (tf.shape(gradients)[0], -1))), axis=1)
        return {"r1_penalty": self.gamma / 2.0 * tf.reduce_mean(squared_norms)}

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma}


@keras.saving.register_keras_serializable(package="contract")
class ConditionalGAN(ganzoo.GAN):
    """cGAN: G(z, y) and D(x, y) with the non-saturating loss."""

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        return ganzoo.losses.non_saturating_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, condition=None):
        return ganzoo.losses.non_saturating_generator_loss(fake_logits)


def conditional_workflow(images, labels, directory):
    """Train, save, reload, keep training, export; returns (gan, reloaded)."""
    generator, discriminator = tiny_conditional_networks(NUM_CLASSES, IMAGE_SHAPE)
    gan = ConditionalGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, seed=0)
    gan.compile()
    gan.fit(images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
    gan.save(os.path.join(directory, "cgan.keras"))
    reloaded = keras.models.load_model(os.path.join(directory, "cgan.keras"))
    reloaded.fit(images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
    ganzoo.export.export_generator(reloaded, os.path.join(directory, "generator"))
    return gan, reloaded


# ----------------------------------------------------------------- helpers
def linear_critic_gan(seed=0):
    """An R1GAN whose critic is linear, D(x) = w·x + b, so ∇ₓD = w."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((LATENT_DIM,))
    images = keras.layers.Reshape(IMAGE_SHAPE)(keras.layers.Dense(int(np.prod(IMAGE_SHAPE)), activation="tanh")(z))
    x = keras.Input(IMAGE_SHAPE)
    critic = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    return R1GAN(generator=keras.Model(z, images), discriminator=critic, latent_dim=LATENT_DIM, gamma=3.0, seed=seed)


def data(num=16, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (num, *IMAGE_SHAPE)).astype("float32"), rng.integers(0, NUM_CLASSES, num).astype("int32")


def sgd(gan):
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    return gan


def _source_lines(*objects):
    return sum(len(inspect.getsource(o).splitlines()) for o in objects)


# ------------------------------------------------------------------- tests
def test_the_user_code_is_short():
    assert _source_lines(R1GAN) <= 30
    assert _source_lines(ConditionalGAN, conditional_workflow) <= 40


def test_r1_penalty_is_half_gamma_times_the_squared_norm_of_a_linear_critic():
    gan = sgd(linear_critic_gan())
    w = gan.discriminator.trainable_weights[0].numpy().copy()
    images, _ = data(8)
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0)
    # One step: the logged penalty is that of the weights before the update.
    assert history.history["r1_penalty"][0] == pytest.approx(3.0 / 2.0 * float(np.sum(w**2)), rel=1e-5)
    # Its gradient, γ·w, is part of D's update: the weights moved by more than the loss alone would.
    plain = sgd(linear_critic_gan())
    plain.gamma = 0.0
    plain.fit(images, batch_size=8, epochs=1, verbose=0)
    moved = gan.discriminator.trainable_weights[0].numpy() - plain.discriminator.trainable_weights[0].numpy()
    np.testing.assert_allclose(moved, -0.1 * 3.0 * w, rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_conditional_gan_trains_saves_reloads_keeps_training_and_exports(tmp_path):
    images, labels = data(16)
    gan, reloaded = conditional_workflow(images, labels, str(tmp_path))
    # Trained further from the saved state, the reload matches the original trained further.
    gan.fit(images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(gan.get_weights(), reloaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(reloaded.g_optimizer.iterations) == 4
    wanted = np.array([0, 1, 2, 2])
    samples = reloaded.generate(4, seed=5, labels=wanted)
    exported = tf.saved_model.load(str(tmp_path / "generator"))
    drawn = exported.sample(tf.constant(4), tf.constant(5), tf.constant(wanted, tf.int32))
    np.testing.assert_allclose(drawn["images"].numpy(), samples, atol=1e-6)
    # The label matters: another class gives other images from the same z.
    assert not np.allclose(samples, reloaded.generate(4, seed=5, labels=(wanted + 1) % NUM_CLASSES))
    with pytest.raises(ValueError, match="takes a condition"):
        reloaded.generate(4, seed=5)


@pytest.mark.slow
def test_both_train_under_mirrored_strategy_like_on_one_device(tmp_path):
    out = tmp_path / "mirrored.json"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), str(out)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name, case in json.loads(out.read_text()).items():
        assert case["moved"] > 1e-4, (name, case)
        assert case["max_weight_diff"] < 1e-5, (name, case)
        assert case["logs_diff"] < 1e-5, (name, case)


def _mirrored_main(out):
    """One step on one device and under MirroredStrategy on 2 CPUs, each case."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    images, labels = data(16)
    cases = {
        "r1": (lambda: linear_critic_gan(), (images,)),
        "conditional": (
            lambda: ConditionalGAN(*tiny_conditional_networks(NUM_CLASSES, IMAGE_SHAPE), latent_dim=LATENT_DIM, seed=0),
            (images, labels),
        ),
    }
    results = {}
    for name, (make, batch) in cases.items():
        keras.utils.set_random_seed(0)
        single = sgd(make())
        initial = single.get_weights()
        single_logs = single.fit(*batch, batch_size=16, verbose=0, shuffle=False).history
        with strategy.scope():
            mirrored = make()
            mirrored.set_weights(initial)
            sgd(mirrored)
        mirrored_logs = mirrored.fit(*batch, batch_size=16, verbose=0, shuffle=False).history
        results[name] = {
            "moved": max(float(np.abs(a - b).max()) for a, b in zip(initial, single.get_weights())),
            "max_weight_diff": max(
                float(np.abs(a - b).max()) for a, b in zip(single.get_weights(), mirrored.get_weights())
            ),
            # Not the gradient norms: under N replicas they are the mean of the
            # replicas' norms (see ganzoo.distribute), not the global norm.
            "logs_diff": max(
                abs(single_logs[k][0] - mirrored_logs[k][0]) for k in single_logs if not k.endswith("grad_norm")
            ),
        }
    with open(out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    _mirrored_main(sys.argv[1])
