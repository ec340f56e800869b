"""The base class's training step: what D sees in each step, fresh real
batches per critic update, regularizer logs, conditions in every hook, and
evaluate/predict/compile without surprises."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.models.feature_matching_gan import feature_matching_loss
from helpers import (
    LATENT_DIM,
    random_images,
    tiny_conditional_networks,
    tiny_fit,
    tiny_gan,
    tiny_networks,
)


def recording(cls):
    """``cls`` with D's batch sizes (per call) and D-step real batches recorded."""

    class Recording(cls):
        def apply_discriminator(self, images, condition=None, training=False):
            if tf.executing_eagerly():  # not when fit traces the regularizer for its names
                self.calls.append(int(images.shape[0]))
            return super().apply_discriminator(images, condition, training)

        def discriminator_regularizers(self, real_images, fake_images, *args, condition=None):
            if tf.executing_eagerly():
                self.real_batches.append(real_images.numpy())
            return super().discriminator_regularizers(real_images, fake_images, *args, condition=condition)

    return Recording


def eager_gan(cls, nets, **kwargs):
    gan = tiny_gan(recording(cls), nets=nets, **kwargs)
    gan.calls, gan.real_batches = [], []
    gan.compile(run_eagerly=True)
    return gan


@pytest.mark.parametrize(
    "normalization, d_step_calls",
    [("batch", [8, 8]), (None, [16])],  # batch norm: per half; else one merged call
)
def test_the_generator_step_runs_d_on_the_fakes_only(normalization, d_step_calls):
    gan = eager_gan(ganzoo.VanillaGAN, tiny_networks(normalization=normalization))
    gan.fit(random_images(8), batch_size=8, verbose=0)
    assert gan.calls == d_step_calls + [8]


def test_a_merged_batch_coupled_d_still_sees_the_reals_in_the_generator_step():
    generator = ganzoo.architectures.mlp_generator(LATENT_DIM, 2, hidden_units=(8,))
    discriminator = ganzoo.architectures.mlp_discriminator(2, hidden_units=(8,), minibatch_discrimination=(4, 2))
    gan = eager_gan(ganzoo.VanillaGAN, (generator, discriminator))
    assert gan.fakes_need_reals
    gan.fit(np.zeros((8, 2), "float32"), batch_size=8, verbose=0)
    assert gan.calls == [16, 16]


def test_minibatch_discrimination_gan_scores_halves_and_fakes_alone():
    nets = ganzoo.architectures.default_networks(ganzoo.MinibatchDiscriminationGAN, (2,), LATENT_DIM)
    gan = eager_gan(ganzoo.MinibatchDiscriminationGAN, nets)
    gan.fit(np.zeros((8, 2), "float32"), batch_size=8, verbose=0)
    assert gan.calls == [8, 8, 8]


@pytest.mark.parametrize("fresh, steps", [(True, 2), (False, 4)])
def test_each_critic_update_can_read_its_own_real_batch(fresh, steps):
    """WGAN's Algorithm 1: with fresh batches, 32 images in batches of 8 make
    2 steps of 2 critic updates that see every image once; without, 4 steps
    whose 2 critic updates share a batch."""
    gan = eager_gan(ganzoo.WGAN, tiny_networks(), d_steps=2, fresh_real_batches=fresh)
    assert gan.real_batches_per_step == (2 if fresh else 1)
    images = random_images(32)
    gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), verbose=0)
    assert int(gan.g_optimizer.iterations) == steps and int(gan.d_optimizer.iterations) == 2 * steps
    seen = gan.real_batches  # one (8, 28, 28, 1) batch per critic update
    assert len(seen) == 2 * steps and all(batch.shape == (8, 28, 28, 1) for batch in seen)
    rows = {row.tobytes() for batch in seen for row in batch}
    assert len(rows) == 32  # every image is used
    if not fresh:
        assert all(np.array_equal(seen[2 * k], seen[2 * k + 1]) for k in range(steps))


def test_wasserstein_gans_default_to_fresh_batches_and_save_the_choice(tmp_path):
    assert tiny_gan(ganzoo.WGANGP, normalization=None).fresh_real_batches
    assert not tiny_gan(ganzoo.VanillaGAN).fresh_real_batches
    gan = tiny_gan(ganzoo.WGAN, fresh_real_batches=False)
    gan.save(tmp_path / "wgan.keras")
    assert not keras.models.load_model(tmp_path / "wgan.keras").fresh_real_batches
    with pytest.raises(ValueError, match="fresh_real_batches must be True, False or None; got 'yes'"):
        tiny_gan(ganzoo.WGAN, fresh_real_batches="yes")


def test_every_name_a_regularizer_returns_is_logged():
    class TwoTerms(ganzoo.VanillaGAN):
        def discriminator_regularizers(self, real_images, fake_images, real_logits, fake_logits, input_tape,
                                       condition=None):
            return {"r1": tf.reduce_mean(tf.square(input_tape.gradient(real_logits, real_images))),
                    "logit_size": 1e-3 * tf.reduce_mean(tf.square(fake_logits))}

    history = tiny_fit(tiny_gan(TwoTerms))
    assert {"r1", "logit_size", "d_loss"} <= set(history.history)
    assert all(np.isfinite(history.history[k]).all() and history.history[k][0] > 0 for k in ("r1", "logit_size"))


def test_feature_matching_takes_features_per_half_for_a_batch_norm_d():
    gan = tiny_gan(ganzoo.FeatureMatchingGAN)
    assert gan.discriminator_sees_halves
    real, fake = tf.constant(random_images(8)), tf.constant(random_images(8, seed=1))
    loss, _ = gan.generator_objective(real, fake)
    per_half = feature_matching_loss(gan.feature_model(real, training=True)[0], gan.feature_model(fake, training=True)[0])
    merged = gan.feature_model(tf.concat([real, fake], 0), training=True)[0]
    np.testing.assert_allclose(loss, per_half, rtol=1e-6)
    assert not np.isclose(float(loss), float(feature_matching_loss(merged[:8], merged[8:])), rtol=1e-3)


def test_compile_refuses_losses_and_metrics_saying_where_they_go():
    gan = tiny_gan()
    with pytest.raises(ValueError, match="GAN.compile takes no loss: a GAN's losses are its hooks"):
        gan.compile(loss="mse")
    with pytest.raises(ValueError, match=r"takes no metrics.*GeneratorMetrics"):
        gan.compile(metrics=["accuracy"])


def test_evaluate_reports_losses_and_predict_leaves_the_training_stream_alone():
    gan = tiny_gan(compiled=True)
    state = gan.seed_generator.state.numpy().copy()
    logs = gan.evaluate(random_images(16), batch_size=8, verbose=0, return_dict=True)
    assert set(logs) == {"d_loss", "g_loss"} and all(np.isfinite(v) for v in logs.values())
    images = gan.predict(np.zeros((4, LATENT_DIM), "float32"), verbose=0)
    gan(random_images(2))
    assert images.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(gan.seed_generator.state.numpy(), state)
    # The same held-out data gives the same losses: evaluation's z is fixed.
    again = gan.evaluate(random_images(16), batch_size=8, verbose=0, return_dict=True)
    assert again == pytest.approx(logs)


def test_build_networks_is_an_alias_of_the_architectures_defaults():
    for cls in (ganzoo.VanillaGAN, ganzoo.WGANGP, ganzoo.MinibatchDiscriminationGAN):
        alias = cls.build_networks((2,), 2)
        default = ganzoo.architectures.default_networks(cls, (2,), 2)
        for a, b in zip(alias, default):
            assert [type(l).__name__ for l in a.layers] == [type(l).__name__ for l in b.layers]


# ------------------------------------------------------------- conditions
class AuxiliaryClassifierGAN(ganzoo.GAN):
    """An AC-GAN-style subclass: D returns (logit, class_logits); both losses
    add the class cross-entropy of the condition (Odena et al. 2017)."""

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        adversarial = ganzoo.losses.non_saturating_discriminator_loss(real_logits[0], fake_logits[0])
        return adversarial + _class_loss(condition, real_logits[1])

    def generator_loss(self, fake_logits, condition=None):
        return ganzoo.losses.non_saturating_generator_loss(fake_logits[0]) + _class_loss(condition, fake_logits[1])


def _class_loss(labels, class_logits):
    return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))


def auxiliary_classifier_networks(num_classes=3, image_shape=(4, 4, 1)):
    generator, _ = tiny_conditional_networks(num_classes, image_shape)
    x = keras.Input(image_shape)
    h = keras.layers.Dense(8, activation="relu")(keras.layers.Flatten()(x))
    return generator, keras.Model(x, (keras.layers.Dense(1)(h), keras.layers.Dense(num_classes)(h)))


def test_an_auxiliary_classifier_gan_trains_on_labelled_dicts():
    gan = tiny_gan(AuxiliaryClassifierGAN, nets=auxiliary_classifier_networks())
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 4, 4, 1)).astype("float32")
    labels = np.arange(16, dtype=np.int32) % 3
    data = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}).batch(8)
    history = gan.fit(data, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert 0 < history.history["d_real"][0] < 1  # the meter reads the adversarial logit
    assert gan.generate(3, seed=0, labels=[0, 1, 2]).shape == (3, 4, 4, 1)


def test_conditional_inputs_are_checked():
    generator, discriminator = tiny_conditional_networks()
    gan = tiny_gan(ganzoo.VanillaGAN, nets=(generator, discriminator))
    z, labels = np.zeros((2, LATENT_DIM), "float32"), np.array([0, 1], "int32")
    assert gan((z, labels)).shape == (2, 4, 4, 1)
    with pytest.raises(ValueError, match="labels must have num=2 rows; got shape"):
        gan.generate(2, seed=0, labels=[0])
    with pytest.raises(ValueError, match="takes no condition"):
        tiny_gan().generate(2, seed=0, labels=[0, 1])
    other_generator, _ = tiny_conditional_networks()
    with pytest.raises(ValueError, match=r"takes conditions of shape \(\) but the discriminator \(2,\)"):
        x, y = keras.Input((4, 4, 1)), keras.Input((2,))
        d = keras.Model([x, y], keras.layers.Dense(1)(keras.layers.Concatenate()([keras.layers.Flatten()(x), y])))
        ganzoo.VanillaGAN(generator=other_generator, discriminator=d, latent_dim=LATENT_DIM)


def test_grouped_batches_resume_where_a_killed_run_left_off():
    """`ganzoo.train` resumes step s at batch s·real_batches_per_step: the
    grouped batches then continue exactly, across an epoch boundary too."""
    from ganzoo.models.batches import group_batches

    examples = tf.data.Dataset.from_tensor_slices(np.arange(40, dtype="float32")[:, None])
    full = list(group_batches(ganzoo.data.resumable_batches(examples, 40, 4, seed=0), 2).take(8))
    resumed = list(group_batches(ganzoo.data.resumable_batches(examples, 40, 4, seed=0, start_step=3 * 2), 2).take(5))
    assert all(batch.shape == (8, 1) for batch in full)
    for expected, batch in zip(full[3:], resumed):
        np.testing.assert_array_equal(expected, batch)
