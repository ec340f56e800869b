"""`python -m ganzoo.publish`: a training run becomes a verified zoo model."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ganzoo import cards, zoo


def _cli(*args, env):
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_a_published_run_loads_from_the_zoo_with_its_card(tmp_path, monkeypatch):
    run_dir, zoo_root = tmp_path / "run", tmp_path / "zoo"
    env = {**os.environ, zoo.ENV_VAR: str(zoo_root)}
    _cli("-m", "ganzoo.train", "--dataset=ring8", "--steps=20", "--batch_size=32", "--mixture_points=512",
         "--verbose=0", "--num_samples=16", f"--output_dir={run_dir}", env=env)
    _cli("-m", "ganzoo.publish", f"--run_dir={run_dir}", "--name=tiny_ring", env=env)

    directory = zoo_root / "tiny_ring"
    card = cards.verify(str(directory))  # every sha256 matches
    assert card["name"] == "tiny_ring" and card["variant"] == "VanillaGAN" and card["dataset"] == "ring8"
    assert card["training"]["steps"] == 20 and "python -m ganzoo.train " in card["training"]["command"]
    assert set(card["files"]) >= {"generator/saved_model.pb", "samples.png", "gan.keras"}
    assert str(tmp_path) not in json.dumps(card)  # no path of this machine
    assert f"--output_dir=runs/{run_dir.name}" in card["training"]["command"]
    assert card["evaluation"]["command"].startswith("python -m ganzoo.evaluate --model=tiny_ring ")
    assert sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) <= 15_000_000
    metrics = card["evaluation"]["metrics"]
    assert 0 <= metrics["modes"] <= 8 and 0 <= metrics["high_quality"] <= 100

    # The published generator is the run's: same weights, same samples.
    import keras

    gan = keras.models.load_model(run_dir / "model.keras", safe_mode=True)
    monkeypatch.setenv(zoo.ENV_VAR, str(zoo_root))
    model = zoo.load("tiny_ring")
    z = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_allclose(model.generate(z), gan.generator(z, training=False).numpy(), atol=1e-5)
    assert model.saved_model.uint8(z)["images"].dtype.name == "uint8"
    with open(directory / cards.CARD_NAME) as f:
        assert json.load(f) == card

    # The whole GAN, for fine-tuning: the run's weights, no optimizer state.
    whole = zoo.load_gan("tiny_ring")
    assert type(whole) is type(gan) and whole.d_optimizer is None
    for ours, theirs in zip(whole.discriminator.weights, gan.discriminator.weights):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_every_cli_imports_in_one_process():
    # absl flags are global: two modules defining the same flag at import
    # time raise DuplicateFlagError.
    code = "import ganzoo.train, ganzoo.publish, ganzoo.sample, ganzoo.evaluate; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_portable_command_drops_machine_paths():
    from ganzoo.publish import portable_command

    arguments = "--model=vanilla --output_dir=/home/someone/zoo2/fm_vanilla '--model_args={\"a\": 1}'"
    command = f"python -m ganzoo.train {arguments}"
    assert portable_command(command) == (
        "python -m ganzoo.train --model=vanilla --output_dir=runs/fm_vanilla '--model_args={\"a\": 1}'"
    )


@pytest.mark.slow
def test_a_published_conditional_run_gets_a_reproducible_conditional_evaluation(tmp_path, monkeypatch):
    run_dir, zoo_root = tmp_path / "run", tmp_path / "zoo"
    env = {**os.environ, zoo.ENV_VAR: str(zoo_root)}
    _cli("-m", "ganzoo.train", "--model=conditional", "--steps=2", "--batch_size=16", "--verbose=0",
         "--num_samples=16", f"--output_dir={run_dir}", env=env)
    _cli("-m", "ganzoo.publish", f"--run_dir={run_dir}", "--name=tiny_conditional", "--num_samples=100", env=env)

    directory = zoo_root / "tiny_conditional"
    card = cards.verify(str(directory))  # classes.png included
    assert card["model_config"]["num_classes"] == 10 and "classes.png" in card["files"]
    evaluation = card["conditional_evaluation"]
    assert evaluation["command"] == (
        "python -m ganzoo.conditional_metrics --model=tiny_conditional --num_per_class=10 --seed=0 --grid=classes.png"
    )
    assert str(tmp_path) not in json.dumps(card)
    metrics = evaluation["metrics"]
    assert 0 <= metrics["label_accuracy"] <= 1 and metrics["intra_class_fid"] > 0
    assert set(metrics["intra_class_fid_per_class"]) == {str(c) for c in range(10)}
    # The command the card names gives the card's numbers and its picture.
    from ganzoo import conditional_metrics

    monkeypatch.setenv(zoo.ENV_VAR, str(zoo_root))
    monkeypatch.chdir(tmp_path)
    result = conditional_metrics.main(evaluation["command"].split()[3:])
    assert result["label_accuracy"] == pytest.approx(metrics["label_accuracy"], abs=1e-9)
    assert result["intra_class_fid"] == pytest.approx(metrics["intra_class_fid"], rel=0.01)
    assert (tmp_path / "classes.png").read_bytes() == (directory / "classes.png").read_bytes()


def test_a_cards_training_command_names_the_onednn_setting_it_ran_with(monkeypatch):
    # oneDNN's kernels change a run's numbers, so a card must say whether they were on.
    from ganzoo import train
    from ganzoo.publish import portable_command

    monkeypatch.setattr(sys, "argv", ["train.py", "--model=vanilla", "--output_dir=/home/someone/v"])
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert train._command() == "python -m ganzoo.train --model=vanilla --output_dir=/home/someone/v"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    assert portable_command(train._command()) == (
        "TF_ENABLE_ONEDNN_OPTS=1 python -m ganzoo.train --model=vanilla --output_dir=runs/v"
    )
