r"""Builds the Colab tutorials of colab/ from their cells in notebook_sources/.

The notebooks are generated, so that a review reads plain Python and Markdown
instead of notebook JSON: one module per notebook in notebook_sources/, whose
``cells()`` returns the file name and the cells. Edit the cells there, then

    python colab/build_notebooks.py             # rewrites colab/*.ipynb, without outputs
    python colab/build_notebooks.py --execute   # ... and runs each in place, FAST unset

The second form is how the committed outputs are made: a real, full run, so
that readers on GitHub see the pictures. ``tests/test_notebooks.py`` runs
every notebook with ``FAST=1`` (tiny step counts) on a temporary copy.

Every notebook calls only ganzoo's public API; the few helpers defined in the
notebooks draw pictures with matplotlib.
"""

import argparse
import os
import sys
import time

import nbformat

COLAB_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, COLAB_DIR)

from notebook_sources import (  # noqa: E402
    conditional,
    inception_score,
    minimax_game,
    mode_collapse,
    quickstart,
    wasserstein,
)

# Seconds one cell may run when the notebooks are executed in place (full run).
CELL_TIMEOUT_S = 1800


# In reading order.
NOTEBOOKS = [quickstart, minimax_game, wasserstein, mode_collapse, inception_score, conditional]


def build(prefixes=None):
    """Writes the notebooks (those whose file name starts with one of
    ``prefixes``, or all) without outputs; returns their paths."""
    paths = []
    for source in NOTEBOOKS:
        file, cells = source.cells()
        if prefixes and not file.startswith(tuple(prefixes)):
            continue
        notebook = nbformat.v4.new_notebook(cells=cells)
        notebook.metadata.update({
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "accelerator": "GPU",
            "colab": {"provenance": [], "name": file},
        })
        nbformat.validate(notebook)
        path = os.path.join(COLAB_DIR, file)
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


# stderr lines of no interest to a reader: TensorFlow's C++ start-up logs,
# Keras' note that a tf.data.Dataset ignores fit(shuffle=True), and
# tensorflow_hub's import of the deprecated pkg_resources.
NOISE = ("WARNING: All log messages before absl", "I0000 ", "W0000 ", "E0000 ", "To enable the following",
         "This TensorFlow binary", "`shuffle=True` was passed", "self.data_adapter = ", "pkg_resources")


def _drop_noise(notebook):
    """Removes start-up noise from the stderr outputs, keeping every other line."""
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = [line for line in output["text"].splitlines(keepends=True)
                         if line.strip() and not any(n in line for n in NOISE)]
                if not lines:
                    continue
                output["text"] = "".join(lines)
            kept.append(output)
        if cell.cell_type == "code":
            cell["outputs"] = kept


def execute(path):
    """Runs a notebook in place with FAST unset (the committed outputs)."""
    from nbclient import NotebookClient

    saved = {key: os.environ.get(key) for key in ("FAST", "TF_CPP_MIN_LOG_LEVEL")}
    os.environ.pop("FAST", None)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": COLAB_DIR}}).execute()
        _drop_noise(notebook)
        nbformat.write(notebook, path)
        return time.perf_counter() - start
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook in place (FAST unset)")
    parser.add_argument("--only", default=None, help="comma-separated prefixes, e.g. 01,04")
    args = parser.parse_args(argv)
    prefixes = args.only.split(",") if args.only else None
    for path in build(prefixes):
        name = os.path.basename(path)
        if args.execute:
            print(f"{name}: executed in {execute(path):.0f} s", flush=True)
        else:
            print(f"{name}: written")


if __name__ == "__main__":
    sys.exit(main())
