"""The Colab tutorials of colab/ run end to end.

Each notebook is executed with ``FAST=1`` (its tiny step counts) through
nbclient, on a copy in a temporary directory, so the committed notebooks and
their outputs from a full run are never touched. The static checks cover what
every notebook promises a reader: the Colab badge, the install cell, the FAST
switch, and committed outputs with pictures.
"""

import os
import shutil
import sys
import time

import nbformat
import pytest

COLAB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "colab")
NOTEBOOKS = [
    "01_quickstart.ipynb",
    "02_minimax_game.ipynb",
    "03_wasserstein.ipynb",
    "04_mode_collapse.ipynb",
    "05_inception_score.ipynb",
    "06_conditional.ipynb",
]
# The bound per notebook on 2 CPU cores; FAST runs aim at well under half of it.
BUDGET_S = 180
# A stuck cell fails the test instead of hanging CI.
CELL_TIMEOUT_S = 150


def _read(name):
    return nbformat.read(os.path.join(COLAB_DIR, name), as_version=4)


def _code(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_every_notebook_is_listed():
    on_disk = sorted(f for f in os.listdir(COLAB_DIR) if f.endswith(".ipynb"))
    assert on_disk == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_badge_install_cell_and_fast_switch(name):
    notebook = _read(name)
    badge = f"https://colab.research.google.com/github/ganzoo/ganzoo/blob/main/colab/{name}"
    assert badge in notebook.cells[0].source, "the first cell must carry the Open in Colab badge"
    first_code = _code(notebook)[0].source
    assert '"google.colab" in sys.modules' in first_code
    assert "https://github.com/ganzoo/ganzoo" in first_code and "pip" in first_code
    assert 'FAST = os.environ.get("FAST") == "1"' in _code(notebook)[1].source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_outputs_come_from_a_full_run(name):
    notebook = _read(name)
    outputs = [output for cell in _code(notebook) for output in cell.get("outputs", [])]
    assert all(output.get("output_type") != "error" for output in outputs), f"{name} has an error output"
    assert any("image/png" in output.get("data", {}) for output in outputs), f"{name} has no picture"
    printed = "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")
    assert "Full run" in printed, f"{name}'s committed outputs are not from a full (non-FAST) run"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_end_to_end_fast(name, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("FAST", "1")  # the kernel inherits this process's environment
    copy = tmp_path / name
    shutil.copy(os.path.join(COLAB_DIR, name), copy)
    notebook = nbformat.read(copy, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(notebook, copy)  # the executed copy, for a look after a failure
    print(f"{name}: {elapsed:.0f} s with FAST=1", file=sys.stderr)
    assert "FAST run" in "".join(
        output.get("text", "") for cell in _code(notebook) for output in cell.get("outputs", [])
    )
    assert elapsed <= BUDGET_S, f"{name} took {elapsed:.0f} s with FAST=1; the budget is {BUDGET_S} s"
