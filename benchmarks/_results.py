"""Writes one benchmark's section of benchmarks/RESULTS.md, leaving the rest.

Each benchmark owns the text between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->``; ``write_section`` replaces only that text, or appends
the section when the file or the markers do not exist yet.
"""

import dataclasses
import json
import os
import platform
import re
import tempfile
import time

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


def cpu_flag_set():
    """The flags /proc/cpuinfo lists for the first CPU (empty where it cannot be read)."""
    try:
        with open("/proc/cpuinfo") as f:
            return set(next(line for line in f if line.startswith("flags")).split())
    except (OSError, StopIteration):
        return set()


def cpu_flags():
    """The CPU's vector and bf16 features that matter to these benchmarks."""
    flags = cpu_flag_set()
    if not flags:
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return ", ".join(flag for flag in wanted if flag in flags) or "no AVX2"


def load_runs(path, config, fields):
    """Recorded runs made with exactly ``config`` (a dataclass instance), as
    ``{tuple(record[f] for f in fields): record["result"]}``.

    A config field added after a run was recorded is absent from that record;
    it takes its default (``type(config)()``), which the older runs did not read.
    """
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        records = json.load(f)
    settings = json.loads(json.dumps(dataclasses.asdict(config)))  # tuples as lists, as stored
    defaults = json.loads(json.dumps(dataclasses.asdict(type(config)())))
    return {
        tuple(r[f] for f in fields): r["result"]
        for r in records.values()
        if {**defaults, **r["config"]} == settings
    }


def record_run(path, key, config, result):
    """Adds one run to the runs file ``path``; ``key`` is a dict of the fields
    that name it (e.g. dataset, variant, seed). Atomic: a kill leaves the old file."""
    records = {}
    if os.path.exists(path):
        with open(path) as f:
            records = json.load(f)
    records["/".join(f"{v}" if k != "seed" else f"seed{v}" for k, v in key.items())] = {
        **key,
        "config": dataclasses.asdict(config),
        "result": result,
        "recorded": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    records = dict(sorted(records.items()))
    with open(path + ".tmp", "w") as f:
        json.dump(records, f, indent=1)
    os.replace(path + ".tmp", path)


def mean_std(values, digits):
    """``"mean ± std"`` of ``values``, or how many are NaN."""
    import numpy as np

    values = np.asarray(values, np.float64)
    if np.isnan(values).any():
        return f"nan ({int(np.isnan(values).sum())} runs)"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"
