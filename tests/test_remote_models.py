"""Remote models: archives pinned by sha256, downloaded once through
``keras.utils.get_file`` from a loopback HTTP server, extracted safely."""

import io
import json
import os
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from ganzoo import remote, trust, zoo
from helpers import loopback_server, tiny_zoo_model


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``(base_url, root, requests)``: an HTTP server on 127.0.0.1 serving
    ``root``, with the paths it was asked for."""
    root = tmp_path_factory.mktemp("served")
    with loopback_server(root) as (base, requests):
        yield base, root, requests


@pytest.fixture(scope="module")
def archive(served, tmp_path_factory):
    """``(url, sha256)`` of a tiny model's archive on the server."""
    base, root, _ = served
    directory = tmp_path_factory.mktemp("model") / "tiny_remote"
    tiny_zoo_model(directory, name="tiny_remote")
    sha256 = remote.write_archive(str(directory), str(root / "tiny_remote.tar.gz"))
    return f"{base}/tiny_remote.tar.gz", sha256


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path / "keras_home"


def test_the_right_hash_loads_once_from_the_cache(archive, served, keras_home):
    url, sha256 = archive
    _, _, requests = served
    before = len(requests)
    model = zoo.load(url, sha256=sha256)
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1) and model.card["name"] == "tiny_remote"
    cached = os.listdir(keras_home / remote.CACHE_SUBDIR)
    assert cached == [f"{sha256[:16]}-tiny_remote.tar.gz"]
    again = zoo.load(url, sha256=sha256)  # from the cache, checked again
    np.testing.assert_array_equal(again.sample(2, seed=0), model.sample(2, seed=0))
    assert len(requests) - before == 1


def test_a_wrong_hash_is_refused(archive):
    url, sha256 = archive
    wrong = ("0" if sha256[0] != "0" else "1") + sha256[1:]
    with pytest.raises(trust.IntegrityError, match=f"not the pinned {wrong}"):
        zoo.load(url, sha256=wrong)
    with pytest.raises(ValueError, match="loads only with its archive's sha256 pinned"):
        zoo.load(url)


def test_names_from_a_user_registry(archive, tmp_path, monkeypatch):
    url, sha256 = archive
    user_registry = {"models": {"remote_tiny": {"origin": url, "sha256": sha256}}}
    assert "remote_tiny" in zoo.list_models(registry_file=user_registry)
    assert zoo.load("remote_tiny", registry_file=user_registry).card["name"] == "tiny_remote"
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(user_registry))
    monkeypatch.setenv(remote.REGISTRY_ENV_VAR, str(path))
    assert zoo.load("remote_tiny").sample(1).shape == (1, 28, 28, 1)
    with pytest.raises(ValueError, match="needs an http.s. 'origin'"):
        remote.user_registry({"bad": {"origin": "/local/path", "sha256": sha256}})


def test_a_local_archive_needs_its_pin(archive, served):
    _, sha256 = archive
    _, root, _ = served
    path = root / "tiny_remote.tar.gz"
    assert zoo.load(path=path, sha256=sha256).card["name"] == "tiny_remote"
    with pytest.raises(ValueError, match="sha256 pinned"):
        zoo.load(path=path)


def _tar(path, *members):
    """Writes a .tar.gz of (TarInfo, bytes or None) members; returns its sha256."""
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return trust.sha256(str(path))


@pytest.mark.parametrize(
    "member, match",
    [
        (("m/../../escaped.txt", tarfile.REGTYPE, None), "not a relative path inside it"),
        (("/tmp/absolute.txt", tarfile.REGTYPE, None), "not a relative path inside it"),
        (("m/link", tarfile.SYMTYPE, "/etc/passwd"), "is a link or special file"),
        (("m/hard", tarfile.LNKTYPE, "m/model_card.json"), "is a link or special file"),
        (("m/zero", tarfile.CHRTYPE, None), "is a link or special file"),
    ],
)
def test_unsafe_archive_members_are_refused(tmp_path, member, match):
    name, kind, target = member
    info = tarfile.TarInfo(name)
    info.type = kind
    if target:
        info.linkname = target
    card = tarfile.TarInfo("m/model_card.json")
    path = tmp_path / "bad.tar.gz"
    sha256 = _tar(path, (card, b"{}"), (info, b"x" if kind == tarfile.REGTYPE else None))
    with pytest.raises(trust.IntegrityError, match=match):
        zoo.load(path=path, sha256=sha256)
    assert not (tmp_path.parent / "escaped.txt").exists() and not os.path.exists("/tmp/absolute.txt")


def test_publish_archive_prints_the_sha256(tmp_path, monkeypatch):
    monkeypatch.delenv(zoo.ENV_VAR, raising=False)
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.publish", "--archive", "--name=grid25_vanilla", f"--archive_dir={tmp_path}"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    path = tmp_path / "grid25_vanilla.tar.gz"
    printed = result.stdout.strip().splitlines()[-1]
    assert printed == f"sha256={trust.sha256(str(path))}"
    # Reproducible: the same files give the same archive, so the pin holds.
    assert remote.write_archive(zoo.resolve("grid25_vanilla"), str(tmp_path / "again.tar.gz")) == printed[7:]
    model = zoo.load(path=path, sha256=printed[7:])
    np.testing.assert_array_equal(model.sample(5, seed=2), zoo.load("grid25_vanilla").sample(5, seed=2))
