"""`ganzoo.zoo`: verified loading, tamper detection, every shipped model."""

import json
import os
import re
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
    # same images, and uint8 gives them as PNG-ready bytes. A class-conditional
    # generator's sample() without labels gives image i the label i mod classes.
    labels = {} if model.num_classes is None else {"labels": np.arange(4, dtype=np.int32) % model.num_classes}
    drawn = model.saved_model.sample(num=4, seed=0, **labels)
    np.testing.assert_allclose(model.generate(drawn["z"].numpy(), **labels), images, atol=1e-5)
    as_bytes = model.saved_model.uint8(z=drawn["z"], **labels)["images"].numpy()
    assert as_bytes.dtype == np.uint8, f"{name}: uint8 endpoint returned {as_bytes.dtype}"
    np.testing.assert_allclose(as_bytes, np.round((np.clip(images, -1, 1) + 1) * 127.5), atol=1)
    # Led by the oneDNN setting the run had, when it was set (it changes a run's numbers).
    assert re.match(r"(TF_ENABLE_ONEDNN_OPTS=[01] )?python -m ganzoo\.train ", card["training"]["command"])


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


@pytest.mark.slow
@pytest.mark.parametrize("name", zoo.list_models())
def test_every_card_is_reproduced_by_the_command_it_names(name):
    card = cards.read_card(os.path.join(zoo.zoo_dir(), name))
    expected = card["evaluation"]["metrics"]
    result = _evaluate_as_the_card_says(card["evaluation"]["command"])
    # Same samples (stateless seed) and the same classifier: equal up to
    # float round-off between CPUs.
    compared = ("inception_score", "fid", "kid", "precision", "recall", "density", "coverage", "high_quality",
                "reverse_kl")
    for key in compared:
        if key in expected:
            assert result[key] == pytest.approx(expected[key], rel=0.01, abs=1e-3), (key, result[key], expected[key])
    if "modes" in expected:
        assert result["modes"] == expected["modes"]


def _conditional_evaluation_as_the_card_says(command):
    """Runs a card's ``conditional_evaluation`` command (in process); returns
    its result and the grid that its ``--grid`` would write (uint8)."""
    from ganzoo import conditional_metrics as cm
    from ganzoo.utils.image_grid import image_grid

    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "ganzoo.conditional_metrics"], command
    flags = dict(word[2:].split("=", 1) for word in words[3:])
    assert set(flags) <= {"model", "num_per_class", "seed", "grid"}, flags
    assert flags["model"] in zoo.list_models(), flags  # a zoo name, not a path
    result = cm.evaluate_conditional(flags["model"], int(flags["num_per_class"]), int(flags["seed"]))
    sample, num_classes = cm.load_conditional_sampler(flags["model"])
    grid = image_grid(cm.class_rows(sample, num_classes, 10, int(flags["seed"])), columns=10)
    return result, grid, flags.get("grid")


CONDITIONAL_MODELS = [
    name for name in zoo.list_models()
    if "conditional_evaluation" in cards.read_card(os.path.join(zoo.zoo_dir(), name))
]


@pytest.mark.slow
@pytest.mark.parametrize("name", CONDITIONAL_MODELS)
def test_every_conditional_card_is_reproduced_by_the_command_it_names(name):
    import tensorflow as tf

    directory = os.path.join(zoo.zoo_dir(), name)
    card = cards.read_card(directory)
    expected = card["conditional_evaluation"]["metrics"]
    result, grid, grid_file = _conditional_evaluation_as_the_card_says(card["conditional_evaluation"]["command"])
    for key in ("label_accuracy", "intra_class_fid"):
        assert result[key] == pytest.approx(expected[key], rel=0.01), (key, result[key], expected[key])
    assert result["num_per_class"] == expected["num_per_class"]
    # The shipped one-row-per-class picture is the one the command draws.
    assert grid_file == "classes.png"
    with open(os.path.join(directory, grid_file), "rb") as f:
        shipped = tf.io.decode_png(f.read()).numpy()
    assert shipped.shape == grid.shape
    assert np.abs(shipped.astype(int) - grid.astype(int)).max() <= 1


@pytest.mark.slow
@pytest.mark.parametrize("name", CONDITIONAL_MODELS)
def test_a_conditional_zoo_gan_fine_tunes_on_labelled_data_and_round_trips(name, tmp_path):
    from helpers import save_and_reload

    gan = zoo.load_gan(name)
    model = zoo.load(name)
    assert gan.num_classes == model.num_classes == 10 and gan.d_optimizer is None
    z = np.random.default_rng(0).normal(size=(3, gan.latent_dim)).astype("float32")
    labels = np.array([0, 7, 9], "int32")
    np.testing.assert_allclose(gan.generator([z, labels], training=False), model.generate(z, labels), atol=1e-5)
    gan.compile()
    images, classes = next(iter(ganzoo.data.load("fashion_mnist", "train", batch_size=16, shuffle=False,
                                                with_labels=True)))
    history = gan.fit(images, classes, batch_size=8, epochs=1, verbose=0, shuffle=False)  # 2 steps
    assert np.isfinite(history.history["d_loss"][-1]) and gan.d_optimizer.iterations.numpy() == 2
    again = save_and_reload(gan, tmp_path, "fine_tuned.keras")
    np.testing.assert_array_equal(again.generator([z, labels]), gan.generator([z, labels]))
    fake = gan.generator([z, labels]).numpy()
    np.testing.assert_array_equal(again.discriminator([fake, labels]), gan.discriminator([fake, labels]))


UNCONDITIONAL_GANS = [name for name in zoo.gan_models() if name not in CONDITIONAL_MODELS]


@pytest.mark.slow
@pytest.mark.parametrize("name", UNCONDITIONAL_GANS)
def test_a_zoo_gan_is_the_published_generator_and_fine_tunes(name, tmp_path):
    from helpers import save_and_reload

    gan, model = zoo.load_gan(name), zoo.load(name)
    assert gan.d_optimizer is None  # weights and config, no optimizer slots
    z = np.random.default_rng(0).normal(size=(3, gan.latent_dim)).astype("float32")
    np.testing.assert_allclose(gan.generator(z, training=False), model.generate(z), atol=1e-5)
    gan.compile()
    dataset = cards.read_card(os.path.join(zoo.zoo_dir(), name))["dataset"]
    images = next(iter(ganzoo.data.load(dataset, "train", batch_size=16, shuffle=False, seed=0)))
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0, shuffle=False)  # 2 steps
    assert np.isfinite(history.history["d_loss"][-1]) and gan.g_optimizer.iterations.numpy() == 2
    again = save_and_reload(gan, tmp_path, "fine_tuned.keras")
    np.testing.assert_array_equal(again.generator(z), gan.generator(z))
    fake = gan.generator(z).numpy()
    np.testing.assert_array_equal(again.discriminator(fake), gan.discriminator(fake))
