"""Safe and verified loading: `ganzoo.saving` names a truncated or corrupted
file, refuses arbitrary code, every `.keras` load in ganzoo is in safe mode,
and zoo directories are verified against their card before TensorFlow loads."""

import ast
import json
import pathlib
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import cards, saving, zoo
from helpers import LATENT_DIM, tiny_networks


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tiny GAN saved as model.keras and its generator exported as a SavedModel."""
    root = tmp_path_factory.mktemp("saved")
    generator, discriminator = tiny_networks()
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, seed=0)
    gan.compile()
    gan.save(root / "model.keras")
    ganzoo.export.export_generator(gan, str(root / "generator"))
    return root, gan.generate(3, seed=4)


def copy(source, target):
    target.write_bytes(source.read_bytes())
    return target


def test_a_good_keras_file_loads_in_safe_mode(saved):
    root, samples = saved
    np.testing.assert_array_equal(saving.load_keras(root / "model.keras").generate(3, seed=4), samples)


def test_truncated_corrupted_and_foreign_keras_files_name_the_file(saved, tmp_path):
    root, _ = saved
    data = (root / "model.keras").read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(saving.CorruptFileError, match=r"truncated.keras.*truncated or corrupted"):
        saving.load_keras(truncated)
    # Flip a byte inside the weights member.
    with zipfile.ZipFile(root / "model.keras") as archive:
        info = archive.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    flipped = bytearray(data)
    flipped[start + info.compress_size // 2] ^= 0xFF
    (tmp_path / "flipped.keras").write_bytes(bytes(flipped))
    with pytest.raises(saving.CorruptFileError, match=r"flipped.keras.*checksum of 'model.weights.h5'"):
        saving.load_keras(tmp_path / "flipped.keras")
    with zipfile.ZipFile(tmp_path / "foreign.keras", "w") as archive:
        archive.writestr("weights.bin", b"\0" * 8)
    with pytest.raises(saving.CorruptFileError, match="foreign.keras.*no config.json"):
        saving.load_keras(tmp_path / "foreign.keras")
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        saving.load_keras(tmp_path / "missing.keras")


def test_the_sample_cli_names_a_truncated_file(saved, tmp_path):
    root, _ = saved
    truncated = tmp_path / "cut.keras"
    truncated.write_bytes((root / "model.keras").read_bytes()[:1000])
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.sample", f"--model={truncated}", f"--out={tmp_path / 'grid.png'}"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert f"CorruptFileError: '{truncated}' is not a readable .keras file" in result.stderr


def test_lambda_layers_are_refused(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="arbitrary code execution"):
        saving.load_keras(tmp_path / "lambda.keras")


@pytest.mark.parametrize(
    "damaged,culprit",
    [("saved_model.pb", r"saved_model\.pb"), ("variables/variables.data-00000-of-00001", r"variables/variables\.\*")],
)
def test_a_truncated_saved_model_names_the_file(saved, tmp_path, damaged, culprit):
    root, _ = saved
    target = tmp_path / "generator"
    for path in (root / "generator").rglob("*"):
        if path.is_file():
            (target / path.relative_to(root / "generator")).parent.mkdir(parents=True, exist_ok=True)
            copy(path, target / path.relative_to(root / "generator"))
    data = (target / damaged).read_bytes()
    (target / damaged).write_bytes(data[: len(data) // 2])
    with pytest.raises(saving.CorruptFileError, match=rf"Cannot load the SavedModel .*generator.*{culprit}.*truncated"):
        saving.load_saved_model(target)


def test_every_keras_load_in_ganzoo_is_in_safe_mode():
    unsafe = []
    for path in pathlib.Path(ganzoo.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "enable_unsafe_deserialization":
                unsafe.append(f"{path}:{node.lineno} enables unsafe deserialization")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "load_model":
                safe = [k for k in node.keywords if k.arg == "safe_mode"]
                if not (safe and isinstance(safe[0].value, ast.Constant) and safe[0].value.value is True):
                    unsafe.append(f"{path}:{node.lineno} calls load_model without safe_mode=True")
    assert not unsafe, unsafe


# ---------------------------------------------------------------------- zoo
@pytest.fixture
def tiny_zoo(saved, tmp_path, monkeypatch):
    root, _ = saved
    directory = tmp_path / "tiny"
    for path in (root / "generator").rglob("*"):
        if path.is_file():
            target = directory / "generator" / path.relative_to(root / "generator")
            target.parent.mkdir(parents=True, exist_ok=True)
            copy(path, target)
    cards.write_card(str(directory), {"name": "tiny", "latent_dim": LATENT_DIM})
    monkeypatch.setenv(zoo.ENV_VAR, str(tmp_path))
    return directory


def test_zoo_files_are_verified_before_tensorflow_loads_anything(tiny_zoo, monkeypatch):
    pb = tiny_zoo / "generator" / "saved_model.pb"
    pb.write_bytes(pb.read_bytes()[:-1] + b"\0")

    def must_not_run(*args, **kwargs):
        raise AssertionError("tf.saved_model.load ran on an unverified directory")

    monkeypatch.setattr(tf.saved_model, "load", must_not_run)
    with pytest.raises(cards.IntegrityError, match=r"sha256 differs.*generator/saved_model.pb"):
        zoo.load("tiny")


def test_a_card_listing_a_file_that_is_not_there_is_refused(tiny_zoo):
    card = json.loads((tiny_zoo / cards.CARD_NAME).read_text())
    card["files"]["generator/assets/vocab.txt"] = "0" * 64
    (tiny_zoo / cards.CARD_NAME).write_text(json.dumps(card))
    with pytest.raises(cards.IntegrityError, match=r"missing files \['generator/assets/vocab.txt'\]"):
        zoo.load("tiny")


def test_a_zoo_generator_refuses_z_of_the_wrong_size(tiny_zoo):
    model = zoo.load("tiny")
    assert model.generate(np.zeros((2, LATENT_DIM))).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match=r"z must have shape \(num, 8\); got \(2, 16\)"):
        model.generate(np.zeros((2, 16)))
