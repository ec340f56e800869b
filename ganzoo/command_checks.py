"""Flag checks of ``python -m ganzoo.evaluate`` and ``python -m ganzoo.sample``.

Each runs first in its command's ``main``, before any model or data is
loaded, and raises `FlagError` naming the value and the allowed range.
"""

from ganzoo.run_folder import RunFolderError, check_not_a_run_output
from ganzoo.cli import MAX_SAMPLES_IN_PICTURE, MAX_SEED, FlagError

# evaluate holds every generated image in memory: 50,000 (the usual FID
# sample) 64×64×3 float32 images are 2.5 GB.
MAX_EVALUATION_SAMPLES = 50_000
EVALUATION_METRICS = ("is", "fid", "kid", "modes")


def _in_range(name, value, low, high):
    if not isinstance(value, int) or not low <= value <= high:
        raise FlagError(f"--{name}={value} is out of range; expected an integer in [{low}, {high}]")


def check_evaluate_flags(f):
    """Checks ``ganzoo.evaluate``'s flags; ``--output`` never names a training run's file."""
    _in_range("num_samples", f.num_samples, 2, MAX_EVALUATION_SAMPLES)
    if f.real_samples is not None:
        _in_range("real_samples", f.real_samples, 2, MAX_EVALUATION_SAMPLES)
    _in_range("splits", f.splits, 1, f.num_samples)
    _in_range("seed", f.seed, 0, MAX_SEED)
    _in_range("batch_size", f.batch_size, 1, 100_000)
    if f.metrics is not None:
        unknown = sorted({m.strip().lower() for m in f.metrics} - set(EVALUATION_METRICS))
        if unknown or not f.metrics:
            raise FlagError(f"--metrics={','.join(f.metrics)}: unknown {unknown}; choose from {list(EVALUATION_METRICS)}")
    if f.output:
        try:
            check_not_a_run_output(f.output)
        except RunFolderError as error:
            raise FlagError(f"--output={f.output!r}: {error}") from None


def check_sample_flags(f):
    """Checks ``ganzoo.sample``'s flags: ``--num`` samples fit in one picture."""
    _in_range("num", f.num, 1, MAX_SAMPLES_IN_PICTURE)
    _in_range("seed", f.seed, 0, MAX_SEED)
    if not f.out or not f.out.lower().endswith(".png"):
        raise FlagError(f"--out={f.out!r} must name a .png file")
