r"""The root of trust of the zoo: ``registry.json`` inside the package.

It pins the sha256 and size of every file of every shipped model (the model
card included), so that a shipped model is verified against what the package
says, never against a card that sits beside the files it vouches for:

    {"models": {"fashion_mnist_vanilla": {"kind": "generator",
                "files": {"generator/saved_model.pb": {"sha256": "…", "size": 167267}, …}}, …}}

The shipped models live in ``saved_models/`` at the root of the repository;
the wheel and the sdist carry them as ``ganzoo/saved_models/`` (see
``setup.py``). After a model is added or changed there,

    python -m ganzoo.publish --registry

rewrites ``registry.json`` from the files (``tests/test_zoo.py`` checks that
they agree).
"""

import functools
import json
import os

from ganzoo import cards, trust

REGISTRY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry.json")
KINDS = ("generator", "classifier")


def shipped_root():
    """Where the shipped models are: ``ganzoo/saved_models`` in an installed
    wheel, else the repository's ``saved_models`` beside the package."""
    package = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(package, "saved_models")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(package), "saved_models")


@functools.lru_cache(maxsize=1)
def load_registry():
    """``{name: {"kind", "files"}}`` of every shipped model."""
    with open(REGISTRY_PATH) as f:
        return json.load(f)["models"]


def names(kind="generator"):
    """Sorted names of the shipped models of ``kind`` (one of `KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}; expected one of {KINDS}")
    return sorted(name for name, entry in load_registry().items() if entry["kind"] == kind)


def shipped_dir(name):
    """The directory of the shipped model ``name``."""
    if name not in load_registry():
        raise ValueError(f"Unknown zoo model {name!r}; available: {names()}")
    return os.path.join(shipped_root(), name)


def verify_shipped(name):
    """Checks the shipped model ``name`` against the registry; returns its card.

    Raises:
        IntegrityError: a file that is missing, extra, larger than pinned,
            changed, or not a regular file (`ganzoo.trust`).
    """
    directory = shipped_dir(name)
    trust.verify_files(directory, load_registry()[name]["files"], what="the registry inside ganzoo")
    return cards.read_card(directory)


def size_bytes(name):
    """Bytes of all the files of the shipped model ``name``."""
    return sum(entry["size"] for entry in load_registry()[name]["files"].values())


def entries_of(root):
    """Registry entries of every model directory under ``root``."""
    models = {}
    for name in sorted(os.listdir(root)):
        directory = os.path.join(root, name)
        if not os.path.isfile(os.path.join(directory, cards.CARD_NAME)):
            continue
        kind = "generator" if os.path.isdir(os.path.join(directory, "generator")) else "classifier"
        models[name] = {"kind": kind, "files": trust.pins_of(directory)}
    return models


def write_registry(root=None, path=REGISTRY_PATH):
    """Pins every model under ``root`` (default: the shipped models) in ``path``."""
    models = entries_of(root or shipped_root())
    with open(path, "w") as f:
        json.dump({"models": models}, f, indent=1, sort_keys=True)
        f.write("\n")
    load_registry.cache_clear()
    return models

