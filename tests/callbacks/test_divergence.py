"""`StopOnDivergence`: the first NaN/Inf step stops training, by name, before any backup."""

import json
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import PoisonedLossGAN, poisoned_batches, tiny_point_gan
from ganzoo.callbacks import DivergenceError, GANBackup, StopOnDivergence
from ganzoo.callbacks.divergence import non_finite_logs


def make_gan(seed=0):
    return tiny_point_gan(seed)


def test_a_nan_batch_stops_at_its_step_and_the_backup_keeps_the_step_before(tmp_path):
    points = np.random.default_rng(0).normal(size=(6, 8, 2)).astype("float32")
    gan = tiny_point_gan(cls=PoisonedLossGAN)
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(DivergenceError, match=r"diverged at step 4: d_loss=nan, g_loss=nan, d_grad_norm=nan") as error:
        gan.fit(poisoned_batches(points, poisoned=[3]), epochs=1, verbose=0,  # the 4th step
                callbacks=[StopOnDivergence(), GANBackup(backup_dir, save_freq=1)])
    assert error.value.step == 4 and math.isnan(error.value.values["d_loss"])
    with open(os.path.join(backup_dir, "state.json")) as f:
        assert json.load(f)["step"] == 3
    restored = make_gan(seed=1)
    assert GANBackup(backup_dir).restore(restored) == 3
    assert all(np.isfinite(w).all() for w in restored.get_weights())
    assert int(restored.g_optimizer.iterations) == 3


def test_an_infinite_loss_is_named_with_its_value():
    callback = StopOnDivergence()
    callback.set_model(make_gan())
    callback.on_train_batch_end(0, {"d_loss": 0.7, "g_loss": 1.2})  # finite: nothing happens
    with pytest.raises(DivergenceError, match=r"diverged at step 0: g_loss=inf"):
        callback.on_train_batch_end(0, {"d_loss": 0.7, "g_loss": np.float32(np.inf)})


def test_gradient_norms_overflowing_under_loss_scaling_are_skipped_steps_not_divergence():
    logs = {"d_loss": 0.5, "d_grad_norm": float("inf")}

    class Model:
        d_optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())

    assert non_finite_logs(logs, Model()) == {}
    assert non_finite_logs(logs, make_gan()) == {"d_grad_norm": float("inf")}
