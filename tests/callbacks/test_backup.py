"""`GANBackup`: exact resume mid-epoch, atomic files, no NaN backups, fingerprints,
on tf.train.Checkpoint and public Keras APIs."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from helpers import PoisonedLossGAN, poisoned_batches, tiny_point_gan
from ganzoo.callbacks.backup import GANBackup

POINTS = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
BATCH = 8
STEPS_PER_EPOCH = len(POINTS) // BATCH  # 5
EPOCHS = 3


def make_gan(seed=0):
    return tiny_point_gan(seed)


def stream(start_step=0, points=POINTS):
    examples = tf.data.Dataset.from_tensor_slices(points)
    return ganzoo.data.resumable_batches(examples, len(points), BATCH, seed=3, start_step=start_step)


def state(gan):
    """Every variable a resumed run must get back."""
    variables = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    return [np.array(v.numpy()) for v in variables] + [gan.seed_generator.state.numpy()]


def saved_state(backup_dir):
    with open(os.path.join(backup_dir, "state.json")) as f:
        return json.load(f)


class Killed(Exception):
    pass


class Crash(keras.callbacks.Callback):
    """Stands in for a kill after ``step`` steps (before later callbacks run)."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations) == self.step:
            raise Killed


def fit(gan, backup, start_step=0, callbacks=()):
    return gan.fit(
        stream(start_step), epochs=EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, verbose=0,
        initial_epoch=backup.initial_epoch, callbacks=[*callbacks, backup],
    )


def test_resume_mid_epoch_ends_like_an_uninterrupted_run(tmp_path):
    reference = make_gan()
    expected = fit(reference, GANBackup(str(tmp_path / "a"), save_freq=3)).history

    gan = make_gan()
    with pytest.raises(Killed):
        fit(gan, GANBackup(str(tmp_path / "b"), save_freq=3), callbacks=[Crash(8)])
    # Saved at steps 0, 3, 5 (epoch end) and 6: the kill at step 8 loses 7 and 8.
    assert saved_state(tmp_path / "b")["step"] == 6

    resumed = make_gan(seed=1)  # a new process: other initial weights, other seed state
    backup = GANBackup(str(tmp_path / "b"), save_freq=3)
    step = backup.restore(resumed)
    assert step == 6
    history = fit(resumed, backup, start_step=step).history
    for a, b in zip(state(reference), state(resumed), strict=True):
        np.testing.assert_array_equal(a, b)
    # Epoch 1 was resumed after 1 of its 5 batches: its means (trackers
    # restored) and the epoch after it equal the uninterrupted run's.
    assert history.keys() == expected.keys()
    for name in expected:
        assert history[name] == expected[name][1:], name
    assert not os.path.exists(tmp_path / "b")  # delete_checkpoint


def test_a_write_cut_short_leaves_the_previous_backup(tmp_path):
    gan = make_gan()
    backup_dir = tmp_path / "backup"
    with pytest.raises(Killed):
        fit(gan, GANBackup(str(backup_dir), save_freq=2), callbacks=[Crash(5)])
    kept = sorted(os.listdir(backup_dir))
    checkpoint = saved_state(backup_dir)["checkpoint"]
    assert kept == [f"{checkpoint}.data-00000-of-00001", f"{checkpoint}.index", "state.json"]
    # A kill in the middle of the next save leaves a partial checkpoint, or a
    # complete one that state.json does not name yet, or a partial state file.
    (backup_dir / "ckpt-98_temp").mkdir()
    (backup_dir / "ckpt-98_temp" / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"half")
    (backup_dir / "ckpt-99.index").write_bytes(b"truncated")
    (backup_dir / "state.json.tmp-12345").write_text('{"step": 6, "che')
    resumed = make_gan(seed=3)
    assert GANBackup(str(backup_dir), save_freq=2).restore(resumed) == 4
    assert sorted(os.listdir(backup_dir)) == kept
    for a, b in zip(state(gan)[:-1], state(resumed)[:-1]):
        assert a.shape == b.shape


def test_non_finite_weights_never_overwrite_the_last_good_backup(tmp_path):
    backup_dir = str(tmp_path / "backup")
    # A good batch, then NaN ones. Without StopOnDivergence training goes on
    # with NaN weights; the backup must not follow.
    gan = tiny_point_gan(cls=PoisonedLossGAN)
    batches = poisoned_batches(POINTS[:32].reshape(4, 8, 2), poisoned=[1, 2, 3])
    gan.fit(batches, epochs=1, steps_per_epoch=4, verbose=0,
            callbacks=[GANBackup(backup_dir, save_freq=1, delete_checkpoint=False)])
    assert np.isnan(gan.generator.get_weights()[0]).any()
    assert saved_state(backup_dir)["step"] == 1  # the only finite step
    restored = make_gan(seed=5)
    GANBackup(backup_dir).restore(restored)
    assert all(np.isfinite(w).all() for w in restored.get_weights())


def test_a_backup_written_with_other_settings_is_refused(tmp_path):
    gan = make_gan()
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(Killed):
        fit(gan, GANBackup(backup_dir, save_freq=1, fingerprint={"batch_size": 8, "seed": 0}), callbacks=[Crash(2)])
    with pytest.raises(ValueError, match=r"different run.*'batch_size': \(8, 16\).*delete"):
        GANBackup(backup_dir, fingerprint={"batch_size": 16, "seed": 0}).restore(make_gan())


def test_an_unreadable_backup_is_a_clear_error(tmp_path):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "state.json").write_text("not json")
    with pytest.raises(ValueError, match="state.json.*unreadable.*start afresh"):
        GANBackup(str(backup_dir)).restore(make_gan())
    (backup_dir / "state.json").write_text('{"checkpoint": "ckpt-7", "step": 3, "epoch": 0}')
    with pytest.raises(ValueError, match="names the checkpoint 'ckpt-7', which is missing"):
        GANBackup(str(backup_dir)).restore(make_gan())


def test_a_backup_of_an_older_ganzoo_is_refused_not_deleted(tmp_path):
    (tmp_path / "latest.weights.h5").write_bytes(b"an older backup")
    with pytest.raises(ValueError, match="older ganzoo.*resume it with that version"):
        GANBackup(str(tmp_path)).restore(make_gan())
    assert (tmp_path / "latest.weights.h5").read_bytes() == b"an older backup"


def test_fit_must_start_at_the_restored_epoch(tmp_path):
    with pytest.raises(Killed):
        fit(make_gan(), GANBackup(str(tmp_path), save_freq=1), callbacks=[Crash(7)])
    backup = GANBackup(str(tmp_path))
    assert backup.restore(make_gan()) == 6 and backup.initial_epoch == 1  # the kill lost step 7
    with pytest.raises(ValueError, match="fit started at epoch 0 .* resumes at epoch 1 .*initial_epoch=backup"):
        backup.model.fit(stream(6), epochs=EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, verbose=0, callbacks=[backup])


def test_the_backup_is_built_on_public_apis_only():
    """No Keras private attribute, no write into Keras' own files (issue 21)."""
    import inspect

    from ganzoo.callbacks import backup as module

    source = inspect.getsource(module)
    for private in ("_weights_path", "_initial_epoch", "h5py", "BackupAndRestore)", "save_weights"):
        assert private not in source, private


class Tick(keras.callbacks.Callback):
    """Advances the fake clock ten seconds per training step."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    def on_train_batch_end(self, batch, logs=None):
        self.clock[0] += 10.0


def test_a_resumed_run_counts_the_training_time_of_the_killed_process(tmp_path, monkeypatch):
    from ganzoo.callbacks import backup as backup_module

    clock = [1000.0]
    monkeypatch.setattr(backup_module, "_now", lambda: clock[0])
    with pytest.raises(Killed):
        fit(make_gan(), GANBackup(str(tmp_path), save_freq=3), callbacks=[Tick(clock), Crash(8)])
    # The backup of step 6 holds the 6 steps × 10 s trained before it.
    assert saved_state(tmp_path)["wall_time_s"] == 60.0

    clock[0] = 5000.0  # a new process: its clock means nothing to the old one
    backup = GANBackup(str(tmp_path), save_freq=3)
    step = backup.restore(make_gan())
    assert backup.wall_time_s() == 60.0
    fit(backup.model, backup, start_step=step, callbacks=[Tick(clock)])
    # 60 s before the kill + the 9 steps left × 10 s; the 2 lost steps count once.
    assert backup.wall_time_s() == 150.0
