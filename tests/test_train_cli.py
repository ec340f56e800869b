"""`python -m ganzoo.train`: flags, outputs, every variant, bad names."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from absl import flags

import ganzoo
from ganzoo import train


def run_cli(*args):
    """Parses ``args`` as the CLI's flags and runs the job in this process."""
    argv = ["ganzoo.train", "--verbose=0", "--num_samples=16", *args]
    flags.FLAGS.unparse_flags()
    flags.FLAGS(argv)
    try:
        return train.train(flags.FLAGS)
    finally:
        flags.FLAGS.unparse_flags()


def test_cli_writes_every_output_on_a_2d_mixture(tmp_path):
    metrics = run_cli("--dataset=ring8", "--steps=25", "--batch_size=64", f"--output_dir={tmp_path}")
    for name in ("model.keras", "samples.png", "metrics.json", "log.csv", "generator/saved_model.pb"):
        assert os.path.exists(tmp_path / name), name
    assert os.listdir(tmp_path / "tensorboard")
    assert metrics["steps"] == 25
    with open(tmp_path / "metrics.json") as f:
        final = json.load(f)["final"]
    # Mode coverage is logged on the mixtures (PacGAN protocol).
    assert final.keys() >= {"d_loss", "g_loss", "modes", "high_quality", "reverse_kl"}
    assert 0 <= final["modes"] <= 8 and 0 <= final["high_quality"] <= 100
    gan = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert gan.latent_dim == 2 and gan.generate(3, seed=0).shape == (3, 2)


@pytest.mark.slow
def test_eval_metrics_land_in_the_logs(tmp_path):
    if ganzoo.data.idx.find_dir() is None:
        pytest.skip("apt-get install dataset-fashion-mnist")
    metrics = run_cli(
        "--steps=2", "--batch_size=16", "--export=false", "--eval_metrics=is,fid",
        "--eval_num_samples=100", f"--output_dir={tmp_path}",
    )
    final = metrics["final"]
    assert 1.0 <= final["inception_score"] <= 10.0 and final["fid"] > 0


def test_eval_metrics_are_refused_on_points_and_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="scores images"):
        run_cli("--dataset=ring8", "--eval_metrics=is", f"--output_dir={tmp_path}")
    with pytest.raises(flags.IllegalFlagValueError, match=r"--eval_metrics=\['bleu'\]: must be among"):
        run_cli("--eval_metrics=bleu", f"--output_dir={tmp_path}")


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(ganzoo.models.MODELS))
def test_every_variant_fits_offline_fashion_mnist_through_the_cli(model, tmp_path):
    if ganzoo.data.idx.find_dir() is None:
        pytest.skip("apt-get install dataset-fashion-mnist")
    metrics = run_cli(
        f"--model={model}", "--steps=2", "--batch_size=16", "--export=false", f"--output_dir={tmp_path}"
    )
    assert metrics["steps"] == 2
    assert all(np.isfinite(v) for v in metrics["final"].values())
    image = keras.models.load_model(tmp_path / "model.keras", safe_mode=True).generate(1, seed=0)
    assert image.shape == (1, 28, 28, 1)


def test_unknown_model_lists_the_variants(tmp_path):
    with pytest.raises(flags.IllegalFlagValueError, match=r"--model=nope: value should be one of <.*\|vanilla\|"):
        run_cli("--model=nope", f"--output_dir={tmp_path}")


def test_unknown_dataset_lists_the_datasets(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown dataset 'nope'; available: .*grid25"):
        run_cli("--dataset=nope", f"--output_dir={tmp_path}")


def test_bad_model_args_are_refused(tmp_path):
    with pytest.raises(ValueError, match="JSON object"):
        run_cli("--model_args=[1]", f"--output_dir={tmp_path}")


@pytest.mark.slow
def test_the_module_runs_as_a_program(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.train", "--dataset=grid25", "--steps=3", "--batch_size=32",
         "--export=false", "--verbose=0", f"--output_dir={tmp_path}"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert os.path.exists(tmp_path / "samples" / "epoch_001.png")


def test_final_learning_rate_decays_both_rates_along_a_cosine(tmp_path):
    run_cli("--dataset=ring8", "--steps=12", "--batch_size=32", "--mixture_points=512", "--jit_compile",
            "--d_learning_rate=0.003", "--g_learning_rate=0.001", "--final_learning_rate=1e-5",
            f"--output_dir={tmp_path}")
    gan = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    for optimizer, initial in ((gan.d_optimizer, 0.003), (gan.g_optimizer, 0.001)):
        schedule = optimizer._learning_rate
        assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
        # lr(t) = final + (initial - final) (1 + cos(π t / T)) / 2: initial at 0, final at T.
        assert float(schedule(0)) == pytest.approx(initial)
        assert float(schedule(6)) == pytest.approx(1e-5 + (initial - 1e-5) / 2, rel=1e-4)
        assert int(optimizer.iterations.numpy()) == 12
        assert float(optimizer.learning_rate) == pytest.approx(1e-5, rel=1e-3)  # the end of the run


def test_final_learning_rate_is_checked(tmp_path):
    with pytest.raises(ValueError, match=r"--final_learning_rate must be in \[0, 0.0002\] \(the D learning rate\); got 0.5"):
        run_cli("--dataset=ring8", "--steps=2", "--final_learning_rate=0.5", f"--output_dir={tmp_path}")
    with pytest.raises(ValueError, match="--on_divergence=restore lowers the learning rates"):
        run_cli("--dataset=ring8", "--steps=2", "--final_learning_rate=1e-5", "--on_divergence=restore",
                f"--output_dir={tmp_path}")
