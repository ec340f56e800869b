"""The trust model of `ganzoo.zoo`: the registry inside the package is the
root of trust, names are never paths, and nothing unsafe is read."""

import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from ganzoo import cards, registry, trust, zoo
from helpers import LATENT_DIM, random_images, save_and_reload, tiny_zoo_model

# The bound: each unsafe directory is refused within this many seconds.
REFUSAL_BOUND_S = 5
SHIPPED = "grid25_vanilla"  # the smallest shipped model (0.4 MB)


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("zoo") / "tiny_model"
    tiny_zoo_model(directory)
    return directory


@pytest.fixture
def trusted_copy(tiny_model_dir, tmp_path):
    """A private copy of the tiny model directory, to damage."""
    return shutil.copytree(tiny_model_dir, tmp_path / "tiny_model")


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """The shipped zoo, with SHIPPED copied into a private root the registry points at."""
    monkeypatch.delenv(zoo.ENV_VAR, raising=False)
    shutil.copytree(registry.shipped_dir(SHIPPED), tmp_path / "root" / SHIPPED)
    monkeypatch.setattr(registry, "shipped_root", lambda: str(tmp_path / "root"))
    return tmp_path / "root" / SHIPPED


def refused_within_bound(load, match):
    """Runs ``load``, which must raise IntegrityError matching ``match`` within
    REFUSAL_BOUND_S; a SIGALRM stops a hang (e.g. a blocked FIFO open)."""

    def hang(signum, frame):
        raise TimeoutError(f"not refused within {REFUSAL_BOUND_S} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(REFUSAL_BOUND_S)
    start = time.monotonic()
    try:
        with pytest.raises(trust.IntegrityError, match=match):
            load()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < REFUSAL_BOUND_S


# ------------------------------------------------------------ names and paths
def test_a_planted_directory_in_the_cwd_is_not_picked_up_by_name(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.delenv(zoo.ENV_VAR, raising=False)
    planted = tmp_path / "planted"
    shutil.copytree(tiny_model_dir, planted / SHIPPED)  # a shipped model's name
    shutil.copytree(tiny_model_dir, planted / "planted_model")  # a name the zoo does not have
    monkeypatch.chdir(planted)
    model = zoo.load(SHIPPED)
    assert model.card["dataset"] == "grid25" and model.sample(3).shape == (3, 2)  # the shipped one
    with pytest.raises(ValueError, match=r"Unknown zoo model 'planted_model'.*never looked up as paths"):
        zoo.load("planted_model")
    out = tmp_path / "grid.png"
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.sample", "--model=planted_model", f"--out={out}"],
        capture_output=True, text=True, timeout=300, cwd=planted,
    )
    assert result.returncode != 0 and "never looked up as paths" in result.stderr
    assert "--model_dir=planted_model --trust" in result.stderr and not out.exists()


def test_a_directory_outside_the_registry_needs_trust(tiny_model_dir):
    with pytest.raises(trust.IntegrityError, match=r"not in the registry inside ganzoo.*trust=True.*sha256="):
        zoo.load(path=tiny_model_dir)
    model = zoo.load(path=tiny_model_dir, trust=True)
    assert model.sample(2, seed=1).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="sha256= pins an archive"):
        zoo.load(path=tiny_model_dir, sha256="0" * 64)
    with pytest.raises(ValueError, match="not both or neither"):
        zoo.load("tiny_model", path=tiny_model_dir)


# ------------------------------------------------- refused before being read
def test_a_fifo_is_refused(trusted_copy):
    os.mkfifo(trusted_copy / "generator" / "variables" / "pipe")
    refused_within_bound(lambda: zoo.load(path=trusted_copy, trust=True), r"'generator/variables/pipe' is a FIFO")


def test_a_symlink_to_dev_zero_is_refused(trusted_copy):
    data = trusted_copy / "generator" / "variables" / "variables.data-00000-of-00001"
    os.remove(data)
    os.symlink("/dev/zero", data)
    refused_within_bound(lambda: zoo.load(path=trusted_copy, trust=True), r"data-00000-of-00001' is a symlink")


def test_a_symlinked_directory_is_refused(trusted_copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not part of the model")
    os.symlink(outside, trusted_copy / "generator" / "extra")
    refused_within_bound(lambda: zoo.load(path=trusted_copy, trust=True), r"'generator/extra' is a symlink")
    os.remove(trusted_copy / "generator" / "extra")
    os.symlink(trusted_copy, trusted_copy.parent / "link")
    refused_within_bound(lambda: zoo.load(path=trusted_copy.parent / "link", trust=True), "it is a symlink")


def test_an_oversized_file_is_refused_without_being_read(shipped_copy):
    data = shipped_copy / "generator" / "variables" / "variables.data-00000-of-00001"
    os.truncate(data, 1 << 40)  # a sparse terabyte: reading it to the end would take hours
    refused_within_bound(lambda: zoo.load(SHIPPED), r"larger than the registry inside ganzoo allow, not read")


def test_a_file_that_grows_after_the_scan_is_not_read_to_its_end(tmp_path):
    path = tmp_path / "big"
    path.touch()
    os.truncate(path, 1 << 40)
    start = time.monotonic()
    with pytest.raises(trust.IntegrityError, match="larger than its pinned size of 100 bytes"):
        trust.sha256(str(path), max_size=100)
    assert time.monotonic() - start < 1


# ------------------------------------------------------------- the registry
def test_a_tampered_shipped_model_with_a_regenerated_card_is_refused(shipped_copy):
    data = shipped_copy / "generator" / "variables" / "variables.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    data.write_bytes(bytes(raw))
    card = cards.read_card(str(shipped_copy))
    cards.write_card(str(shipped_copy), {k: v for k, v in card.items() if k != "files"})
    cards.verify(str(shipped_copy))  # the card vouches for the tampered file: it is no proof
    with pytest.raises(trust.IntegrityError, match=r"differs from the registry inside ganzoo.*variables.data.*model_card"):
        zoo.load(SHIPPED)


def test_the_registry_pins_every_file_of_every_shipped_model(monkeypatch):
    monkeypatch.delenv(zoo.ENV_VAR, raising=False)
    assert registry.entries_of(registry.shipped_root()) == registry.load_registry(), (
        "saved_models/ and ganzoo/registry.json disagree: run python -m ganzoo.publish --registry"
    )
    assert set(zoo.list_models()) == set(registry.names("generator"))
    assert registry.names("classifier") == ["fashion_mnist_classifier"]
    for name in zoo.list_models():
        assert registry.size_bytes(name) <= 15_000_000, name


def test_the_zoo_table_verifies_every_model(monkeypatch, capsys):
    from ganzoo.zoo import __main__ as table

    monkeypatch.delenv(zoo.ENV_VAR, raising=False)
    table.main()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "ships", "variant", "dataset", "scores", "MB", "verified"]
    names = registry.names("generator") + registry.names("classifier")
    assert [line.split()[0] for line in lines[1:]] == names
    assert all(line.rstrip().endswith("yes") for line in lines[1:])
    assert any("grid25_vanilla" in line and "15 modes" in line for line in lines)


# ------------------------------------------------------------- whole GANs
def test_load_gan_fits_and_round_trips(tiny_model_dir, tmp_path):
    gan = zoo.load_gan(path=tiny_model_dir, trust=True)
    z = np.random.default_rng(0).normal(size=(3, LATENT_DIM)).astype("float32")
    np.testing.assert_allclose(gan.generator(z), zoo.load(path=tiny_model_dir, trust=True).generate(z), atol=1e-5)
    assert gan.d_optimizer is None  # weights and config only, no optimizer state
    gan.compile()
    history = gan.fit(random_images(16), batch_size=8, epochs=1, verbose=0)  # 2 steps
    assert np.isfinite(history.history["d_loss"][-1]) and gan.d_optimizer.iterations.numpy() == 2
    again = save_and_reload(gan, tmp_path, "fine_tuned.keras")
    np.testing.assert_array_equal(again.generator(z), gan.generator(z))
    images = gan.generator(z)
    np.testing.assert_array_equal(again.discriminator(images), gan.discriminator(images))


def test_load_gan_names_what_a_generator_only_model_lacks(tmp_path):
    tiny_zoo_model(tmp_path / "g_only", with_gan=False)
    with pytest.raises(ValueError, match=r"ships only its generator, not gan.keras"):
        zoo.load_gan(path=tmp_path / "g_only", trust=True)
