"""``pip install ganzoo`` (not ``-e``) carries the zoo: build the sdist and
the wheel from it, install the wheel into a fresh virtual environment and use
every model from a directory outside the clone."""

import functools
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile

import pytest

from ganzoo import registry, remote
from helpers import loopback_server

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# README.md states the wheel's size; it holds every zoo model and the classifier
# (41.2 MB with eight models; two older generators store their weights twice,
# see ganzoo.export, and shrink by about 3.7 MB each when re-published, while
# their gan.keras adds about 4.4 MB).
MAX_WHEEL_BYTES = 45_000_000

SCRIPT = r"""
import json, os, sys
import ganzoo
from ganzoo import metrics, registry, trust, zoo

venv, url, sha256, expected = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
assert ganzoo.__file__.startswith(venv), ganzoo.__file__  # the installed wheel, not the clone
assert registry.shipped_root().startswith(venv) and metrics.SHIPPED_CLASSIFIER.startswith(venv)
assert zoo.list_models() == expected, zoo.list_models()
for name in expected:
    samples = zoo.load(name).sample(3, seed=0)
    assert samples.shape[0] == 3 and samples.std() > 0.01, name
remote_model = zoo.load(url, sha256=sha256)
assert remote_model.sample(2).shape == (2, 2)
wrong = ("0" if sha256[0] != "0" else "1") + sha256[1:]
try:
    zoo.load(url, sha256=wrong)
except trust.IntegrityError as error:
    print("refused:", error)
else:
    raise AssertionError("a wrong sha256 was not refused")
print("wheel ok")
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``(wheel, sdist)`` built from a copy of the repository, offline."""
    source = tmp_path_factory.mktemp("source") / "ganzoo"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "runs", "__pycache__", ".pytest_cache", "colab", "benchmarks", "tests"))
    out = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel from the sdist: so the sdist is complete too.
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", f"--outdir={out}", str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def _shipped_files(prefix):
    return {f"{prefix}{name}/{path}" for name, entry in registry.load_registry().items() for path in entry["files"]}


@pytest.mark.slow
def test_the_wheel_and_the_sdist_carry_every_model(built):
    wheel, sdist = built
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
    assert _shipped_files("ganzoo/saved_models/") | {"ganzoo/registry.json"} <= members
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        members = set(archive.getnames())
    assert _shipped_files(f"{top}/saved_models/") | {f"{top}/ganzoo/registry.json"} <= members
    print(f"wheel: {wheel.stat().st_size / 1e6:.1f} MB")
    assert wheel.stat().st_size <= MAX_WHEEL_BYTES


@pytest.mark.slow
def test_a_fresh_venv_uses_the_zoo_from_any_directory(built, tmp_path):
    wheel, _ = built
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # ganzoo only from the wheel, installed before the test environment is
    # visible (pip would take its editable ganzoo for an installed one) ...
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                    "--ignore-installed", "-q", str(wheel)], check=True, timeout=300)
    # ... and the dependencies from the test environment: its site-packages
    # on the path, without running its .pth files (so no editable finder).
    test_env = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    with open(os.path.join(site, "test_environment.pth"), "w") as f:
        f.write("\n".join(sorted(test_env)) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GANZOO_ZOO_DIR", "GANZOO_REGISTRY")}
    env["KERAS_HOME"] = str(tmp_path / "keras_home")

    served = tmp_path / "served"
    served.mkdir()
    sha256 = remote.write_archive(registry.shipped_dir("grid25_vanilla"), str(served / "grid25_vanilla.tar.gz"))
    with loopback_server(served) as (base, _):
        url = f"{base}/grid25_vanilla.tar.gz"
        run = functools.partial(subprocess.run, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
        done = run([python, "-c", SCRIPT, str(venv), url, sha256, json.dumps(registry.names("generator"))])
        assert done.returncode == 0 and "wheel ok" in done.stdout, done.stdout[-2000:] + done.stderr[-3000:]

    # The CLIs, with the default (shipped) classifier.
    done = run([python, "-m", "ganzoo.evaluate", "--model=fashion_mnist_vanilla", "--metrics=is", "--num_samples=100",
                "--splits=2", "--output=is.json"])
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((elsewhere / "is.json").read_text())
    assert result["classifier"] == "fashion_mnist" and 1.0 < result["inception_score"] < 10.0
    done = run([python, "-m", "ganzoo.sample", "--model=fashion_mnist_wgan_gp", "--num=4", "--out=grid.png"])
    assert done.returncode == 0 and (elsewhere / "grid.png").read_bytes()[:4] == b"\x89PNG", done.stderr[-3000:]
    done = run([python, "-m", "ganzoo.zoo"])
    assert done.returncode == 0, done.stderr[-3000:]
    rows = done.stdout.strip().splitlines()[1:]
    assert len(rows) == len(registry.load_registry()) and all(row.endswith("yes") for row in rows), done.stdout
