"""What every tutorial shares: cell constructors, the title with its Colab badge,
the install cell, the FAST switch and the plotting set-up."""

import textwrap

import nbformat

REPOSITORY = "ganzoo/ganzoo"
COLAB_URL = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/colab/{{file}}"
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](" + COLAB_URL + ")"


def md(text):
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(*parts):
    """A code cell from one or more blocks of source, each dedented on its own."""
    return nbformat.v4.new_code_cell("\n\n".join(textwrap.dedent(p).strip("\n") for p in parts).strip())


def header(file, title, intro):
    """Title with the Colab badge, then the install cell and the FAST switch."""
    return [
        md(f"# {title}\n\n{BADGE.format(file=file)}\n\n{textwrap.dedent(intro).strip()}"),
        code(
            """
            # On Colab: install ganzoo from GitHub; the pretrained zoo (saved_models/) comes with the
            # repository. Training is much faster on a GPU runtime (Runtime > Change runtime type >
            # GPU); a CPU runtime runs everything too. Anywhere else this cell does nothing: there,
            # install ganzoo with `pip install -e .` in a clone of the repository.
            import os
            import subprocess
            import sys

            IN_COLAB = "google.colab" in sys.modules
            if IN_COLAB:
                if not os.path.isdir("/content/ganzoo"):
                    subprocess.run(["git", "clone", "--depth=1", "https://github.com/ganzoo/ganzoo",
                                    "/content/ganzoo"], check=True)
                subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/ganzoo"],
                               check=True)
                sys.path.insert(0, "/content/ganzoo")  # importable now, without restarting the runtime
                import tensorflow as tf

                print("GPU:", tf.config.list_physical_devices("GPU") or "none (CPU runtime: slower, works)")
            """
        ),
        code(
            """
            # FAST=1 in the environment shrinks every step count and sample size to a smoke run (the
            # test suite runs the notebooks that way). Leave it unset for the real thing.
            FAST = os.environ.get("FAST") == "1"
            print("FAST run" if FAST else "Full run")
            """
        ),
    ]


PLOT_SETUP = """
    plt.rcParams.update({"figure.dpi": 64, "image.cmap": "gray", "axes.grid": False})
    tf.get_logger().setLevel("ERROR")  # no INFO lines from SavedModel writing
    keras.utils.set_random_seed(0)
    WORKDIR = tempfile.mkdtemp(prefix="ganzoo_")  # everything this notebook writes goes here


    def show_images(images, title=None, ax=None, columns=None):
        \"\"\"Draws images in [-1, 1] as one grid (ganzoo.utils.image_grid).\"\"\"
        ax = ax or plt.figure(figsize=(4, 4)).gca()
        grid = image_grid(images, columns=columns)
        ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, vmin=0, vmax=255)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
        return ax
"""
