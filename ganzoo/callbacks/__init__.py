"""Keras callbacks: everything that reports during training writes into `logs`."""

from ganzoo.callbacks.mode_coverage import ModeCoverage, class_coverage, mixture_coverage
from ganzoo.callbacks.training_health import TrainingHealth, TrainingHealthWarning
from ganzoo.callbacks.evaluation import FrechetDistance, GeneratorMetrics, InceptionScore, KernelDistance
from ganzoo.callbacks.sample_grid import SampleGrid
from ganzoo.callbacks.stop_at_step import StopAtStep
from ganzoo.callbacks.divergence import DivergenceError, StopOnDivergence
from ganzoo.callbacks.backup import GANBackup
