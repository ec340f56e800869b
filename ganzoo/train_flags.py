"""The flags of ``python -m ganzoo.train``, and their checks.

Every flag is checked before any data is read or any net is built:

* one flag at a time by absl while it parses the command line (bounds, enums
  and validators below): ``flag --batch_size=0: 0 is not a positive integer``;
* flags that depend on each other, or on the chosen variant, by
  `check_flags`, the first thing `ganzoo.train.train` does.

Both raise an error naming the value and what is allowed; the command line
prints it as one line (`ganzoo.cli.run`).
"""

import inspect
import json
import math
import os

from absl import flags

from ganzoo import losses, models
from ganzoo.cli import MAX_SAMPLES_IN_PICTURE, MAX_SEED, FlagError  # noqa: F401 (FlagError: re-exported)

FLAGS = flags.FLAGS

flags.DEFINE_enum("model", "vanilla", sorted(models.MODELS), "GAN variant.")
flags.DEFINE_enum("loss", None, sorted(losses.CATALOG), "Objective of --model=vanilla (default: non_saturating).")
flags.DEFINE_string("model_args", "{}", "JSON object of extra constructor arguments of the variant.")
flags.DEFINE_string("dataset", "fashion_mnist", "ring8, grid25, fashion_mnist or any tfds image dataset.")
flags.DEFINE_string("data_dir", None, "tfds data_dir, or a directory of Fashion-MNIST IDX files.")
flags.DEFINE_integer("epochs", 5, "Passes over the data (ignored when --steps is set).", lower_bound=1)
flags.DEFINE_integer("steps", None, "Total training steps; overrides --epochs.", lower_bound=1)
flags.DEFINE_integer("batch_size", 128, "Global batch size.", lower_bound=1)
flags.DEFINE_integer("latent_dim", None, "Size of z (default 128 for images, 2 for 2-D data).", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of the nets' initialisation, the data order and z.", lower_bound=0,
                     upper_bound=MAX_SEED)
flags.DEFINE_string("output_dir", None, "Where outputs go (default runs/<model>-<dataset>).")
flags.DEFINE_bool("overwrite", False, "Replace a finished run's outputs in --output_dir (a finished run is "
                  "otherwise refused unless the flags are the same, which does nothing).")
flags.DEFINE_float("d_learning_rate", None, "D's learning rate, > 0 (default: the variant's).")
flags.DEFINE_float("g_learning_rate", None, "G's learning rate, > 0 (default: the variant's).")
flags.DEFINE_float("g_ema", 0.0, "Momentum of an exponential moving average of G's weights, which becomes "
                   "the saved generator at the end, in [0, 1) (e.g. 0.999); 0 turns it off.")
flags.DEFINE_float("final_learning_rate", None, "Decay both learning rates along a cosine to this value by the "
                   "last step, in [0, both learning rates] (default: constant rates).")
flags.DEFINE_bool("jit_compile", False, "XLA-compile the train step (faster for minibatch discrimination on CPU, "
                  "slower for the DCGAN step).")
flags.DEFINE_integer("d_steps", None, "D updates per G update (default: the variant's).", lower_bound=1)
flags.DEFINE_bool("track_meters", True, "Log gradient norms and mean D outputs.")
flags.DEFINE_enum("strategy", "default", ["default", "mirrored", "multi_worker", "tpu"], "tf.distribute strategy.")
flags.DEFINE_bool("mixed_precision", False, "mixed_bfloat16 on CPU/TPU, mixed_float16 on GPU.")
flags.DEFINE_integer("num_samples", 64, "Samples in each picture.", lower_bound=1, upper_bound=MAX_SAMPLES_IN_PICTURE)
flags.DEFINE_bool("export", True, "Export the generator as a SavedModel at the end.")
flags.DEFINE_integer("verbose", 1, "0 silent, 1 progress bar, 2 one line per epoch (Keras' fit); 3 a progress "
                     "bar and every TensorFlow/Keras log line, which are otherwise quieted.",
                     lower_bound=0, upper_bound=3)
flags.DEFINE_list("eval_metrics", [], "Any of is, fid, kid: inception_score / fid / kid in logs each epoch.")
flags.DEFINE_string("eval_classifier", None, "Classifier of --eval_metrics (default: by image shape).")
flags.DEFINE_integer("eval_num_samples", 1000, "Generated images scored by --eval_metrics.", lower_bound=2)
flags.DEFINE_integer("eval_every_n_epochs", 1, "Score every this many epochs.", lower_bound=1)
flags.DEFINE_integer("mixture_points", 100_000, "Points of ring8/grid25, drawn once from --seed (one epoch).",
                     lower_bound=1)
flags.DEFINE_integer("checkpoint_every", 250, "Back up every this many steps (and at epoch ends); 0: epoch ends "
                     "only.", lower_bound=0)
flags.DEFINE_bool("deterministic", False, "tf.config.experimental.enable_op_determinism(): bit-identical reruns.")
flags.DEFINE_enum("on_divergence", "stop", ["stop", "restore"], "On a NaN/Inf loss: stop, or restore the last "
                  "good backup, scale the learning rates by --divergence_lr_scale and go on.")
flags.DEFINE_float("divergence_lr_scale", 0.5, "Learning-rate factor of each --on_divergence=restore, in (0, 1).")
flags.DEFINE_integer("max_divergence_restores", 3, "Restores after which a divergence stops the run.",
                     lower_bound=0)

EVAL_METRICS = ("is", "fid", "kid")


def _finite_and(test, allowed):
    return lambda value: value is None or (math.isfinite(value) and test(value)), f"must be {allowed}"


for _name, (_test, _message) in {
    "d_learning_rate": _finite_and(lambda v: v > 0, "a finite number > 0"),
    "g_learning_rate": _finite_and(lambda v: v > 0, "a finite number > 0"),
    "final_learning_rate": _finite_and(lambda v: v >= 0, "a finite number >= 0"),
    "g_ema": _finite_and(lambda v: 0 <= v < 1, "in [0, 1)"),
    "divergence_lr_scale": _finite_and(lambda v: 0 < v < 1, "in (0, 1)"),
}.items():
    flags.register_validator(_name, _test, message=_message)
flags.register_validator(
    "eval_metrics", lambda names: set(names) <= set(EVAL_METRICS), message=f"must be among {list(EVAL_METRICS)}"
)


def check_flags(f):
    """Checks what the parser cannot: flags that depend on each other or on the variant.

    Args:
        f: the parsed flags (``absl.flags.FLAGS``).

    Returns:
        The ``--model_args`` dict.

    Raises:
        FlagError: naming the flag, its value and what is allowed.
    """
    cls = models.get(f.model)
    try:
        model_args = json.loads(f.model_args)
    except json.JSONDecodeError as error:
        raise FlagError(f"--model_args must be a JSON object; got {f.model_args!r} ({error})") from error
    if not isinstance(model_args, dict):
        raise FlagError(f"--model_args must be a JSON object; got {f.model_args!r}")
    accepted = _constructor_arguments(cls)
    set_by_flags = {"generator", "discriminator", "latent_dim", "d_steps", "seed", "track_meters", "loss"}
    refused = sorted((set(model_args) - accepted) | (set(model_args) & set_by_flags))
    if refused:
        raise FlagError(
            f"--model_args {refused} are not arguments of --model={f.model} that --model_args may set; "
            f"allowed: {sorted(accepted - set_by_flags)}"
        )
    if f.loss is not None and "loss" not in accepted:
        raise FlagError(f"--loss={f.loss} applies to --model=vanilla only; --model={f.model} has its own loss")
    if f.final_learning_rate is not None:
        if f.on_divergence == "restore":
            raise FlagError(
                "--on_divergence=restore lowers the learning rates, which --final_learning_rate's schedule "
                "fixes; use one or the other"
            )
        defaults = cls.default_optimizers()
        for name, rate, optimizer in (("D", f.d_learning_rate, defaults[0]), ("G", f.g_learning_rate, defaults[1])):
            initial = rate if rate is not None else float(optimizer.get_config()["learning_rate"])
            if f.final_learning_rate > initial:
                raise FlagError(
                    f"--final_learning_rate must be in [0, {initial:.6g}] (the {name} learning rate); "
                    f"got {f.final_learning_rate}"
                )
    _check_data_flags(f)
    if f.output_dir and os.path.exists(f.output_dir) and not os.path.isdir(f.output_dir):
        raise FlagError(f"--output_dir={f.output_dir!r} is a file; expected a directory (or a new path)")
    return model_args


def _check_data_flags(f):
    from ganzoo.data.mixtures import MIXTURES

    if f.dataset in MIXTURES:
        if f.eval_metrics:
            raise FlagError(
                f"--eval_metrics={','.join(f.eval_metrics)} scores images; {f.dataset!r} is 2-D points "
                f"(its mode coverage is logged anyway)"
            )
        if f.mixture_points < f.batch_size:
            raise FlagError(
                f"--mixture_points={f.mixture_points} is fewer than --batch_size={f.batch_size}: every batch "
                f"would be dropped; use --mixture_points >= --batch_size"
            )
    if f.data_dir is not None and not os.path.isdir(f.data_dir):
        raise FlagError(f"--data_dir={f.data_dir!r} is not a directory")


def _constructor_arguments(cls):
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up to keras.Model."""
    names = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("keras"):
            return names | {"name", "dtype", "trainable"}  # keras.Model's own
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters.values()
        names |= {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            return names
    return names
