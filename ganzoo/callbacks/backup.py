"""Resume a GAN run exactly after a kill: Keras' `BackupAndRestore`, completed.

What Keras 3.15's ``BackupAndRestore`` restores, and what it leaves out:

* It saves ``model.save_weights`` (for a ganzoo GAN: both networks, the
  state of ``d_optimizer`` and ``g_optimizer`` including their iterations and
  learning rates, and the SeedGenerator state, see `GAN.save_own_variables`)
  and a JSON file with the epoch and the batch.
* On restart it loads the weights and hands only the **epoch** to ``fit``:
  the batch is saved but never used, so a run killed mid-epoch redoes that
  epoch from its first batch, on whatever data the pipeline yields first.
* It writes the weights, then the JSON, in place: a kill during a write
  leaves a truncated file, or new weights beside an old epoch.
* It does not save the metric trackers, so the logs of a resumed epoch are
  means over the resumed part only; and it backs up NaN weights like any
  others.

`GANBackup` keeps Keras' files, directory and ``save_freq`` semantics and adds:

* a step counter saved inside the weights file, which is written under a
  temporary name and renamed (atomic: a kill leaves the old backup or the new
  one, never half of one);
* restore by step: ``fit`` starts at epoch ``step // steps_per_epoch`` and the
  first epoch ends after its remaining batches, so every epoch ends at the
  same step as in an uninterrupted run. The data must resume at the same step:
  build it with `ganzoo.data.resumable_batches(..., start_step=backup.restore(gan))`;
* the trackers' running means, restored for the partly trained epoch, so that
  the epoch's logs equal an uninterrupted run's;
* a check that every weight is finite before saving: NaN weights never
  overwrite the last good backup (use `StopOnDivergence` before it to stop);
* an optional ``fingerprint`` (e.g. the run's flags): a backup written with
  another one is refused rather than silently mixed;
* the training time: each backup stores the seconds trained so far, over
  every process of the run, so that ``wall_time_s()`` of a resumed run is
  its whole training time (the work lost after the last backup of a killed
  process is redone, and counted once).

Put it last in the callback list: it must see ``stop_training`` set by the
callbacks before it (e.g. `StopAtStep`) when it ends a resumed epoch early.
"""

import glob
import json
import os
import time

import h5py
import keras
import numpy as np
from absl import logging

_STATE = "ganzoo_backup_state"
_now = time.monotonic  # replaced by the tests' clock


def _optimizers(model):
    found = []
    for name in ("d_optimizer", "g_optimizer", "optimizer"):
        optimizer = getattr(model, name, None)
        if optimizer is not None and all(optimizer is not o for o in found):
            found.append(optimizer)
    return found


def _first_non_finite(model):
    """The path of the first variable holding NaN or ±Inf, or None."""
    variables = list(model.weights) + [v for o in _optimizers(model) for v in o.variables]
    for variable in variables:
        value = np.asarray(variable.numpy())
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            return variable.path
    return None


def _json_round_trip(value):
    return json.loads(json.dumps(value))


class GANBackup(keras.callbacks.BackupAndRestore):
    """Backs up training every ``save_freq`` steps and at every epoch end,
    and restores it at the exact step (see the module docstring).

    Args:
        backup_dir: directory of the backup, used by nothing else.
        save_freq: ``"epoch"``, or an integer: also back up every that many
            training steps (counted over the whole run).
        fingerprint: JSON-serialisable description of the run; restoring a
            backup written with another fingerprint raises ValueError.
        delete_checkpoint: delete the backup when ``fit`` ends.

    Example:

    ```python
    backup = GANBackup("run/backup", save_freq=100, fingerprint={"seed": 0})
    step = backup.restore(gan)  # 0 without a backup
    data = ganzoo.data.resumable_batches(examples, count, 64, seed=0, start_step=step)
    gan.fit(data, epochs=10, steps_per_epoch=count // 64, callbacks=[backup])
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", fingerprint=None, delete_checkpoint=True):
        super().__init__(backup_dir, save_freq=save_freq, delete_checkpoint=delete_checkpoint)
        self.fingerprint = None if fingerprint is None else _json_round_trip(fingerprint)
        self.step = 0  # training steps done in the whole run
        self._restored = False
        self._saved = {}  # the state stored with the restored weights
        self._steps_per_epoch = None
        self._epoch = 0
        self._batch = 0  # batches done in the current epoch
        self._skip = 0  # batches of the first epoch done before the restart
        self._ended_epoch = False
        self._last_saved_step = None
        self._seconds_before = 0.0  # trained by the earlier processes of the run
        self._process_start = None  # when this process started training

    def wall_time_s(self):
        """Seconds of training of the whole run: those stored in the restored
        backup plus those of this process since its first ``restore``."""
        if self._process_start is None:
            return self._seconds_before
        return self._seconds_before + _now() - self._process_start

    # --------------------------------------------------------------- restore
    def restore(self, model):
        """Loads the backup into ``model`` if there is one.

        Returns the step to resume from (0 without a backup). ``fit`` with
        this callback then continues from it without loading again.
        """
        self.set_model(model)
        first_restore = self._process_start is None
        if first_restore:
            self._process_start = _now()
        for stale in glob.glob(os.path.join(self.backup_dir, "tmp-*.weights.h5")):
            os.remove(stale)  # a write cut short by a kill
        self.step, self._saved = 0, {}
        if os.path.exists(self._weights_path):
            state = self._read_state()
            if self.fingerprint is not None and state.get("fingerprint") != self.fingerprint:
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
            model.load_weights(self._weights_path)
            self.step, self._saved = int(state["step"]), state
            if first_restore:  # a later restore (after a divergence) keeps counting this process's time
                self._seconds_before = float(state.get("wall_time_s", 0.0))
            logging.info("Restored the backup of step %d from %s", self.step, self._weights_path)
        self._last_saved_step = self.step if self._saved else None
        self._restored = True
        return self.step

    def _read_state(self):
        try:
            with h5py.File(self._weights_path, "r") as f:
                return json.loads(f.attrs[_STATE])
        except (OSError, KeyError, ValueError) as e:
            raise ValueError(
                f"The backup {self._weights_path!r} is unreadable or was not written by "
                f"GANBackup ({type(e).__name__}: {e}); delete {self.backup_dir!r} to start afresh"
            ) from e

    def on_train_begin(self, logs=None):
        if not self._restored:
            self.restore(self.model)
        self._restored = False
        self._steps_per_epoch = (self.params or {}).get("steps")
        if self._steps_per_epoch:
            epoch, self._skip = divmod(self.step, self._steps_per_epoch)
        else:
            epoch, self._skip = self._saved.get("epoch", 0), 0
            if self._saved.get("batch"):
                logging.warning(
                    "The number of steps per epoch is unknown: epoch %d restarts from its first batch", epoch
                )
        # The way Keras' BackupAndRestore hands the epoch to fit.
        self.model._initial_epoch = epoch
        if self._last_saved_step is None:
            self._epoch, self._batch = 0, 0
            self._save_model()  # a good backup from the very start

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._batch = epoch, self._skip
        saved = self._saved
        if self._skip and (saved.get("epoch"), saved.get("batch")) == (epoch, self._skip):
            # fit has just reset the trackers; give back the epoch's running means.
            for metric in self.model.metrics:
                for variable, value in zip(metric.variables, saved.get("trackers", {}).get(metric.name, [])):
                    variable.assign(value)

    # ------------------------------------------------------------------ save
    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self._batch += 1
        if isinstance(self.save_freq, int) and self.step % self.save_freq == 0:
            self._save_model()
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
        self._save_model()

    def on_train_end(self, logs=None):
        self._save_model()
        self.model._initial_epoch = None
        super().on_train_end(logs)  # deletes the backup if delete_checkpoint

    def backup_now(self):
        """Saves the current state (e.g. after lowering a learning rate)."""
        self._last_saved_step = None
        return self._save_model()

    def _position(self):
        """(epoch, batches done in it) at the current step."""
        if self._steps_per_epoch:
            return divmod(self.step, self._steps_per_epoch)
        return self._epoch, self._batch

    def _save_model(self):
        """Writes the backup atomically; returns False when it refused to."""
        if self._last_saved_step == self.step:
            return True
        bad = _first_non_finite(self.model)
        if bad is not None:
            logging.warning(
                "Not backing up step %d: %s holds NaN or Inf; the backup of step %s is kept",
                self.step, bad, self._last_saved_step,
            )
            return False
        epoch, batch = self._position()
        state = {
            "step": self.step, "epoch": epoch, "batch": batch, "fingerprint": self.fingerprint,
            "wall_time_s": round(self.wall_time_s(), 3),
        }
        if batch:
            state["trackers"] = {
                m.name: [np.asarray(v.numpy()).tolist() for v in m.variables] for m in self.model.metrics
            }
        os.makedirs(self.backup_dir, exist_ok=True)
        temporary = os.path.join(self.backup_dir, f"tmp-{os.getpid()}.weights.h5")
        self.model.save_weights(temporary, overwrite=True)
        with h5py.File(temporary, "r+") as f:
            f.attrs[_STATE] = json.dumps(state)
        os.replace(temporary, self._weights_path)
        self._last_saved_step = self.step
        return True
