"""Resume a GAN run exactly after a kill, on public TensorFlow and Keras APIs.

``GANBackup`` is a Keras callback (the role of ``keras.callbacks.
BackupAndRestore``, which restarts a run killed mid-epoch from the epoch's
first batch and does not save the metric trackers). A backup in
``backup_dir`` is two things:

* a `tf.train.Checkpoint` (``ckpt-<n>.index`` / ``.data-*``) of every
  variable a resumed run needs: ``model.variables`` (both networks and the
  SeedGenerator state) and the variables of every optimizer (iterations,
  learning rate, moments, moving averages);
* ``state.json``, written after the checkpoint under a temporary name and
  renamed: the checkpoint it belongs to, the step, the epoch and the batch in
  it, the trackers' running means of a partly trained epoch, the training
  time, and an optional ``fingerprint`` of the run. A kill at any instant
  leaves the previous ``state.json`` naming a complete checkpoint; files of a
  write cut short are removed at the next restore.

On restart, `restore` loads the backup and returns the step to resume from;
the caller passes ``initial_epoch=backup.initial_epoch`` to ``fit`` (a public
argument) and data that resumes at the step
(`ganzoo.data.resumable_batches(..., start_step=step)`). In the resumed epoch
the callback gives back the trackers' running means and ends the epoch
(``model.stop_training``) once its remaining batches are done, so every epoch
ends at the step, and with the logs, of an uninterrupted run. Weights holding
NaN or Inf are never backed up (use `StopOnDivergence` before it to stop).

Put it last in the callback list: it must see ``stop_training`` set by the
callbacks before it (e.g. `StopAtStep`) when it ends a resumed epoch early.
"""

import glob
import json
import os
import time

import keras
import numpy as np
import tensorflow as tf
from absl import logging

STATE_NAME = "state.json"
_now = time.monotonic  # replaced by the tests' clock


def _optimizers(model):
    found = []
    for name in ("d_optimizer", "g_optimizer", "optimizer"):
        optimizer = getattr(model, name, None)
        if optimizer is not None and all(optimizer is not o for o in found):
            found.append(optimizer)
    return found


def state_variables(model):
    """Every variable a resumed run needs, in a fixed order: the model's
    variables (weights and SeedGenerator states), then each optimizer's."""
    found, seen = [], set()
    for variable in [*model.variables, *(v for o in _optimizers(model) for v in o.variables)]:
        if id(variable) not in seen:
            seen.add(id(variable))
            found.append(variable)
    return found


def _first_non_finite(variables):
    """The path of the first variable holding NaN or ±Inf, or None."""
    for variable in variables:
        value = np.asarray(variable.numpy())
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            return variable.path
    return None


def _json_round_trip(value):
    return json.loads(json.dumps(value))


class GANBackup(keras.callbacks.Callback):
    """Backs up training every ``save_freq`` steps and at every epoch end,
    and restores it at the exact step (see the module docstring).

    Args:
        backup_dir: directory of the backup, used by nothing else.
        save_freq: ``"epoch"``, or an integer: also back up every that many
            training steps (counted over the whole run).
        fingerprint: JSON-serialisable description of the run; restoring a
            backup written with another fingerprint raises ValueError.
        delete_checkpoint: delete the backup when ``fit`` ends.

    Attributes:
        step: training steps done in the whole run.
        initial_epoch: the epoch to pass to ``fit(initial_epoch=...)`` after
            `restore` (0 without a backup).

    Example:

    ```python
    backup = GANBackup("run/backup", save_freq=100, fingerprint={"seed": 0})
    step = backup.restore(gan)  # 0 without a backup
    data = ganzoo.data.resumable_batches(examples, count, 64, seed=0, start_step=step)
    gan.fit(data, epochs=10, steps_per_epoch=count // 64, initial_epoch=backup.initial_epoch,
            callbacks=[backup])
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", fingerprint=None, delete_checkpoint=True):
        super().__init__()
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"save_freq must be 'epoch' or a positive integer; got {save_freq!r}")
        self.backup_dir = str(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.fingerprint = None if fingerprint is None else _json_round_trip(fingerprint)
        self.step = 0
        self.initial_epoch = 0
        self._restored = False
        self._saved = {}  # the state of the restored backup
        self._steps_per_epoch = None
        self._epoch = 0
        self._batch = 0  # batches done in the current epoch
        self._skip = 0  # batches of the first epoch done before the restart
        self._first_epoch = True
        self._ended_epoch = False
        self._last_saved_step = None
        self._seconds_before = 0.0  # trained by the earlier processes of the run
        self._process_start = None  # when this process started training

    @property
    def _state_path(self):
        return os.path.join(self.backup_dir, STATE_NAME)

    def wall_time_s(self):
        """Seconds of training of the whole run: those stored in the restored
        backup plus those of this process since its first ``restore``."""
        if self._process_start is None:
            return self._seconds_before
        return self._seconds_before + _now() - self._process_start

    # --------------------------------------------------------------- restore
    def restore(self, model):
        """Loads the backup into ``model`` if there is one.

        Returns the step to resume from (0 without a backup) and sets
        `initial_epoch`. ``fit`` with this callback then continues from it
        without loading again.
        """
        self.set_model(model)
        first_restore = self._process_start is None
        if first_restore:
            self._process_start = _now()
        self.step, self.initial_epoch, self._saved = 0, 0, {}
        if os.path.exists(self._state_path):
            state = self._read_state()
            self._check_fingerprint(state)
            self._remove_other_files(state["checkpoint"])
            status = tf.train.Checkpoint(variables=state_variables(model)).read(
                os.path.join(self.backup_dir, state["checkpoint"])
            )
            try:
                status.assert_consumed()
            except AssertionError as error:
                raise ValueError(
                    f"The backup in {self.backup_dir!r} does not fit this model ({error}); delete it to start afresh"
                ) from error
            self.step, self.initial_epoch, self._saved = int(state["step"]), int(state["epoch"]), state
            if first_restore:  # a later restore (after a divergence) keeps counting this process's time
                self._seconds_before = float(state.get("wall_time_s", 0.0))
            logging.info("Restored the backup of step %d from %s", self.step, self.backup_dir)
        elif os.path.exists(os.path.join(self.backup_dir, "latest.weights.h5")):
            raise ValueError(
                f"{self.backup_dir!r} holds a backup of an older ganzoo (latest.weights.h5, Keras' weights file); "
                f"resume it with that version, or delete {self.backup_dir!r} to start afresh"
            )
        elif os.path.isdir(self.backup_dir):
            self._remove_other_files(None)  # the files of a first backup cut short
        self._last_saved_step = self.step if self._saved else None
        self._restored = True
        return self.step

    def _read_state(self):
        try:
            with open(self._state_path) as f:
                state = json.load(f)
            int(state["step"]), int(state["epoch"]), str(state["checkpoint"])
        except (OSError, KeyError, TypeError, ValueError) as e:
            raise ValueError(
                f"The backup {self._state_path!r} is unreadable or was not written by "
                f"GANBackup ({type(e).__name__}: {e}); delete {self.backup_dir!r} to start afresh"
            ) from e
        if not glob.glob(os.path.join(self.backup_dir, state["checkpoint"] + ".index")):
            raise ValueError(
                f"The backup {self._state_path!r} names the checkpoint {state['checkpoint']!r}, which is "
                f"missing; delete {self.backup_dir!r} to start afresh"
            )
        return state

    def _check_fingerprint(self, state):
        if self.fingerprint is None or state.get("fingerprint") == self.fingerprint:
            return
        saved = state.get("fingerprint") or {}
        differences = {
            k: (saved.get(k), self.fingerprint.get(k))
            for k in sorted(set(saved) | set(self.fingerprint))
            if saved.get(k) != self.fingerprint.get(k)
        }
        raise ValueError(
            f"The backup in {self.backup_dir!r} was written by a different run "
            f"(backup vs now: {differences}). Rerun with the same settings to resume, or "
            f"delete {self.backup_dir!r} (or use another output directory) to start afresh."
        )

    def _remove_other_files(self, checkpoint):
        """Removes every file but state.json and ``checkpoint``'s (older
        checkpoints, and writes cut short by a kill)."""
        for path in glob.glob(os.path.join(self.backup_dir, "*")):
            name = os.path.basename(path)
            ours = name.startswith(("ckpt-", f"{STATE_NAME}.tmp-"))  # never a file GANBackup did not write
            if not ours or (checkpoint and name.split(".")[0] == checkpoint):
                continue
            if os.path.isdir(path):
                tf.io.gfile.rmtree(path)
            else:
                os.remove(path)

    # ------------------------------------------------------------- callbacks
    def on_train_begin(self, logs=None):
        if not self._restored:
            self.restore(self.model)
        self._restored = False
        self._first_epoch = True
        self._steps_per_epoch = (self.params or {}).get("steps")
        if self._steps_per_epoch:
            self.initial_epoch, self._skip = divmod(self.step, self._steps_per_epoch)
        else:
            self._skip = 0
            if self._saved.get("batch"):
                logging.warning(
                    "The number of steps per epoch is unknown: epoch %d restarts from its first batch",
                    self.initial_epoch,
                )
        if self._last_saved_step is None:
            self._epoch, self._batch = 0, 0
            self._save()  # a good backup from the very start

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch and epoch != self.initial_epoch:
            raise ValueError(
                f"fit started at epoch {epoch} but the backup in {self.backup_dir!r} resumes at epoch "
                f"{self.initial_epoch} (step {self.step}): pass initial_epoch=backup.initial_epoch to fit"
            )
        self._first_epoch = False
        self._epoch, self._batch = epoch, self._skip
        saved = self._saved
        if self._skip and (saved.get("epoch"), saved.get("batch")) == (epoch, self._skip):
            # fit has just reset the trackers; give back the epoch's running means.
            for metric in self.model.metrics:
                for variable, value in zip(metric.variables, saved.get("trackers", {}).get(metric.name, [])):
                    variable.assign(value)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self._batch += 1
        if isinstance(self.save_freq, int) and self.step % self.save_freq == 0:
            self._save()
        if self._skip and self._batch >= (self._steps_per_epoch or float("inf")) and not self.model.stop_training:
            # The resumed epoch has had all its batches: end it where an
            # uninterrupted run ends it (on_epoch_end lets training go on).
            self.model.stop_training = True
            self._ended_epoch = True

    def on_epoch_end(self, epoch, logs=None):
        self._skip = 0
        if self._ended_epoch:
            self.model.stop_training = False
            self._ended_epoch = False
        self._epoch, self._batch = epoch + 1, 0
        self._save()

    def on_train_end(self, logs=None):
        self._save()
        self.initial_epoch = self._position()[0]
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            tf.io.gfile.rmtree(self.backup_dir)

    def backup_now(self):
        """Saves the current state (e.g. after lowering a learning rate)."""
        self._last_saved_step = None
        return self._save()

    # ------------------------------------------------------------------ save
    def _position(self):
        """(epoch, batches done in it) at the current step."""
        if self._steps_per_epoch:
            return divmod(self.step, self._steps_per_epoch)
        return self._epoch, self._batch

    def _save(self):
        """Writes a checkpoint, then state.json naming it; returns False when it refused to."""
        if self._last_saved_step == self.step:
            return True
        variables = state_variables(self.model)
        bad = _first_non_finite(variables)
        if bad is not None:
            logging.warning(
                "Not backing up step %d: %s holds NaN or Inf; the backup of step %s is kept",
                self.step, bad, self._last_saved_step,
            )
            return False
        previous = self._read_state()["checkpoint"] if os.path.exists(self._state_path) else None
        number = int(previous.split("-")[1]) + 1 if previous else 1
        checkpoint = f"ckpt-{number}"
        os.makedirs(self.backup_dir, exist_ok=True)
        tf.train.Checkpoint(variables=variables).write(os.path.join(self.backup_dir, checkpoint))
        epoch, batch = self._position()
        state = {
            "checkpoint": checkpoint, "step": self.step, "epoch": epoch, "batch": batch,
            "fingerprint": self.fingerprint, "wall_time_s": round(self.wall_time_s(), 3),
        }
        if batch:
            state["trackers"] = {
                m.name: [np.asarray(v.numpy()).tolist() for v in m.variables] for m in self.model.metrics
            }
        temporary = f"{self._state_path}.tmp-{os.getpid()}"
        with open(temporary, "w") as f:
            json.dump(state, f)
        os.replace(temporary, self._state_path)  # the new backup is complete from here on
        self._remove_other_files(checkpoint)
        self._last_saved_step = self.step
        return True
