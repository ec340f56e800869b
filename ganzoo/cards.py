"""Model cards: ``model_card.json`` beside a saved model says how it was made,
what it scores, and the sha256 of every file.

A card is information, not proof: anyone who can change a file can rewrite the
card beside it. Shipped models are verified against the registry inside the
package (`ganzoo.registry`); `verify` checks a directory against its own card,
which is what ``trust=True`` asks for (`ganzoo.zoo.load`). Either way the
directory is scanned first (`ganzoo.trust`): no symlink, FIFO or device is
opened.
"""

import json
import os

from ganzoo import trust

CARD_NAME = "model_card.json"
# A card is a few kB; a larger one is refused before it is read.
MAX_CARD_BYTES = 1 << 20
IntegrityError = trust.IntegrityError


def sha256(path):
    return trust.sha256(path)


def file_hashes(directory):
    """``{relative path: sha256}`` of every file under ``directory`` but the card."""
    return {k: v["sha256"] for k, v in trust.pins_of(directory, exclude=(CARD_NAME,)).items()}


def write_card(directory, card):
    """Writes ``card`` with a fresh ``files`` table; returns the card."""
    card = {**card, "files": file_hashes(directory)}
    with open(os.path.join(directory, CARD_NAME), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return card


def read_card(directory):
    """The card of ``directory`` as a dict, after a scan of the directory."""
    sizes = trust.scan(directory)
    path = os.path.join(directory, CARD_NAME)
    if CARD_NAME not in sizes:
        raise FileNotFoundError(f"No {CARD_NAME} in {directory!r}")
    if sizes[CARD_NAME] > MAX_CARD_BYTES:
        raise IntegrityError(f"{path} is {sizes[CARD_NAME]} bytes; a model card is under {MAX_CARD_BYTES}")
    with open(path, "rb") as f:
        try:
            card = json.loads(f.read(MAX_CARD_BYTES + 1))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise IntegrityError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(card, dict) or not isinstance(card.get("files"), dict) or not card["files"]:
        raise IntegrityError(f"{path} has no 'files' table of sha256 digests")
    return card


def verify(directory):
    """Checks every file of ``directory`` against its own card; returns the card.

    Raises `IntegrityError` on a symlink, FIFO or device, or a missing, extra
    or changed file.
    """
    card = read_card(directory)
    trust.verify_files(directory, card["files"], exclude=(CARD_NAME,), what="the card")
    return card
