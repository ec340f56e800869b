"""Models from elsewhere: a ``.tar.gz`` archive pinned by its sha256.

``ganzoo.zoo.load("https://host/name.tar.gz", sha256="…")`` downloads the
archive once with ``keras.utils.get_file(origin, file_hash=sha256)`` into the
Keras cache (``$KERAS_HOME/ganzoo_models``, default ``~/.keras``), which checks
the hash. The archive is then checked again here and extracted by `extract`,
not by ``get_file``: Keras' own extraction skips unsafe members with a warning
and keeps symlinks that stay inside the folder, where a model archive with
such a member is refused outright.

A user registry names remote models, like the registry inside the package
names the shipped ones: a JSON file ``{"models": {"name": {"origin": "https://…",
"sha256": "…"}}}`` given as ``registry=`` or in ``$GANZOO_REGISTRY``.
``python -m ganzoo.publish --archive --name=…`` writes the archive and prints
its sha256.
"""

import contextlib
import json
import os
import pathlib
import re
import shutil
import tarfile
import tempfile
import urllib.parse

from ganzoo import trust

REGISTRY_ENV_VAR = "GANZOO_REGISTRY"
CACHE_SUBDIR = "ganzoo_models"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")


def is_url(text):
    return isinstance(text, str) and urllib.parse.urlparse(text).scheme in ("http", "https")


def is_archive(path):
    return str(path).endswith(ARCHIVE_SUFFIXES)


def check_sha256(sha256, what):
    if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(
            f"{what} loads only with its archive's sha256 pinned: sha256= 64 lowercase hex digits "
            f"(python -m ganzoo.publish --archive prints it); got {sha256!r}"
        )


def user_registry(registry=None):
    """``{name: {"origin", "sha256"}}`` from ``registry`` (a dict or a JSON
    file) or ``$GANZOO_REGISTRY``; ``{}`` if neither."""
    registry = registry if registry is not None else os.environ.get(REGISTRY_ENV_VAR)
    if not registry:
        return {}
    if not isinstance(registry, dict):
        with open(registry) as f:
            registry = json.load(f)
    models = registry.get("models", registry)
    for name, entry in models.items():
        if not isinstance(entry, dict) or not is_url(entry.get("origin")):
            raise ValueError(f"User registry entry {name!r} needs an http(s) 'origin'; got {entry!r}")
        check_sha256(entry.get("sha256"), f"User registry entry {name!r}")
    return models


def download(origin, sha256):
    """The archive at ``origin``, downloaded once into the Keras cache and checked."""
    import keras

    check_sha256(sha256, origin)
    basename = os.path.basename(urllib.parse.urlparse(origin).path) or "model.tar.gz"
    # Keras reads $KERAS_HOME once, at import; read it at each call (and
    # create it: get_file falls back to /tmp/.keras for a missing one).
    cache_dir = os.environ.get("KERAS_HOME")
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
    try:
        path = keras.utils.get_file(
            fname=f"{sha256[:16]}-{basename}", origin=origin, file_hash=sha256, hash_algorithm="sha256",
            cache_subdir=CACHE_SUBDIR, cache_dir=cache_dir,
        )
    except ValueError as e:  # get_file's "file hash does not match"
        raise trust.IntegrityError(f"Refusing {origin}: its sha256 is not the pinned {sha256} ({e})") from e
    check_archive(path, sha256)
    return path


def check_archive(path, sha256):
    """Refuses an archive that is not a regular file or whose sha256 differs."""
    check_sha256(sha256, path)
    actual = trust.sha256(path)
    if actual != sha256:
        raise trust.IntegrityError(f"Refusing {path!r}: its sha256 is {actual}, not the pinned {sha256}")


def extract(archive, destination):
    """Extracts a model archive into ``destination``; returns the model directory.

    Every member must be a regular file or a directory with a relative path
    inside one top directory: a member with an absolute path, ``..``, a link,
    a device or a FIFO is refused before anything is written.
    """
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        tops = set()
        for member in members:
            parts = pathlib.PurePosixPath(member.name).parts
            if member.name.startswith(("/", "\\")) or not parts or ".." in parts or ":" in parts[0]:
                raise trust.IntegrityError(
                    f"Refusing {archive!r}: member {member.name!r} is not a relative path inside it"
                )
            if not (member.isfile() or member.isdir()):
                raise trust.IntegrityError(
                    f"Refusing {archive!r}: member {member.name!r} is a link or special file; a model archive "
                    f"holds only regular files and directories"
                )
            tops.add(parts[0])
        if len(tops) != 1:
            raise trust.IntegrityError(f"Refusing {archive!r}: expected one top directory, got {sorted(tops)}")
        # Python's "data" filter (3.10.12+) refuses the same again and drops modes.
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(destination, members=members, **kwargs)
    return os.path.join(destination, tops.pop())


@contextlib.contextmanager
def extracted(archive, sha256):
    """The model directory of a pinned archive, in a temporary directory
    removed on exit (each load extracts afresh from the checked archive)."""
    check_archive(archive, sha256)
    scratch = tempfile.mkdtemp(prefix="ganzoo-")
    try:
        yield extract(archive, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_archive(directory, path):
    """A reproducible ``.tar.gz`` of ``directory`` (sorted, no owners or
    times); returns its sha256."""
    import gzip

    name = os.path.basename(os.path.normpath(directory))
    files = trust.scan(directory)  # refuses links and special files
    folders = sorted({str(pathlib.PurePosixPath(f).parent) for f in files} - {"."})
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as zipped:
        with tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for relative in [name] + [f"{name}/{d}" for d in _with_parents(folders)] + [f"{name}/{f}" for f in files]:
                source = os.path.join(os.path.dirname(os.path.normpath(directory)), relative)
                info = tar.gettarinfo(source, arcname=relative)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                info.mode = 0o755 if info.isdir() else 0o644
                if info.isdir():
                    tar.addfile(info)
                else:
                    with open(source, "rb") as f:
                        tar.addfile(info, f)
    return trust.sha256(path)


def _with_parents(folders):
    every = set()
    for folder in folders:
        parts = pathlib.PurePosixPath(folder).parts
        every.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(every)
