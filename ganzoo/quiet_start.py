"""Quiet TensorFlow's start-up lines in ``python -m ganzoo.<command>``.

Importing TensorFlow prints about ten lines from C++ (oneDNN, CPU features,
"Could not find cuda drivers", and on a machine without a GPU driver ``E0000
... failed call to cuInit``) before any flag is parsed, and before
``TF_CPP_MIN_LOG_LEVEL`` could take effect for most of them. `begin` (called by
``ganzoo/__init__.py`` when one of `COMMANDS` runs with ``-m``) sends the
process's stderr (file descriptor 2) to a temporary file; `end` (called by
`ganzoo.cli.run` once the flags are parsed, or at exit) gives stderr back and
replays every captured line but the known start-up noise, or every line with
``verbose``. An error is therefore never hidden, only delayed to the end of
start-up. A crash of the interpreter itself during start-up (a segfault in an
import) would lose what it printed: run with ``GANZOO_NO_QUIET=1`` to see
everything as it is printed.
"""

import atexit
import ctypes.util
import os
import re
import sys
import tempfile

_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "  # C++ INFO and WARNING lines
    r"|To enable the following instructions: .* with the appropriate compiler flags\.)"
)
# cuInit fails, as an ERROR line, wherever no NVIDIA driver is installed: noise there, an error elsewhere.
_CUINIT = re.compile(r"^E\d{4} .*failed call to cuInit")
_captured = None  # (saved stderr descriptor, temporary file) while capturing


# The programs that call `end` once their flags are parsed (through `ganzoo.cli.run`).
COMMANDS = ("ganzoo.train", "ganzoo.evaluate", "ganzoo.sample")


def begin(argv):
    """Starts capturing file descriptor 2 if ``argv`` (``sys.orig_argv``) runs one of `COMMANDS`.

    A no-op for any other program (whose stderr would only come out at its
    exit), when already capturing, or when ``GANZOO_NO_QUIET`` is set.
    """
    global _captured
    command = argv[argv.index("-m") + 1] if "-m" in argv[:-1] else None
    if _captured is not None or os.environ.get("GANZOO_NO_QUIET") or command not in COMMANDS:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    capture = tempfile.TemporaryFile()
    os.dup2(capture.fileno(), 2)
    _captured = (saved, capture)
    atexit.register(end, initialize_devices=False)  # a process that ends during start-up (e.g. a bad flag)


def end(verbose=False, initialize_devices=True):
    """Gives file descriptor 2 back and replays the captured lines (all of them with ``verbose``).

    ``initialize_devices`` first lets TensorFlow probe its devices, so that
    the probe's start-up lines (``cuInit``) are captured too.
    """
    global _captured
    if _captured is None:
        return
    if initialize_devices and not verbose:
        _initialize_devices()  # prints the cuInit line now, while it is still captured
    saved, capture = _captured
    _captured = None
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)
    capture.seek(0)
    no_driver = ctypes.util.find_library("cuda") is None
    for line in capture.read().decode(errors="replace").splitlines(keepends=True):
        noise = _NOISE.match(line) or (no_driver and _CUINIT.match(line))
        if verbose or not noise:
            sys.stderr.write(line)
    sys.stderr.flush()
    capture.close()


def _initialize_devices():
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].config.list_physical_devices()
