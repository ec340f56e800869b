"""Writes one benchmark's section of benchmarks/RESULTS.md, leaving the rest.

Each benchmark owns the text between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->``; ``write_section`` replaces only that text, or appends
the section when the file or the markers do not exist yet.
"""

import os
import platform
import re
import tempfile

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def markers(name):
    """The start and end markers of section ``name``."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"A section name is letters, digits, '_', '.' or '-'; got {name!r}")
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name, body, path=RESULTS_PATH):
    """Replaces section ``name`` of ``path`` by ``body`` (markdown text)."""
    start, end = markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    text = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    if text.count(start) != text.count(end) or text.count(start) > 1:
        raise ValueError(f"{path} has {text.count(start)} {start!r} and {text.count(end)} {end!r}; expected one of each")
    if start in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        if not text:
            text = "# ganzoo benchmark results\n\nEach section is written by the benchmark it names.\n"
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    # Write then rename, so that a reader never sees half a file.
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, encoding="utf-8", suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)


def machine():
    """One line describing this machine, for the record."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def cpu_flags():
    """The CPU's vector and bf16 features that matter to these benchmarks."""
    try:
        with open("/proc/cpuinfo") as f:
            flags_line = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return ", ".join(flag for flag in wanted if flag in flags_line) or "no AVX2"
