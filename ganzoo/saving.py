"""Load saved models safely, with errors that name the bad file.

* `load_keras`: ``keras.models.load_model(path, safe_mode=True)`` (no Lambda
  layer or other arbitrary code is deserialized) after checking the archive:
  a truncated or corrupted ``.keras`` file raises `CorruptFileError` naming
  it, instead of Keras' "File not found" for a file that exists or a
  ``BadZipFile`` from deep inside zipfile.
* `load_saved_model`: ``tf.saved_model.load`` (or ``hub.load``), with the
  protobuf and checkpoint read errors of a truncated or corrupted SavedModel
  turned into `CorruptFileError` naming the directory and the file.

Zoo models are verified against their card's sha256 table before loading
(`ganzoo.zoo.load`); these helpers are for files that have no card.
"""

import json
import os
import zipfile


class CorruptFileError(ValueError):
    """A saved model is truncated, corrupted, or not the format its name says."""


def load_keras(path, compile=True):
    """Loads a ``.keras`` file in safe mode after checking its integrity.

    Args:
        path: the ``.keras`` file.
        compile: restore the training configuration (optimizers).

    Raises:
        FileNotFoundError: no such file.
        CorruptFileError: not a zip archive, a member whose CRC does not
            match, no ``config.json``, or unreadable content.
        ValueError: from Keras' safe mode, for a file that needs arbitrary
            code (e.g. a Lambda layer).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No .keras file {path!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            bad_member = archive.testzip()  # reads every member, checks its CRC-32
            members = archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise CorruptFileError(
            f"{path!r} is not a readable .keras file ({e}); it is truncated or corrupted, or not a .keras file"
        ) from e
    if bad_member is not None:
        raise CorruptFileError(f"{path!r} is corrupted: the checksum of {bad_member!r} inside it does not match")
    if "config.json" not in members:
        raise CorruptFileError(f"{path!r} has no config.json; it is not a Keras 3 .keras file (members: {members})")
    import keras

    import ganzoo  # noqa: F401 - registers the GAN classes for deserialization

    try:
        return keras.models.load_model(path, compile=compile, safe_mode=True)
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorruptFileError(f"Cannot read {path!r}: {type(e).__name__}: {e}") from e


def load_saved_model(path, loader=None):
    """Loads a SavedModel directory with ``loader`` (default
    ``tf.saved_model.load``; e.g. ``hub.load``).

    Raises:
        FileNotFoundError: not a directory with a ``saved_model.pb``.
        CorruptFileError: a truncated or corrupted ``saved_model.pb`` or
            ``variables/`` file.
    """
    path = os.fspath(path)
    graph = os.path.join(path, "saved_model.pb")
    if not os.path.isfile(graph):
        raise FileNotFoundError(f"{path!r} is not a SavedModel directory (no saved_model.pb)")
    import tensorflow as tf
    from google.protobuf.message import DecodeError

    loader = loader or tf.saved_model.load
    try:
        return loader(path)
    except (OSError, EOFError, IndexError, ValueError, DecodeError, tf.errors.OpError) as e:
        message = str(e)
        if "saved_model.pb" in message or isinstance(e, DecodeError):
            culprit = graph
        else:
            culprit = os.path.join(path, "variables", "variables.*")
        raise CorruptFileError(
            f"Cannot load the SavedModel {path!r}: {culprit} is truncated or corrupted "
            f"({type(e).__name__}: {message[:300]}). Export it again (ganzoo.export), or give it a "
            f"model card and load it with ganzoo.zoo.load, which checks every file's sha256 first."
        ) from e
