"""ganzoo: a Keras 3 model zoo of generative adversarial networks."""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m ganzoo.<command>`, before TensorFlow is imported:
    from ganzoo import cpu_kernels as _cpu_kernels
    from ganzoo import quiet_start as _quiet_start
    from ganzoo import run_folder as _run_folder

    _run_folder.refuse_if_busy(_sys.orig_argv)  # a busy --output_dir is refused at once
    _quiet_start.begin(_sys.orig_argv)  # quiet TensorFlow's start-up (ganzoo.cli)
    _cpu_kernels.apply_cli_default()  # oneDNN's kernels unless TF_ENABLE_ONEDNN_OPTS is set

from ganzoo import (
    architectures,
    callbacks,
    cards,
    data,
    distribute,
    export,
    layers,
    losses,
    metrics,
    models,
    zoo,
)
from ganzoo.models import (
    GAN,
    WGAN,
    WGANGP,
    PacGAN,
    SNGAN,
    FeatureMatchingGAN,
    MinibatchDiscriminationGAN,
    VanillaGAN,
)
from ganzoo.models import ACGAN, ConditionalGAN

__version__ = "0.1.0"
