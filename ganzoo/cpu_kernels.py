"""oneDNN's CPU kernels, on by default in ``python -m ganzoo.<command>``.

TensorFlow turns its oneDNN kernels on by itself only on x86 CPUs with
AVX-512 VNNI/BF16 or AMX. On others (AVX2 only) it runs Eigen's kernels
unless ``TF_ENABLE_ONEDNN_OPTS=1`` is set before TensorFlow is imported. On an
AVX2-only AMD EPYC that made the default DCGAN step 1.74× faster, level with
PyTorch 2.13, whose convolutions use oneDNN there too (`benchmarks/RESULTS.md`,
`benchmarks/step_profile.md`).

`apply_cli_default`, called by ``ganzoo/__init__.py`` when a ganzoo command
runs with ``-m`` (before TensorFlow is imported), sets
``TF_ENABLE_ONEDNN_OPTS=1`` on x86-64 unless the variable is already set;
``TF_ENABLE_ONEDNN_OPTS=0`` keeps Eigen's kernels. Importing ganzoo as a
library never changes it: a user's program may have imported TensorFlow
first, and whether oneDNN is on would then depend on the import order.

oneDNN changes results by floating-point round-off, not their determinism:
a run resumes bit-exactly with it on as with it off, as long as the resumed
process uses the same setting (`tests/test_train_resume.py`). A run's
command records the setting (`ganzoo.train`), and so does a zoo card's.
"""

import os
import platform

VARIABLE = "TF_ENABLE_ONEDNN_OPTS"


def cli_environment(environ):
    """``environ`` as ``python -m ganzoo.<command>`` sets it: a new dict with
    ``TF_ENABLE_ONEDNN_OPTS=1`` added on x86-64 when it is unset."""
    environ = dict(environ)
    if platform.machine().lower() in ("x86_64", "amd64"):
        environ.setdefault(VARIABLE, "1")
    return environ


def apply_cli_default():
    """Gives this process's environment `cli_environment`'s default."""
    os.environ.update(cli_environment(os.environ))
