"""One training run per folder: a lock, atomic outputs, no silent overwrite.

A training run's folder (``python -m ganzoo.train --output_dir=...``) holds
the files of `OUTPUTS`. This module keeps it consistent:

* `lock`: one process at a time. An OS lock (``fcntl.flock``) on the
  folder itself; the OS releases it when the process ends, even on SIGKILL,
  so a killed run never leaves a stale lock. A second run on the same folder
  is refused at once, naming the process that holds it (on Linux).
* `atomic_output`: every file written at the end of a run goes to a
  temporary name in the same folder, then is renamed (``os.replace``): a
  kill leaves the old file or the new one, never half of one; a directory
  (the generator SavedModel) is swapped in by two renames.
* `prepare`: a finished run (its ``metrics.json`` is written last) with the
  same settings is not trained again; with other settings it is refused
  unless ``overwrite``, which removes the outputs of `OUTPUTS` (and only
  those) first.
* `check_not_a_run_output`: other commands (``ganzoo.evaluate``) never write
  over a training run's file.
"""

import contextlib
import csv
import errno
import fcntl
import glob
import io
import json
import os
import shutil
import sys

METRICS_NAME = "metrics.json"
# Everything `ganzoo.train` writes in a run's folder.
OUTPUTS = (
    "samples", "samples.png", "tensorboard", "log.csv", "model.keras", "generator", METRICS_NAME, "backup",
)
_TEMPORARY = ".tmp-"
_OLD = ".old-"


class RunFolderError(ValueError):
    """The run's folder is in use, or holds a finished run with other settings."""


@contextlib.contextmanager
def lock(folder):
    """Holds an exclusive lock on ``folder`` (created if missing) while the block runs.

    The lock is ``fcntl.flock`` on the directory itself: no lock file is left
    behind, and the OS releases it when the process ends, even on SIGKILL.

    Raises:
        RunFolderError: another process holds it.
    """
    os.makedirs(folder, exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            holder = _lock_holder(descriptor)
            raise RunFolderError(
                f"{folder!r} is in use by another training run{f' (process {holder})' if holder else ''}; "
                f"wait for it to end, or use another --output_dir"
            ) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock


def refuse_if_busy(argv):
    """Exits with status 2 if ``python -m ganzoo.train``'s folder is locked, before TensorFlow is imported.

    Called by ``ganzoo/__init__.py`` with ``sys.orig_argv`` when a ganzoo
    module runs with ``-m``, so that a second run on a busy folder is refused
    in a fraction of a second instead of after importing TensorFlow (seconds,
    many more while the first run keeps the cores busy). Only an early
    answer: the run takes the real lock (`lock`) after checking its flags.
    Reads ``--output_dir`` (or the default ``runs/<model>-<dataset>``) from
    ``argv``; does nothing for other commands or unusual command lines.
    """
    if "-m" not in argv or argv[argv.index("-m") + 1 :][:1] != ["ganzoo.train"]:
        return
    values = {"model": "vanilla", "dataset": "fashion_mnist", "output_dir": None}
    args = argv[argv.index("-m") + 2 :]
    for index, arg in enumerate(args):
        name, equals, value = arg.lstrip("-").partition("=")
        if name in ("flagfile", "help", "helpshort", "helpfull", "h", "?"):
            return
        if name in values and arg.startswith("-"):
            if not equals:  # --output_dir runs/x
                if index + 1 >= len(args):
                    return
                value = args[index + 1]
            values[name] = value
    folder = values["output_dir"] or os.path.join("runs", f"{values['model']}-{values['dataset']}")
    if not os.path.isdir(folder):
        return
    try:
        with lock(folder):
            pass
    except RunFolderError as error:
        print(f"ganzoo.train: error: {error}", file=sys.stderr)
        sys.exit(2)
    except OSError:
        return


def _lock_holder(descriptor):
    """The process id holding a flock on ``descriptor``'s file, from Linux's /proc/locks (else None)."""
    status = os.fstat(descriptor)
    device = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    try:
        with open("/proc/locks") as f:
            for line in f:
                fields = line.split()  # id: FLOCK ADVISORY WRITE pid major:minor:inode start end
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
                    return int(fields[4])
    except (OSError, ValueError):
        pass
    return None


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary path beside ``path``; renames it to ``path`` if the block ends normally.

    The temporary name keeps the file's name as its suffix, so that writers
    that check it (``model.save`` wants ``.keras``) accept it. A directory
    replaces an existing ``path`` by two renames; a kill between them leaves
    ``path`` missing (a rerun writes it again), never half-written.
    """
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f"{_TEMPORARY}{os.getpid()}-{name}")
    _remove(temporary)
    try:
        yield temporary
    except BaseException:
        _remove(temporary)
        raise
    if os.path.isdir(temporary) and os.path.lexists(path):
        old = os.path.join(folder, f"{_OLD}{os.getpid()}-{name}")
        _remove(old)
        os.replace(path, old)
        os.replace(temporary, path)
        _remove(old)
    else:
        os.replace(temporary, path)


def write_text(path, text):
    """Writes ``text`` to ``path`` atomically."""
    with atomic_output(path) as temporary:
        with open(temporary, "w", newline="") as f:  # the text's own line ends (csv writes \r\n)
            f.write(text)


def remove_leftovers(folder):
    """Removes temporary files of writes cut short by a kill (call under `lock`)."""
    for leftover in glob.glob(os.path.join(folder, f"{_TEMPORARY}*")) + glob.glob(os.path.join(folder, f"{_OLD}*")):
        _remove(leftover)


def prepare(folder, settings, overwrite=False):
    """Gets ``folder`` ready for a run with ``settings`` (call under `lock`).

    Args:
        folder: the run's folder.
        settings: JSON-ready dict of everything that decides the run's outputs.
        overwrite: replace a finished run that had other settings.

    Returns:
        The finished run's metrics dict when ``folder`` holds a finished run
        with the same ``settings`` (nothing to do; with ``overwrite`` the
        run is redone), else None.

    Raises:
        RunFolderError: ``folder`` holds a finished run with other settings
            and ``overwrite`` is False.
    """
    remove_leftovers(folder)
    metrics_path = os.path.join(folder, METRICS_NAME)
    if not os.path.exists(metrics_path):
        return None  # new, or unfinished: the backup's fingerprint decides if it resumes
    finished = _read_json(metrics_path)
    settings = json.loads(json.dumps(settings))
    if not overwrite:
        if finished.get("settings") == settings:
            return finished
        before = finished.get("settings") or {}
        differences = {
            k: (before.get(k), settings.get(k)) for k in sorted(set(before) | set(settings))
            if before.get(k) != settings.get(k)
        }
        raise RunFolderError(
            f"{folder!r} holds a finished run with other settings (finished vs now: {differences}). "
            f"Use another --output_dir, or --overwrite to replace it"
        )
    for name in OUTPUTS:
        _remove(os.path.join(folder, name))
    return None


def check_not_a_run_output(path):
    """Raises RunFolderError if ``path`` is a file that a training run wrote.

    Used by commands that write a file a user names (``ganzoo.evaluate
    --output``): a run's ``metrics.json`` or ``log.csv`` is never replaced,
    and nothing is added to a model's folder that has a card.
    """
    folder, name = os.path.split(os.path.abspath(path))
    is_run = any(os.path.exists(os.path.join(folder, marker)) for marker in ("log.csv", "model.keras", "backup"))
    if name in OUTPUTS and is_run:
        raise RunFolderError(
            f"{path!r} belongs to the training run in {folder!r}; not overwriting it. Choose another path"
        )
    if os.path.exists(os.path.join(folder, "model_card.json")):
        raise RunFolderError(
            f"{folder!r} holds a model card: any file written there ({name!r}) would fail its integrity "
            f"check. Choose a path in another folder"
        )


def keep_log_rows(path, epochs_done):
    """Keeps the rows of log.csv of the first ``epochs_done`` epochs: a
    resumed run writes the later ones again, a fresh run (0) a new file."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as fp:
        rows = list(csv.reader(fp))
    kept = [row for row in rows[1:] if row and int(row[0]) < epochs_done]
    if not kept:
        os.remove(path)
        return
    text = io.StringIO()
    csv.writer(text).writerows(rows[:1] + kept)
    write_text(path, text.getvalue())


def read_log(path):
    """``{name: [value per epoch]}`` from log.csv (the whole run, resumed or not)."""
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as fp:
        rows = list(csv.DictReader(fp))
    names = [n for n in (rows[0] if rows else {}) if n != "epoch" and all(r[n] not in ("", "NA") for r in rows)]
    return {name: [float(row[name]) for row in rows] for name in names}


def _read_json(path):
    try:
        with open(path) as f:
            value = json.load(f)
    except (OSError, ValueError) as error:
        raise RunFolderError(f"{path!r} is unreadable ({error}); move it away, or use --overwrite") from error
    if not isinstance(value, dict):
        raise RunFolderError(f"{path!r} is not a JSON object; move it away, or use --overwrite")
    return value


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)
