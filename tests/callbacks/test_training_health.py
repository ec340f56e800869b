import warnings

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.callbacks import TrainingHealth, TrainingHealthWarning

HEALTHY = {"g_grad_norm": 1.0, "d_real": 0.6, "d_fake": 0.4}


def feed(callback, sequence):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step, logs in enumerate(sequence):
            callback.on_train_batch_end(step, dict(logs))
    return [w for w in caught if issubclass(w.category, TrainingHealthWarning)]


def test_healthy_training_is_quiet():
    callback = TrainingHealth(patience=3)
    callback.on_train_begin()
    assert feed(callback, [HEALTHY] * 50) == []


def test_vanishing_generator_gradient_warns_once_after_patience():
    callback = TrainingHealth(patience=3)
    callback.on_train_begin()
    collapsed = {**HEALTHY, "g_grad_norm": 0.005}  # 0.5 % of the peak 1.0
    assert feed(callback, [HEALTHY] * 5 + [collapsed] * 2 + [HEALTHY]) == []
    caught = feed(callback, [collapsed] * 10)
    assert len(caught) == 1
    assert "generator's gradient has vanished" in str(caught[0].message)
    assert feed(callback, [collapsed] * 10) == []  # once
    assert callback.messages == [str(caught[0].message)]


def test_saturated_discriminator_warns_in_plain_words():
    callback = TrainingHealth(patience=2)
    callback.on_train_begin()
    caught = feed(callback, [{**HEALTHY, "d_real": 0.999, "d_fake": 0.002}] * 3)
    assert len(caught) == 1
    assert "discriminator has saturated" in str(caught[0].message)
    assert "D(x) = 0.999" in str(caught[0].message)


def test_missing_meters_are_reported():
    callback = TrainingHealth()
    caught = feed(callback, [{"d_loss": 1.0, "g_loss": 1.0}] * 3)
    assert len(caught) == 1 and "track_meters=True" in str(caught[0].message)


def test_a_minimax_gan_with_a_perfect_discriminator_triggers_both_warnings():
    """The vanishing-gradient picture of Goodfellow et al. 2014, §3: D rejects
    every fake with certainty, so log(1 − D(G(z))) is flat for G."""
    generator = ganzoo.architectures.mlp_generator(2, 2, hidden_units=(4,))
    inputs = keras.Input((2,))
    discriminator = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    # logit = 100·x₀ − 500: real points at x₀ = 10 give +500, G's points (|x| ≲ 2) ≈ −500.
    discriminator.set_weights([np.array([[100.0], [0.0]], "float32"), np.array([-500.0], "float32")])
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=2, loss="minimax", seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    real = np.tile(np.array([[10.0, 0.0]], "float32"), (64, 1))
    callback = TrainingHealth(patience=3)
    with pytest.warns(TrainingHealthWarning) as caught:
        gan.fit(real, batch_size=8, epochs=1, verbose=0, callbacks=[callback])
    messages = [str(w.message) for w in caught]
    assert any("gradient has vanished" in m for m in messages)
    assert any("discriminator has saturated" in m for m in messages)
    assert len(messages) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [({"saturation": 0.4}, "saturation must be in"), ({"patience": 0}, "patience must be a positive integer")],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainingHealth(**kwargs)


def test_exploded_logits_count_as_a_saturated_discriminator():
    """At a learning rate of 1e6 the mean D outputs look tame (0.96 / 0.07) but
    d_loss is ~1e14: D's logits are far beyond where the sigmoid is flat."""
    callback = TrainingHealth(patience=2)
    callback.on_train_begin()
    exploded = {**HEALTHY, "d_real": 0.96, "d_fake": 0.07, "d_loss": 1.1e14}
    assert feed(callback, [exploded]) == []  # patience
    caught = feed(callback, [exploded] * 3)
    assert len(caught) == 1 and "d_loss = 1.1e+14" in str(caught[0].message)
    assert list(callback.problems) == ["saturated_discriminator"]
    assert callback.problems["saturated_discriminator"] == str(caught[0].message)


@pytest.mark.slow
def test_a_run_at_learning_rate_1e6_reports_a_saturated_discriminator(tmp_path):
    """python -m ganzoo.train ends "Done", and says D saturated, in its summary and metrics.json."""
    import json
    import subprocess
    import sys

    if ganzoo.data.idx.find_dir() is None:
        pytest.skip("apt-get install dataset-fashion-mnist")
    done = subprocess.run(
        [sys.executable, "-m", "ganzoo.train", "--steps=40", "--batch_size=64", "--d_learning_rate=1e6",
         "--g_learning_rate=1e6", "--export=false", "--verbose=0", "--num_samples=4", f"--output_dir={tmp_path}"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "training health: saturated_discriminator" in done.stdout
    assert "The discriminator has saturated" in done.stdout
    health = json.loads((tmp_path / "metrics.json").read_text())["health"]
    assert list(health) == ["saturated_discriminator"]
