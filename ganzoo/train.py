r"""Train a GAN: ``python -m ganzoo.train``.

With no flags it trains the default GAN (non-saturating DCGAN) on offline
Fashion-MNIST and writes, under ``--output_dir``:

* ``samples/epoch_NNN.png`` (a grid per epoch) and ``samples.png`` (the last);
* ``tensorboard/`` (losses, meters and a sample image per epoch);
* ``log.csv`` (one row of logs per epoch);
* ``model.keras`` (the whole GAN, reloadable to keep training);
* ``generator/`` (a SavedModel, see `ganzoo.export`);
* ``metrics.json`` (final logs, history, flags, wall time of the whole run, resumed or not).

While it runs, ``backup/`` holds the last good state (`ganzoo.callbacks.GANBackup`,
every ``--checkpoint_every`` steps and at every epoch end). A run killed at any
step and started again with the same command resumes from it and ends with the
weights an uninterrupted run ends with: the data order is a function of
``(--seed, step)`` (`ganzoo.data.resumable_batches`) and the SeedGenerator,
optimizers and epoch means are restored. A NaN or infinite loss stops the run
naming the step (``--on_divergence=stop``), or restores the last good backup
with lower learning rates and goes on (``--on_divergence=restore``).

Every flag is checked before any data is read (`ganzoo.train_flags`). One run
at a time holds ``--output_dir`` (`ganzoo.run_folder`): a second start is
refused at once. The outputs above are written under temporary names and
renamed, ``metrics.json`` last: the same command on a finished run does
nothing, other flags are refused unless ``--overwrite``.

Examples:

    python -m ganzoo.train --model=wgan_gp --epochs=10
    python -m ganzoo.train --model=minibatch_discrimination --dataset=grid25 --steps=3000
"""

import json
import math
import os
import platform
import shlex
import shutil
import sys

from absl import app, flags, logging

from ganzoo import train_flags
from ganzoo.train_flags import FLAGS, FlagError, check_flags

flags.adopt_module_key_flags(train_flags)  # --help lists them


def _fit_schedule(steps, epochs, batches_per_epoch):
    """Returns (epochs, steps_per_epoch) for ``model.fit`` on endless data."""
    if steps is None:
        if epochs < 1:
            raise ValueError(f"--epochs must be >= 1; got {epochs}")
        return epochs, batches_per_epoch
    if steps < 1:
        raise ValueError(f"--steps must be >= 1; got {steps}")
    per_epoch = min(steps, batches_per_epoch)
    return math.ceil(steps / per_epoch), per_epoch


def build(model_name, loss, model_args, data_shape, latent_dim, seed, d_steps, track_meters, num_classes=None):
    """Builds and returns an uncompiled GAN of the variant ``model_name``."""
    from ganzoo import architectures, models

    cls = models.get(model_name)
    kwargs = dict(model_args)
    if loss is not None:
        kwargs["loss"] = loss
    if num_classes is not None:  # a class-conditional variant: its nets and the model take num_classes
        kwargs["num_classes"] = num_classes
    generator, discriminator = (
        cls.build_networks(data_shape, latent_dim, num_classes=num_classes) if num_classes is not None
        else architectures.default_networks(cls, data_shape, latent_dim))
    return cls(
        generator=generator,
        discriminator=discriminator,
        latent_dim=latent_dim,
        d_steps=d_steps,
        seed=seed,
        track_meters=track_meters,
        **kwargs,
    )


def optimizers_for(gan, d_learning_rate, g_learning_rate, g_ema=0.0, final_learning_rate=None, total_steps=None):
    """The variant's default optimizers, with the flags' learning rates.

    ``g_ema`` > 0 averages G's weights with that momentum (the averaged
    generator is the one saved and exported). ``final_learning_rate`` decays
    both rates along a cosine to that value over ``total_steps`` G steps (D's
    schedule counts its ``d_steps`` updates per step).
    """
    import keras

    if not 0.0 <= g_ema < 1.0:
        raise ValueError(f"--g_ema must be in [0, 1); got {g_ema}")
    d_optimizer, g_optimizer = gan.default_optimizers()
    rates = {"d": d_learning_rate, "g": g_learning_rate}
    built = {}
    for name, optimizer in (("d", d_optimizer), ("g", g_optimizer)):
        config = optimizer.get_config()
        initial = rates[name] if rates[name] is not None else float(config["learning_rate"])
        if final_learning_rate is not None:
            if not 0.0 <= final_learning_rate <= initial:
                raise ValueError(
                    f"--final_learning_rate must be in [0, {initial:.6g}] (the {name.upper()} learning rate); "
                    f"got {final_learning_rate}"
                )
            updates = total_steps * (gan.d_steps if name == "d" else 1)
            initial = keras.optimizers.schedules.CosineDecay(initial, updates, alpha=final_learning_rate / initial)
        config["learning_rate"] = initial
        if name == "g" and g_ema:
            config.update(use_ema=True, ema_momentum=g_ema)
        built[name] = optimizer.__class__.from_config(config)
    return built["d"], built["g"]


def train(argv_flags, extra_callbacks=()):
    """Runs the whole job from parsed flags; returns the metrics dict.

    Checks every flag first, then locks the run's folder (`ganzoo.run_folder`):
    a finished run with the same settings returns its metrics without
    training, one with other settings is refused unless ``--overwrite``, and
    a killed run resumes from ``<output_dir>/backup``. ``extra_callbacks`` go
    before the divergence check and the backup.
    """
    from ganzoo import run_folder

    f = argv_flags
    model_args = check_flags(f)  # every flag, before any data is read
    run_dir = f.output_dir or os.path.join("runs", f"{f.model}-{f.dataset}")
    strategy = None
    output_dir = run_dir
    if f.strategy != "default" or f.mixed_precision:
        from ganzoo import distribute

        distribute.set_mixed_precision(f.mixed_precision)
        strategy = distribute.get_strategy(f.strategy)
        # Non-chief workers write to a scratch directory, removed at the end.
        output_dir = distribute.worker_output_dir(strategy, run_dir)
    with run_folder.lock(output_dir):
        finished = run_folder.prepare(output_dir, _settings(f, model_args), overwrite=f.overwrite)
        if finished is not None:
            print(f"{output_dir} holds this run, finished: nothing to do (--overwrite trains it again)")
            return finished
        metrics = _train_in(output_dir, f, model_args, strategy, extra_callbacks)
    if output_dir != run_dir:
        shutil.rmtree(output_dir, ignore_errors=True)  # a non-chief worker's copy
        print(f"Worker done in {metrics['wall_time_s']:.0f} s; the chief wrote the outputs in {run_dir}")
        return metrics
    logging.info("Wrote %s (model.keras, generator/, samples.png, metrics.json)", output_dir)
    problems = metrics.get("health") or {}
    verdict = f"; training health: {', '.join(problems)} (see metrics.json)" if problems else ""
    print(f"Done in {metrics['wall_time_s']:.0f} s; outputs in {output_dir}{verdict}")
    for message in problems.values():
        print(f"  {message}")
    return metrics


def _train_in(output_dir, f, model_args, strategy, extra_callbacks):
    """Trains (or resumes) in the locked ``output_dir`` and writes every output; returns the metrics."""
    import keras
    import tensorflow as tf

    import ganzoo
    from ganzoo.callbacks.backup import GANBackup
    from ganzoo import run_folder
    from ganzoo.callbacks.divergence import DivergenceError, StopOnDivergence
    from ganzoo.callbacks.epoch_log import EpochLog
    from ganzoo.callbacks.sample_grid import SampleGrid
    from ganzoo.callbacks.stop_at_step import StopAtStep
    from ganzoo.callbacks.training_health import TrainingHealth

    if f.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(f.seed)
    conditional = getattr(ganzoo.models.get(f.model), "conditional", False)  # trains on (images, labels)
    examples, count = ganzoo.data.load_examples(
        f.dataset, seed=f.seed, data_dir=f.data_dir, num_samples=f.mixture_points, with_labels=conditional
    )
    if count < f.batch_size:
        raise FlagError(f"{f.dataset!r} has {count} examples, fewer than --batch_size={f.batch_size}")
    ganzoo.data.check_examples(examples)  # finite, images in [-1, 1]: else a clear error, not garbage
    data_shape = tuple((examples.element_spec[0] if conditional else examples.element_spec).shape)
    num_classes = ganzoo.data.num_classes(f.dataset, f.data_dir) if conditional else None
    latent_dim = f.latent_dim or (128 if len(data_shape) == 3 else 2)
    reference = ganzoo.data.MIXTURES[f.dataset].centers if f.dataset in ganzoo.data.MIXTURES else None
    epochs, steps_per_epoch = _fit_schedule(f.steps, f.epochs, count // f.batch_size)
    meters = _meter_callbacks(f, data_shape)
    total_steps = f.steps if f.steps is not None else epochs * steps_per_epoch

    def make():
        gan = build(f.model, f.loss, model_args, data_shape, latent_dim, f.seed, f.d_steps, f.track_meters,
                    num_classes)
        d_optimizer, g_optimizer = optimizers_for(
            gan, f.d_learning_rate, f.g_learning_rate, f.g_ema, f.final_learning_rate, total_steps
        )
        gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, jit_compile=f.jit_compile)
        return gan

    if strategy is not None:
        with strategy.scope():
            gan = make()
    else:
        gan = make()

    backup_dir = os.path.join(output_dir, "backup")
    backup = GANBackup(
        backup_dir,
        save_freq=f.checkpoint_every or "epoch",
        fingerprint=_fingerprint(f, model_args, latent_dim),
        delete_checkpoint=False,  # deleted below, once every output is written
    )
    log_dir = os.path.join(output_dir, "tensorboard")
    log_csv = os.path.join(output_dir, "log.csv")
    health = TrainingHealth() if f.track_meters else None  # needs the meters
    divergences = []
    fitted = False  # whether fit ran in this process (it averages G's weights at its end)
    step = resumed_from = backup.restore(gan)
    if step:
        print(f"Resuming from the backup of step {step} in {backup_dir}")
    while True:
        run_folder.keep_log_rows(log_csv, step // steps_per_epoch)
        if step >= total_steps:
            break  # a finished run killed before it wrote its outputs
        samples = SampleGrid(
            os.path.join(output_dir, "samples"), num=f.num_samples, seed=f.seed, log_dir=log_dir, reference=reference
        )
        callbacks = [
            *meters,  # first: they write into logs that the others read
            *([health] if health else []),
            keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False),
            EpochLog(log_csv),
            samples,
            *([StopAtStep(f.steps)] if f.steps is not None else []),
            *extra_callbacks,
            StopOnDivergence(),
            backup,  # last: sees StopAtStep's stop, never sees a diverged step
        ]
        skip = step * gan.real_batches_per_step  # batches read so far: fit groups that many per step
        dataset = ganzoo.data.resumable_batches(examples, count, f.batch_size, f.seed, start_step=skip)
        try:
            gan.fit(
                dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, initial_epoch=backup.initial_epoch,
                callbacks=callbacks,
                verbose=1 if f.verbose == 3 else f.verbose,  # 3: a progress bar and every log line
                shuffle=False,  # the order is resumable_batches'
            )
            fitted = True
            break
        except DivergenceError as error:
            if f.on_divergence != "restore" or len(divergences) >= f.max_divergence_restores:
                if divergences:
                    raise DivergenceError(
                        f"{error} ({len(divergences)} restores with learning rates scaled by "
                        f"{f.divergence_lr_scale} did not help)", error.step, error.values,
                    ) from error
                raise
            step = backup.restore(gan)
            rates = _scale_learning_rates(gan, f.divergence_lr_scale)
            backup.backup_now()  # the lowered rates survive a kill
            divergences.append(
                {"step": error.step, "values": {k: str(v) for k, v in error.values.items()},
                 "restored_step": step, **rates}
            )
            logging.warning("%s\nRestored the backup of step %d; learning rates now %s", error, step, rates)
    if not fitted:
        _average_generator(gan)  # what the end of fit does, for a run restored after its last step
    history = run_folder.read_log(log_csv)
    metrics = {
        "final": {k: v[-1] for k, v in history.items()},
        "history": history,
        "steps": int(gan.g_optimizer.iterations.numpy()),
        "resumed_from_step": resumed_from,
        "divergences": divergences,
        "health": dict(health.problems) if health else None,  # {problem: message}; {} when healthy
        "wall_time_s": round(backup.wall_time_s(), 1),  # every process of a resumed run
        "machine": f"{platform.machine()} {os.cpu_count()} CPU cores, {platform.platform()}",
        "command": _command(),  # copy-paste runnable
        "flags": {name: FLAGS[name].value for name in FLAGS if FLAGS[name].present or name in _OWN_FLAGS},
        "settings": _settings(f, model_args),
    }
    _write_outputs(gan, output_dir, metrics, f, reference)
    shutil.rmtree(backup_dir, ignore_errors=True)  # every output is written: nothing left to resume
    return metrics


def _command():
    """The command line that reproduces this run, led by the TensorFlow settings
    read from the environment that change its numbers (oneDNN's kernels)."""
    from ganzoo import cpu_kernels

    settings = [f"{name}={os.environ[name]}" for name in (cpu_kernels.VARIABLE,) if name in os.environ]
    return shlex.join([*settings, "python", "-m", "ganzoo.train", *sys.argv[1:]])


def _write_outputs(gan, output_dir, metrics, f, reference):
    """Writes the run's final files, each atomically; metrics.json last, as the mark of a finished run."""
    import ganzoo
    from ganzoo import run_folder
    from ganzoo.utils.image_grid import samples_picture, write_png

    with run_folder.atomic_output(os.path.join(output_dir, "model.keras")) as path:
        gan.save(path)
    with run_folder.atomic_output(os.path.join(output_dir, "samples.png")) as path:
        write_png(path, samples_picture(gan.generate(f.num_samples, seed=f.seed), reference))
    if f.export:
        with run_folder.atomic_output(os.path.join(output_dir, "generator")) as path:
            ganzoo.export.export_generator(gan, path)
    run_folder.write_text(os.path.join(output_dir, run_folder.METRICS_NAME), json.dumps(metrics, indent=2))


def _average_generator(gan):
    """Replaces each net's weights by their moving average when its optimizer keeps one (``use_ema``)."""
    for optimizer, net in ((gan.d_optimizer, gan.discriminator), (gan.g_optimizer, gan.generator)):
        if getattr(optimizer, "use_ema", False) and int(optimizer.iterations.numpy()) > 0:
            optimizer.finalize_variable_values(net.trainable_variables)


def _meter_callbacks(f, data_shape):
    """PacGAN mode coverage on the 2-D mixtures; IS/FID/KID when asked (names checked by check_flags)."""
    from ganzoo import callbacks

    if f.dataset in _mixtures():
        return [callbacks.ModeCoverage(mixture=f.dataset)]
    kinds = callbacks.evaluation.METRICS
    unknown = sorted(set(f.eval_metrics) - set(kinds))
    if unknown:
        raise ValueError(f"Unknown --eval_metrics {unknown}; choose from {sorted(kinds)}")
    # One callback: one classifier, one draw of generated images per evaluation.
    return [callbacks.GeneratorMetrics(
        tuple(f.eval_metrics), f.dataset, f.eval_classifier, f.eval_num_samples, f.eval_every_n_epochs
    )] if f.eval_metrics else []


def _fingerprint(f, model_args, latent_dim):
    """What a backup must have been written with to be resumed."""
    return {
        "model": f.model, "loss": f.loss, "model_args": model_args, "dataset": f.dataset,
        "mixture_points": f.mixture_points if f.dataset in _mixtures() else None,
        "batch_size": f.batch_size, "latent_dim": latent_dim, "seed": f.seed, "d_steps": f.d_steps,
        "track_meters": f.track_meters, "mixed_precision": f.mixed_precision,
        # The backup holds the learning rates (maybe lowered by --on_divergence=restore):
        # other flags would be silently ignored, so they are refused.
        "d_learning_rate": f.d_learning_rate, "g_learning_rate": f.g_learning_rate, "g_ema": f.g_ema,
        "final_learning_rate": f.final_learning_rate,
    }


# Flags that change no output of a finished run (a rerun with other values is the same run).
_NOT_SETTINGS = ("output_dir", "overwrite", "verbose", "checkpoint_every", "data_dir")


def _settings(f, model_args):
    """Every flag that decides a run's outputs: a finished run with other settings is refused."""
    settings = {flag.name: f[flag.name].value for flag in f.get_flags_for_module(train_flags)}
    settings["model_args"] = model_args
    return {name: value for name, value in sorted(settings.items()) if name not in _NOT_SETTINGS}


def _mixtures():
    from ganzoo.data.mixtures import MIXTURES

    return MIXTURES


def _scale_learning_rates(gan, scale):
    """Multiplies both learning rates by ``scale``; returns the new ones."""
    import keras

    rates = {}
    for name in ("d_optimizer", "g_optimizer"):
        optimizer = getattr(gan, name)
        rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate)) * scale
        optimizer.learning_rate = rate
        rates[name.replace("optimizer", "learning_rate")] = rate
    return rates


_OWN_FLAGS = (
    "model loss model_args dataset epochs steps batch_size latent_dim seed output_dir d_learning_rate "
    "g_learning_rate g_ema final_learning_rate jit_compile d_steps strategy mixed_precision checkpoint_every "
    "deterministic on_divergence"
).split()


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    train(FLAGS)


if __name__ == "__main__":
    from ganzoo import cli
    from ganzoo.callbacks.divergence import DivergenceError
    from ganzoo.run_folder import RunFolderError

    cli.run(main, expected=(FlagError, RunFolderError, DivergenceError), verbose=lambda: FLAGS.verbose >= 3)
