"""`ganzoo.zoo`: verified loading, tamper detection, every shipped model."""

import json
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest

import ganzoo
from ganzoo import cards, zoo
from helpers import LATENT_DIM, tiny_networks


@pytest.fixture
def tiny_zoo(tmp_path, monkeypatch):
    generator, _ = tiny_networks()
    directory = tmp_path / "tiny_model"
    ganzoo.export.export_generator(generator, str(directory / "generator"))
    cards.write_card(str(directory), {"name": "tiny_model", "latent_dim": LATENT_DIM})
    monkeypatch.setenv(zoo.ENV_VAR, str(tmp_path))
    return directory


def test_list_and_load_a_verified_model(tiny_zoo):
    assert zoo.list_models() == ["tiny_model"]
    model = zoo.load("tiny_model")
    images = model.sample(6, seed=1)
    assert images.shape == (6, 28, 28, 1) and -1 <= images.min() and images.max() <= 1
    np.testing.assert_array_equal(images, model.sample(6, seed=1))
    assert model.card["latent_dim"] == LATENT_DIM


def test_a_flipped_byte_is_refused(tiny_zoo):
    variables = tiny_zoo / "generator" / "variables" / "variables.data-00000-of-00001"
    data = bytearray(variables.read_bytes())
    data[len(data) // 2] ^= 0x01
    variables.write_bytes(bytes(data))
    with pytest.raises(cards.IntegrityError, match="variables.data-00000-of-00001"):
        zoo.load("tiny_model")


def test_truncated_and_extra_files_are_refused(tiny_zoo):
    (tiny_zoo / "extra.py").write_text("print('hi')")
    with pytest.raises(cards.IntegrityError, match="not listed in the card.*extra.py"):
        zoo.load("tiny_model")
    os.remove(tiny_zoo / "extra.py")
    pb = tiny_zoo / "generator" / "saved_model.pb"
    pb.write_bytes(pb.read_bytes()[:100])
    with pytest.raises(cards.IntegrityError, match="tampered or truncated"):
        zoo.load("tiny_model")


def test_unknown_name_lists_the_models(tiny_zoo):
    with pytest.raises(ValueError, match=r"Unknown zoo model 'nope'; available: \['tiny_model'\]"):
        zoo.load("nope")


def test_sample_cli_writes_a_png(tiny_zoo, tmp_path):
    out = tmp_path / "grid.png"
    env = {**os.environ, zoo.ENV_VAR: str(tiny_zoo.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.sample", "--model=tiny_model", "--num=4", f"--out={out}"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", zoo.list_models())
def test_every_shipped_model_loads_and_samples(name):
    model = zoo.load(name)
    images = model.sample(4, seed=0)
    with open(os.path.join(zoo.zoo_dir(), name, cards.CARD_NAME)) as f:
        card = json.load(f)
    assert images.dtype == np.float32
    assert images.shape == (4, *card["image_shape"])
    if len(card["image_shape"]) == 3:
        # Images come out in the tanh range; 2-D mixture points are raw
        # coordinates (grid25 spans [-4, 4]), so they have no such bound.
        assert images.min() >= -1 and images.max() <= 1
    assert np.std(images) > 0.05  # not a constant picture
    # The three endpoints agree: sample's z through serving_default gives the
    # same images, and uint8 gives them as PNG-ready bytes.
    drawn = model.saved_model.sample(num=4, seed=0)
    np.testing.assert_allclose(model.generate(drawn["z"].numpy()), images, atol=1e-5)
    as_bytes = model.saved_model.uint8(drawn["z"])["images"].numpy()
    assert as_bytes.dtype == np.uint8, f"{name}: uint8 endpoint returned {as_bytes.dtype}"
    np.testing.assert_allclose(as_bytes, np.round((np.clip(images, -1, 1) + 1) * 127.5), atol=1)
    assert card["training"]["command"].startswith("python -m ganzoo.train")


def _evaluate_as_the_card_says(command):
    """Runs the evaluation command of a card (in process) from the repo root."""
    from ganzoo import evaluate

    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "ganzoo.evaluate"], command
    flags = dict(word[2:].split("=", 1) for word in words[3:])
    assert set(flags) <= {"model", "metrics", "classifier", "num_samples", "real_dataset", "seed"}, flags
    assert flags["model"] in zoo.list_models(), flags  # a zoo name, not a path
    return evaluate.evaluate(
        flags["model"], flags["metrics"].split(","), flags.get("classifier"), int(flags["num_samples"]),
        real_dataset=flags.get("real_dataset"), seed=int(flags["seed"]),
    )


@pytest.mark.parametrize("name", zoo.list_models())
def test_every_card_is_reproduced_by_the_command_it_names(name):
    card = cards.read_card(os.path.join(zoo.zoo_dir(), name))
    expected = card["evaluation"]["metrics"]
    result = _evaluate_as_the_card_says(card["evaluation"]["command"])
    # Same samples (stateless seed) and the same classifier: equal up to
    # float round-off between CPUs.
    for key in ("inception_score", "fid", "kid", "high_quality", "reverse_kl"):
        if key in expected:
            assert result[key] == pytest.approx(expected[key], rel=0.01, abs=1e-3), (key, result[key], expected[key])
    if "modes" in expected:
        assert result["modes"] == expected["modes"]
