"""Model cards: ``model_card.json`` beside a saved model, with the sha256 of
every file so that a changed, truncated or extra file is refused before any
TensorFlow op is loaded."""

import hashlib
import json
import os

CARD_NAME = "model_card.json"


class IntegrityError(ValueError):
    """A file of a saved model does not match its card."""


def sha256(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(directory):
    """``{relative path: sha256}`` of every file under ``directory`` but the card."""
    hashes = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, directory).replace(os.sep, "/")
            if relative != CARD_NAME:
                hashes[relative] = sha256(path)
    return dict(sorted(hashes.items()))


def write_card(directory, card):
    """Writes ``card`` with a fresh ``files`` table; returns the card."""
    card = {**card, "files": file_hashes(directory)}
    with open(os.path.join(directory, CARD_NAME), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return card


def read_card(directory):
    path = os.path.join(directory, CARD_NAME)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No {CARD_NAME} in {directory!r}")
    with open(path) as f:
        try:
            card = json.load(f)
        except json.JSONDecodeError as e:
            raise IntegrityError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(card.get("files"), dict) or not card["files"]:
        raise IntegrityError(f"{path} has no 'files' table of sha256 digests")
    return card


def verify(directory):
    """Reads the card and checks every file against it; returns the card.

    Raises `IntegrityError` on a missing, extra or changed file.
    """
    card = read_card(directory)
    expected = card["files"]
    actual = file_hashes(directory)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(f for f in set(expected) & set(actual) if expected[f] != actual[f])
    problems = []
    if missing:
        problems.append(f"missing files {missing}")
    if extra:
        problems.append(f"files not listed in the card {extra}")
    if changed:
        problems.append(f"files whose sha256 differs from the card (tampered or truncated) {changed}")
    if problems:
        raise IntegrityError(f"Refusing to load {directory!r}: " + "; ".join(problems))
    return card
