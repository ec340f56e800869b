"""`python -m ganzoo.train` reliability: a SIGKILLed run resumes to the
uninterrupted run's weights, the same seed gives a bit-identical run, and a
diverging run stops (or restores and lowers the learning rates)."""

import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from absl import flags

from ganzoo import cpu_kernels, train
from ganzoo.callbacks import DivergenceError, GANBackup

# 2-D data, 10 steps per epoch, 3 epochs; backups every 4 steps and at epoch ends.
RUN = [
    "--dataset=ring8", "--mixture_points=320", "--batch_size=32", "--epochs=3", "--checkpoint_every=4",
    "--export=false", "--verbose=0", "--num_samples=16", "--deterministic",
]
KILL_AT = 14  # epoch 1, batch 4: the last backup is step 12, mid-epoch

# Runs the CLI's job and, once KILL_AT steps are done, writes a marker and
# waits to be killed (before the backup of that step, if it had one).
BLOCKER = """
import sys, time
import keras
from absl import flags
from ganzoo import train

class BlockAt(keras.callbacks.Callback):
    def __init__(self, step, marker):
        super().__init__()
        self.step, self.marker = step, marker

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations.numpy()) == self.step:
            open(self.marker, "w").close()
            time.sleep(600)

step, marker, *argv = sys.argv[1:]
flags.FLAGS(["ganzoo.train", *argv])
train.train(flags.FLAGS, extra_callbacks=[BlockAt(int(step), marker)])
"""


def start(*args):
    # The -c stand-in for a CLI run computes with the CLI's oneDNN setting.
    return subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=cpu_kernels.cli_environment(os.environ),
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    marker = root / "killed_at_step"
    killed = start("-c", BLOCKER, str(KILL_AT), str(marker), *RUN, f"--output_dir={root / 'resumed'}")
    others = {name: start("-m", "ganzoo.train", *RUN, f"--output_dir={root / name}") for name in ("a", "b")}
    deadline = time.monotonic() + 400
    while not marker.exists():
        if killed.poll() is not None or time.monotonic() > deadline:
            killed.kill()
            pytest.fail(f"the run to kill never reached step {KILL_AT}:\n{killed.communicate()[0][-3000:]}")
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    backup = train_state(root / "resumed" / "backup")
    resumed = start("-m", "ganzoo.train", *RUN, f"--output_dir={root / 'resumed'}")
    for name, process in {**others, "resumed": resumed}.items():
        output = process.communicate(timeout=600)[0]
        assert process.returncode == 0, f"{name}:\n{output[-3000:]}"
    return {"root": root, "killed_returncode": killed.returncode, "backup_at_kill": backup}


def train_state(backup_dir):
    import json

    return json.loads((backup_dir / "state.json").read_text())


def variables(run_dir):
    """Every variable of the saved GAN: weights, both optimizers, seed state."""
    gan = keras.models.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
    found = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    return {v.path: np.array(v.numpy()) for v in found} | {"seed": gan.seed_generator.state.numpy()}


def assert_same_run(dir_a, dir_b):
    a, b = variables(dir_a), variables(dir_b)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    for name in ("log.csv", "samples.png"):
        assert (dir_a / name).read_bytes() == (dir_b / name).read_bytes(), name


@pytest.mark.slow
def test_a_sigkilled_run_resumes_mid_epoch_to_the_uninterrupted_weights(runs):
    import json

    assert runs["killed_returncode"] == -signal.SIGKILL
    state = runs["backup_at_kill"]
    assert (state["step"], state["epoch"], state["batch"]) == (12, 1, 2)  # mid-epoch
    resumed = runs["root"] / "resumed"
    metrics = json.loads((resumed / "metrics.json").read_text())
    assert metrics["resumed_from_step"] == 12 and metrics["steps"] == 30
    # The backup carries the killed process's training time into the resumed run (the
    # exact sum is checked with a fake clock in tests/callbacks/test_backup.py).
    assert metrics["wall_time_s"] >= state["wall_time_s"] > 0
    assert len(metrics["history"]["d_loss"]) == 3
    assert not (resumed / "backup").exists()
    # Weights, Adam moments, iterations, SeedGenerator state, the logs of
    # every epoch (the resumed one included) and the samples.
    assert_same_run(runs["root"] / "a", resumed)


@pytest.mark.slow
def test_the_same_seed_gives_a_bit_identical_run(runs):
    assert_same_run(runs["root"] / "a", runs["root"] / "b")


# ------------------------------------------------------------------ divergence
# Learning rates of 300 overflow G's gradient within a few steps.
DIVERGING = [
    "--dataset=ring8", "--mixture_points=320", "--batch_size=32", "--epochs=2", "--export=false",
    "--verbose=0", "--num_samples=16", "--d_learning_rate=300", "--g_learning_rate=300",
]


def run_cli(*args):
    flags.FLAGS.unparse_flags()
    flags.FLAGS(["ganzoo.train", *args])
    try:
        return train.train(flags.FLAGS)
    finally:
        flags.FLAGS.unparse_flags()


@pytest.mark.slow
def test_divergence_stops_naming_the_step_and_keeps_the_last_good_backup(tmp_path):
    with pytest.raises(DivergenceError, match=r"Training diverged at step \d+: \w+=(nan|inf)") as error:
        run_cli(*DIVERGING, "--checkpoint_every=2", f"--output_dir={tmp_path}")
    state = train_state(tmp_path / "backup")
    assert 0 < state["step"] < error.value.step
    assert not (tmp_path / "model.keras").exists()
    # Its weights are finite (the diverged ones were never written).
    gan = train.build("vanilla", None, {}, (2,), 2, 0, None, True)
    gan.compile()
    assert GANBackup(str(tmp_path / "backup")).restore(gan) == state["step"]
    assert all(np.isfinite(w).all() for w in gan.get_weights())
    # Other flags on the same directory are refused, not mixed with the backup.
    with pytest.raises(ValueError, match=r"different run .*'g_learning_rate': \(300.0, 30.0\)"):
        run_cli(*DIVERGING, "--checkpoint_every=2", "--g_learning_rate=30", f"--output_dir={tmp_path}")


@pytest.mark.slow
def test_divergence_restore_lowers_the_learning_rates_and_finishes(tmp_path):
    metrics = run_cli(
        *DIVERGING, "--checkpoint_every=0", "--on_divergence=restore", "--divergence_lr_scale=1e-4",
        f"--output_dir={tmp_path}",
    )
    [divergence] = metrics["divergences"]
    assert divergence["restored_step"] == 0 and divergence["step"] >= 1
    assert divergence["g_learning_rate"] == pytest.approx(0.03)
    # The losses and meters are finite again (mode coverage's reverse KL is
    # NaN by definition when no sample is near a mode, so it is not checked).
    trained = {k: v for k, v in metrics["final"].items() if k not in ("modes", "high_quality", "reverse_kl")}
    assert metrics["steps"] == 20 and {"d_loss", "g_loss"} <= set(trained)
    assert all(np.isfinite(v) for v in trained.values()), trained
    gan = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.03)
    assert not (tmp_path / "backup").exists()
