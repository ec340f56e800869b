"""Every bad flag of `python -m ganzoo.train` is refused before any data is
read, naming the value and what is allowed; --help exits 0 and lists names."""

import re
import subprocess
import sys
import time

import pytest
from absl import flags

import ganzoo
from ganzoo import train
from ganzoo.train_flags import FlagError

# One flag alone, refused by the parser: (flag, words of the message).
PARSE_ERRORS = [
    ("--batch_size=0", "--batch_size=0: 0 is not a positive integer"),
    ("--latent_dim=0", "--latent_dim=0: 0 is not a positive integer"),
    ("--latent_dim=-3", "--latent_dim=-3: -3 is not a positive integer"),
    ("--epochs=0", "--epochs=0: 0 is not a positive integer"),
    ("--steps=-1", "--steps=-1: -1 is not a positive integer"),
    ("--num_samples=0", "--num_samples=0: 0 is not an integer in the range [1, 4096]"),
    ("--num_samples=100000", "--num_samples=100000: 100000 is not an integer in the range [1, 4096]"),
    ("--d_learning_rate=-0.001", "--d_learning_rate=-0.001: must be a finite number > 0"),
    ("--g_learning_rate=0", "--g_learning_rate=0.0: must be a finite number > 0"),
    ("--g_learning_rate=nan", "--g_learning_rate=nan: must be a finite number > 0"),
    ("--final_learning_rate=-1", "--final_learning_rate=-1.0: must be a finite number >= 0"),
    ("--g_ema=1", "--g_ema=1.0: must be in [0, 1)"),
    ("--divergence_lr_scale=2", "--divergence_lr_scale=2.0: must be in (0, 1)"),
    ("--seed=-1", "--seed=-1: -1 is not an integer in the range [0, 4294967295]"),
    ("--d_steps=0", "--d_steps=0: 0 is not a positive integer"),
    ("--checkpoint_every=-5", "--checkpoint_every=-5: -5 is not a non-negative integer"),
    ("--eval_num_samples=1", "--eval_num_samples=1: 1 is not integer >= 2"),
    ("--verbose=7", "--verbose=7: 7 is not an integer in the range [0, 3]"),
    ("--model=nope", "--model=nope: value should be one of <"),  # every name: the one-line test below
    ("--loss=nope", "--loss=nope: value should be one of <hinge|kl|least_squares|minimax"),
    ("--strategy=gpu", "--strategy=gpu: value should be one of <default|mirrored|multi_worker|tpu>"),
    ("--eval_metrics=bleu", "--eval_metrics=['bleu']: must be among ['is', 'fid', 'kid', 'precision'"),
]

# Flags refused by check_flags (they depend on each other or on the variant).
CHECK_ERRORS = [
    (["--model_args=[1]"], r"--model_args must be a JSON object; got '\[1\]'"),
    (["--model_args={"], r"--model_args must be a JSON object; got '\{'"),
    (['--model_args={"gp_weigth": 1}', "--model=wgan_gp"], r"\['gp_weigth'\] are not arguments .*'gp_weight'"),
    (['--model_args={"latent_dim": 3}'], r"\['latent_dim'\] are not arguments"),
    (["--loss=hinge", "--model=wgan"], "--loss=hinge applies to --model=vanilla only"),
    (["--final_learning_rate=0.5"], r"--final_learning_rate must be in \[0, 0.0002\] \(the D learning rate\); got 0.5"),
    (["--final_learning_rate=1e-5", "--on_divergence=restore"], "--on_divergence=restore lowers the learning rates"),
    (["--dataset=ring8", "--eval_metrics=is"], "scores images; 'ring8' is 2-D points"),
    (["--dataset=ring8", "--mixture_points=10", "--batch_size=32"], "--mixture_points=10 is fewer than --batch_size=32"),
    (["--data_dir=/nonexistent/ganzoo"], "--data_dir='/nonexistent/ganzoo' is not a directory"),
]


@pytest.fixture
def no_data(monkeypatch):
    """Fails the test if anything tries to read the training data."""

    def refuse(*args, **kwargs):
        raise AssertionError("the data was read before the flags were checked")

    monkeypatch.setattr(ganzoo.data, "load_examples", refuse)


def parse(*args):
    flags.FLAGS.unparse_flags()
    flags.FLAGS(["ganzoo.train", *args])


@pytest.fixture(autouse=True)
def unparse():
    yield
    flags.FLAGS.unparse_flags()


@pytest.mark.parametrize("flag, message", PARSE_ERRORS, ids=[flag for flag, _ in PARSE_ERRORS])
def test_a_bad_flag_is_refused_while_parsing(flag, message):
    with pytest.raises(flags.IllegalFlagValueError) as error:
        parse(flag)
    assert message in str(error.value)


@pytest.mark.parametrize("args, message", CHECK_ERRORS, ids=[" ".join(a) for a, _ in CHECK_ERRORS])
def test_dependent_flags_are_refused_before_any_data_is_read(args, message, no_data, tmp_path):
    parse(*args, f"--output_dir={tmp_path / 'run'}")
    with pytest.raises(FlagError, match=message):
        train.train(flags.FLAGS)
    assert not (tmp_path / "run").exists()  # nothing written either


def test_an_output_dir_that_is_a_file_is_refused(no_data, tmp_path):
    (tmp_path / "file").write_text("x")
    parse(f"--output_dir={tmp_path / 'file'}")
    with pytest.raises(FlagError, match="is a file; expected a directory"):
        train.train(flags.FLAGS)


def cli(*args, timeout=120):
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.train", *args], capture_output=True, text=True, timeout=timeout
    )
    return result, time.monotonic() - start


def test_help_exits_0_and_lists_the_model_and_loss_names():
    result, _ = cli("--help")
    assert result.returncode == 0, result.stderr[-2000:]
    unwrapped = re.sub(r"\n\s+", "", result.stdout)  # absl wraps long enum lists mid-name
    for name in (*ganzoo.models.MODELS, *ganzoo.losses.CATALOG, "--[no]overwrite", "--output_dir"):
        assert name in unwrapped, name


def test_a_bad_model_is_one_line_naming_the_variants_without_a_traceback(tmp_path):
    result, seconds = cli("--model=nope", f"--output_dir={tmp_path}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "--model=nope" in line]
    assert all(name in line for name in ganzoo.models.MODELS), line
    assert seconds < 30  # most of it importing TensorFlow (about 3 s on an idle 2-core machine)
    assert not tmp_path.joinpath("log.csv").exists()


def test_a_refused_combination_is_one_line_with_status_2(tmp_path):
    result, _ = cli("--model_args=[1]", f"--output_dir={tmp_path / 'run'}")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "ganzoo.train: error: --model_args must be a JSON object; got '[1]'"


@pytest.mark.parametrize("num", [0, -1, 10_000_000])
def test_sample_refuses_a_number_of_samples_out_of_range_before_loading(num):
    import types

    from ganzoo import command_checks

    with pytest.raises(FlagError, match=rf"--num={num} is out of range; expected an integer in \[1, 4096\]"):
        command_checks.check_sample_flags(types.SimpleNamespace(num=num, seed=0, out="grid.png"))


# ------------------------------------------------------------------ log noise
NOISY = ("I0000 ", "WARNING: All log messages before absl::InitializeLog", "shuffle=True", "INFO:tensorflow")


@pytest.mark.slow
def test_quiet_start_drops_only_the_known_start_up_lines():
    script = (
        "import os, sys\n"
        "from ganzoo import quiet_start\n"  # imports TensorFlow: its own lines come before START
        "print('START', file=sys.stderr, flush=True)\n"
        "quiet_start.begin(['python', '-m', 'ganzoo.train'])\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n')\n"
        "os.write(2, b'I0000 00:00:1795972902.775877    5524 port.cc:153] oneDNN custom operations are on.\\n')\n"
        "os.write(2, b'E0000 00:00:1795972904.630731    5524 some_op.cc:52] a real error\\n')\n"
        "print('python error', file=sys.stderr)\n"
        "quiet_start.end(verbose=sys.argv[1] == 'verbose')\n"
        "print('after', file=sys.stderr)\n"
    )
    quiet = subprocess.run([sys.executable, "-c", script, "quiet"], capture_output=True, text=True, timeout=120)
    assert quiet.stderr.split("START\n")[-1].splitlines() == [
        "E0000 00:00:1795972904.630731    5524 some_op.cc:52] a real error", "python error", "after"
    ]
    verbose = subprocess.run([sys.executable, "-c", script, "verbose"], capture_output=True, text=True, timeout=120)
    after = verbose.stderr.split("START\n")[-1]
    assert "oneDNN custom operations" in after and "InitializeLog" in after and "a real error" in after


@pytest.mark.slow
def test_a_run_is_quiet_by_default_and_verbose_brings_the_logs_back(tmp_path):
    args = ["--dataset=ring8", "--steps=3", "--batch_size=32", "--mixture_points=320", "--num_samples=4"]
    quiet, _ = cli(*args, "--verbose=0", f"--output_dir={tmp_path / 'quiet'}", timeout=300)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert not [line for line in quiet.stderr.splitlines() if line.startswith(NOISY)], quiet.stderr[-3000:]
    assert quiet.stdout.strip().startswith("Done in")
    loud, _ = cli(*args, "--verbose=3", f"--output_dir={tmp_path / 'loud'}", timeout=300)
    assert loud.returncode == 0, loud.stderr[-3000:]
    assert "I0000 " in loud.stderr and "Assets written to" in loud.stderr


def test_the_flag_checks_know_every_metric_the_programs_compute():
    from ganzoo import callbacks, command_checks, evaluate, train_flags

    assert set(train_flags.EVAL_METRICS) == set(callbacks.evaluation.METRICS)
    assert set(command_checks.EVALUATION_METRICS) == set(evaluate.METRICS)
