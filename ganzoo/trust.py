"""What may be read before a model is trusted, and how its files are checked.

A model directory is verified against *pins*: ``{relative path: {"sha256",
"size"}}`` (the registry inside the package, `ganzoo.registry`) or
``{relative path: sha256}`` (a model card, for a directory the user trusts).
`verify_files` proceeds in an order that never reads what it should refuse:

1. `scan` walks the directory with ``os.lstat`` only, opening nothing. A
   symlink (to a file, a directory or ``/dev/zero``), a FIFO, a socket or a
   device is refused, so is a root that is itself a symlink; sub-directories
   are entered only once ``lstat`` says they are real directories, so nothing
   outside the directory is ever reached.
2. The list of files is compared with the pins: missing and extra files are
   refused, and so is a file larger than its pinned size (by its ``lstat``
   size, before it is opened).
3. Only then is each file hashed, opened with ``O_NOFOLLOW`` and read at most
   to its pinned size plus one byte, so a file that grows after step 2 is
   refused without being read to its end.
"""

import hashlib
import os
import stat


class IntegrityError(ValueError):
    """A file of a saved model is unsafe to read or differs from its pins."""


def scan(directory):
    """``{relative path: size}`` of every regular file under ``directory``.

    Only ``os.lstat`` is called: nothing is opened or followed.

    Raises:
        IntegrityError: ``directory`` is a symlink or not a directory, or it
            holds a symlink, FIFO, socket or device at any depth.
    """
    directory = os.fspath(directory)
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        raise FileNotFoundError(f"No model directory {directory!r}") from None
    if stat.S_ISLNK(info.st_mode):
        raise IntegrityError(f"Refusing {directory!r}: it is a symlink; pass the directory it points to")
    if not stat.S_ISDIR(info.st_mode):
        raise IntegrityError(f"Refusing {directory!r}: it is not a directory")
    sizes = {}
    pending = [""]
    while pending:
        relative_dir = pending.pop()
        with os.scandir(os.path.join(directory, relative_dir)) as entries:
            for entry in entries:
                relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
                mode = os.lstat(entry.path).st_mode
                if stat.S_ISDIR(mode):
                    pending.append(relative)
                elif stat.S_ISREG(mode):
                    sizes[relative] = os.lstat(entry.path).st_size
                else:
                    raise IntegrityError(
                        f"Refusing {directory!r}: {relative!r} is a {_kind(mode)}, not a regular file; a "
                        f"model directory holds only regular files and directories"
                    )
    return dict(sorted(sizes.items()))


def _kind(mode):
    for test, name in ((stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return f"special file (mode {oct(mode)})"


def sha256(path, max_size=None, chunk=1 << 20):
    """sha256 of the regular file ``path``, reading at most ``max_size + 1``
    bytes: a longer file raises `IntegrityError` instead of being read to its end."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise IntegrityError(f"Refusing {path!r}: not a regular file")
        digest, read = hashlib.sha256(), 0
        while block := f.read(chunk if max_size is None else min(chunk, max_size + 1 - read)):
            digest.update(block)
            read += len(block)
            if max_size is not None and read > max_size:
                raise IntegrityError(f"Refusing {path!r}: larger than its pinned size of {max_size} bytes")
    return digest.hexdigest()


def pins_of(directory, exclude=()):
    """``{relative path: {"sha256", "size"}}`` of a directory, for a registry."""
    return {
        relative: {"sha256": sha256(os.path.join(directory, relative)), "size": size}
        for relative, size in scan(directory).items()
        if relative not in exclude
    }


def verify_files(directory, pins, exclude=(), what="its pins"):
    """Checks every file of ``directory`` against ``pins`` in the safe order
    of the module docstring.

    Args:
        directory: the model directory.
        pins: ``{relative path: {"sha256", "size"}}`` or ``{relative path:
            sha256}`` (no size: the file is hashed without a size bound, which
            is finite, since it is a regular file).
        exclude: relative paths that are neither pinned nor refused (the card
            itself, when the pins come from the card).
        what: what the pins are, for the error message.

    Raises:
        IntegrityError: naming every missing, extra, oversized or changed file.
    """
    sizes = {k: v for k, v in scan(directory).items() if k not in exclude}
    expected = {k: v if isinstance(v, dict) else {"sha256": v} for k, v in pins.items()}
    missing = sorted(set(expected) - set(sizes))
    extra = sorted(set(sizes) - set(expected))
    oversized = sorted(f for f in set(expected) & set(sizes) if sizes[f] > expected[f].get("size", sizes[f]))
    problems = []
    if missing:
        problems.append(f"missing files {missing}")
    if extra:
        problems.append(f"files not listed in {what} {extra}")
    if oversized:
        problems.append(f"files larger than {what} allow, not read {oversized}")
    if not problems:
        changed = []
        for relative in sorted(expected):
            limit = expected[relative].get("size")
            try:
                digest = sha256(os.path.join(directory, relative), limit)
            except IntegrityError:
                digest = None
            if digest != expected[relative]["sha256"] or (limit is not None and sizes[relative] != limit):
                changed.append(relative)
        if changed:
            problems.append(f"files whose sha256 differs from {what} (tampered or truncated) {changed}")
    if problems:
        raise IntegrityError(f"Refusing to load {directory!r}: " + "; ".join(problems))
