"""`ganzoo.run_folder` and `python -m ganzoo.train` on one folder: a lock,
atomic outputs, a refused overwrite, a completed run after a kill in export."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo import cpu_kernels, run_folder
from ganzoo.run_folder import RunFolderError

# ------------------------------------------------------------------ the lock


def test_a_second_lock_on_a_folder_is_refused_naming_the_holder(tmp_path):
    with run_folder.lock(tmp_path / "run"):
        with pytest.raises(RunFolderError, match=rf"in use by another training run \(process {os.getpid()}\)"):
            with run_folder.lock(tmp_path / "run"):
                pass
    with run_folder.lock(tmp_path / "run"):  # released at the end of the block
        pass


def test_a_sigkilled_holder_leaves_no_stale_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from ganzoo import run_folder\n"
         "with run_folder.lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(600)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(RunFolderError, match=f"process {holder.pid}"):
        with run_folder.lock(tmp_path):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with run_folder.lock(tmp_path):
        pass


@pytest.mark.parametrize("args", [
    ["--output_dir={run}"], ["--output_dir", "{run}"], ["--seed=3", "-output_dir={run}"],
    ["--model=wgan", "--dataset=ring8"],  # the default folder, runs/wgan-ring8
])
def test_a_busy_folder_is_refused_from_the_command_line_before_tensorflow_is_imported(args, tmp_path, monkeypatch,
                                                                                       capsys):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "runs" / "wgan-ring8"
    argv = ["python", "-m", "ganzoo.train", *(arg.format(run=run) for arg in args)]
    with run_folder.lock(run):
        with pytest.raises(SystemExit) as exit:
            run_folder.refuse_if_busy(argv)
        assert exit.value.code == 2
        assert "ganzoo.train: error: " in capsys.readouterr().err
        # Other commands, --help and a free folder are left to the program.
        run_folder.refuse_if_busy(["python", "-m", "ganzoo.evaluate", f"--output_dir={run}"])
        run_folder.refuse_if_busy([*argv, "--help"])
    run_folder.refuse_if_busy(argv)


# ----------------------------------------------------------- atomic outputs


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "metrics.json"
    run_folder.write_text(path, "old")
    with pytest.raises(KeyboardInterrupt):
        with run_folder.atomic_output(str(path)) as temporary:
            with open(temporary, "w") as f:
                f.write("half")
            raise KeyboardInterrupt
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["metrics.json"]


def test_a_directory_is_swapped_whole(tmp_path):
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "old.pb").write_text("old")
    with run_folder.atomic_output(str(tmp_path / "generator")) as temporary:
        os.makedirs(temporary)
        (tmp_path / temporary / "new.pb").write_text("new")
    assert os.listdir(tmp_path / "generator") == ["new.pb"] and os.listdir(tmp_path) == ["generator"]


def test_leftovers_of_a_killed_write_are_removed(tmp_path):
    (tmp_path / ".tmp-123-generator").mkdir()
    (tmp_path / ".tmp-123-model.keras").write_text("half")
    (tmp_path / "notes.txt").write_text("mine")
    run_folder.remove_leftovers(tmp_path)
    assert os.listdir(tmp_path) == ["notes.txt"]


# ------------------------------------------------------ the overwrite policy


def finished_run(folder, settings):
    for name in ("samples.png", "log.csv", "model.keras"):
        (folder / name).write_text(name)
    (folder / "samples").mkdir()
    (folder / "notes.txt").write_text("the user's")
    run_folder.write_text(folder / "metrics.json", json.dumps({"settings": settings, "steps": 3}))


def test_a_finished_run_with_the_same_settings_is_not_redone(tmp_path):
    finished_run(tmp_path, {"seed": 0})
    assert run_folder.prepare(tmp_path, {"seed": 0}) == {"settings": {"seed": 0}, "steps": 3}


def test_a_finished_run_with_other_settings_is_refused_unless_overwrite(tmp_path):
    finished_run(tmp_path, {"seed": 0, "epochs": 5})
    with pytest.raises(RunFolderError, match=r"finished run with other settings .*'seed': \(0, 1\).*--overwrite"):
        run_folder.prepare(tmp_path, {"seed": 1, "epochs": 5})
    assert run_folder.prepare(tmp_path, {"seed": 1, "epochs": 5}, overwrite=True) is None
    assert os.listdir(tmp_path) == ["notes.txt"]  # only the run's outputs were removed


def test_a_run_file_is_never_an_output_of_another_command(tmp_path):
    finished_run(tmp_path, {})
    with pytest.raises(RunFolderError, match="belongs to the training run"):
        run_folder.check_not_a_run_output(str(tmp_path / "metrics.json"))
    run_folder.check_not_a_run_output(str(tmp_path / "evaluation.json"))
    (tmp_path / "zoo").mkdir()
    (tmp_path / "zoo" / "model_card.json").write_text("{}")
    with pytest.raises(RunFolderError, match="holds a model card"):
        run_folder.check_not_a_run_output(str(tmp_path / "zoo" / "evaluation.json"))


# ------------------------------------------------------------------ the CLI
RUN = [
    "--dataset=ring8", "--mixture_points=320", "--batch_size=32", "--epochs=2", "--checkpoint_every=4",
    "--verbose=0", "--num_samples=16", "--deterministic",
]

# Runs the CLI's job; at step BLOCK_AT (or inside the generator export with
# "export") it writes the marker, then waits for the release file or a kill.
BLOCKER = """
import os, sys, time
import keras
from absl import flags
import ganzoo
from ganzoo import train

where, marker, release, *argv = sys.argv[1:]

def block():
    open(marker, "w").close()
    while not os.path.exists(release):
        time.sleep(0.1)

class BlockAt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if where != "export" and int(self.model.g_optimizer.iterations.numpy()) == int(where):
            block()

export = ganzoo.export.export_generator
def export_then_block(gan, path):
    export(gan, path)
    open(os.path.join(path, "half_written"), "w").close()
    block()

if where == "export":
    ganzoo.export.export_generator = export_then_block
flags.FLAGS(["ganzoo.train", *argv])
train.train(flags.FLAGS, extra_callbacks=[BlockAt()])
"""


def start(*args):
    # The -c stand-in for a CLI run computes with the CLI's oneDNN setting.
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cpu_kernels.cli_environment(os.environ))


def wait_for(path, process, seconds=300):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"never reached {path}:\n{process.communicate()[1][-3000:]}")
        time.sleep(0.1)


def finish(process, name):
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"{name}:\n{err[-3000:]}"
    return out


@pytest.mark.slow
def test_a_second_run_on_a_busy_folder_is_refused_at_once_and_the_first_finishes(tmp_path):
    run = tmp_path / "run"
    first = start("-c", BLOCKER, "3", str(tmp_path / "reached"), str(tmp_path / "release"), *RUN, f"--output_dir={run}")
    wait_for(tmp_path / "reached", first)
    started = time.monotonic()
    import_only = subprocess.run([sys.executable, "-c", "import ganzoo.train"], timeout=120)
    import_seconds = time.monotonic() - started
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "ganzoo.train", *RUN, f"--output_dir={run}"], capture_output=True, text=True, timeout=120
    )
    seconds = time.monotonic() - started
    (tmp_path / "release").touch()
    assert import_only.returncode == 0
    assert second.returncode == 2, second.stderr[-3000:]
    assert f"in use by another training run (process {first.pid})" in second.stderr
    # Refused before TensorFlow is even imported (ganzoo.run_folder.refuse_if_busy).
    assert seconds < min(5, import_seconds), (seconds, import_seconds)
    finish(first, "first")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["steps"] == 20 and len(metrics["history"]["d_loss"]) == 2
    assert (run / "log.csv").read_text().count("epoch") == 1


def saved_variables(run_dir):
    gan = keras.models.load_model(run_dir / "model.keras", safe_mode=True)
    found = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    return {v.path: np.array(v.numpy()) for v in found} | {"seed": gan.seed_generator.state.numpy()}


def listing(run_dir):
    return sorted(
        os.path.relpath(os.path.join(root, name), run_dir)
        for root, _, names in os.walk(run_dir) if "tensorboard" not in root for name in names
    )


@pytest.mark.slow
def test_a_kill_during_the_export_then_a_rerun_gives_the_uninterrupted_files(tmp_path):
    reference = start("-m", "ganzoo.train", *RUN, f"--output_dir={tmp_path / 'reference'}")
    run = tmp_path / "killed"
    killed = start("-c", BLOCKER, "export", str(tmp_path / "exporting"), str(tmp_path / "never"), *RUN,
                   f"--output_dir={run}")
    wait_for(tmp_path / "exporting", killed)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    assert not (run / "metrics.json").exists() and (run / "backup").exists()
    finish(start("-m", "ganzoo.train", *RUN, f"--output_dir={run}"), "rerun")
    finish(reference, "reference")

    assert listing(run) == listing(tmp_path / "reference")
    a, b = saved_variables(tmp_path / "reference"), saved_variables(run)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    for name in ("log.csv", "samples.png"):
        assert (run / name).read_bytes() == (tmp_path / "reference" / name).read_bytes(), name
    expected, got = (json.loads((d / "metrics.json").read_text()) for d in (tmp_path / "reference", run))
    assert got["history"] == expected["history"] and got["steps"] == expected["steps"] == 20
    z = tf.random.stateless_normal((4, 2), seed=[1, 2])
    images = [tf.saved_model.load(str(d / "generator")).signatures["serving_default"](z=z)["images"]
              for d in (tmp_path / "reference", run)]
    np.testing.assert_array_equal(images[0], images[1])


@pytest.mark.slow
def test_a_finished_run_is_not_overwritten_by_other_flags(tmp_path):
    finish(start("-m", "ganzoo.train", *RUN, "--export=false", f"--output_dir={tmp_path}"), "first")
    before = {name: (tmp_path / name).read_bytes() for name in ("model.keras", "metrics.json", "log.csv")}
    refused = subprocess.run(
        [sys.executable, "-m", "ganzoo.train", *RUN, "--export=false", "--seed=1", f"--output_dir={tmp_path}"],
        capture_output=True, text=True, timeout=300,
    )
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert "finished run with other settings" in refused.stderr and "'seed': (0, 1)" in refused.stderr
    assert before == {name: (tmp_path / name).read_bytes() for name in before}
    # The same command again does nothing; --overwrite replaces the run.
    assert "nothing to do" in finish(start("-m", "ganzoo.train", *RUN, "--export=false", f"--output_dir={tmp_path}"), "same")
    finish(start("-m", "ganzoo.train", *RUN, "--export=false", "--seed=1", "--overwrite", f"--output_dir={tmp_path}"),
           "overwrite")
    assert json.loads((tmp_path / "metrics.json").read_text())["settings"]["seed"] == 1
    assert (tmp_path / "model.keras").read_bytes() != before["model.keras"]
