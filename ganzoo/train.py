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

Examples:

    python -m ganzoo.train --model=wgan_gp --epochs=10
    python -m ganzoo.train --model=minibatch_discrimination --dataset=grid25 --steps=3000
"""

import csv
import json
import math
import os
import platform
import shlex
import shutil
import sys

from absl import app, flags, logging

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "vanilla", "GAN variant; see ganzoo.models.MODELS.")
flags.DEFINE_string("loss", None, "Objective of --model=vanilla: any name in ganzoo.losses.CATALOG.")
flags.DEFINE_string("model_args", "{}", "JSON dict of extra constructor arguments of the variant.")
flags.DEFINE_string("dataset", "fashion_mnist", "ring8, grid25, fashion_mnist or any tfds image dataset.")
flags.DEFINE_string("data_dir", None, "tfds data_dir, or a directory of Fashion-MNIST IDX files.")
flags.DEFINE_integer("epochs", 5, "Passes over the data (ignored when --steps is set).")
flags.DEFINE_integer("steps", None, "Total training steps; overrides --epochs.")
flags.DEFINE_integer("batch_size", 128, "Global batch size.")
flags.DEFINE_integer("latent_dim", None, "Size of z (default 128 for images, 2 for 2-D data).")
flags.DEFINE_integer("seed", 0, "Seed of the nets' initialisation, the data order and z.")
flags.DEFINE_string("output_dir", None, "Where outputs go (default runs/<model>-<dataset>).")
flags.DEFINE_float("d_learning_rate", None, "D's learning rate (default: the variant's).")
flags.DEFINE_float("g_learning_rate", None, "G's learning rate (default: the variant's).")
flags.DEFINE_float("g_ema", 0.0, "Momentum of an exponential moving average of G's weights, which becomes "
                   "the saved generator at the end (e.g. 0.999); 0 turns it off.")
flags.DEFINE_float("final_learning_rate", None, "Decay both learning rates along a cosine to this value by the "
                   "last step (default: constant rates).")
flags.DEFINE_bool("jit_compile", False, "XLA-compile the train step (faster for minibatch discrimination on CPU, "
                  "slower for the DCGAN step).")
flags.DEFINE_integer("d_steps", None, "D updates per G update (default: the variant's).")
flags.DEFINE_bool("track_meters", True, "Log gradient norms and mean D outputs.")
flags.DEFINE_string("strategy", "default", "default, mirrored, multi_worker or tpu.")
flags.DEFINE_bool("mixed_precision", False, "mixed_bfloat16 on CPU/TPU, mixed_float16 on GPU.")
flags.DEFINE_integer("num_samples", 64, "Samples in each picture.")
flags.DEFINE_bool("export", True, "Export the generator as a SavedModel at the end.")
flags.DEFINE_integer("verbose", 1, "Keras progress: 0 silent, 1 progress bar, 2 one line per epoch.")
flags.DEFINE_list("eval_metrics", [], "Any of is, fid, kid: inception_score / fid / kid in logs each epoch.")
flags.DEFINE_string("eval_classifier", None, "Classifier of --eval_metrics (default: by image shape).")
flags.DEFINE_integer("eval_num_samples", 1000, "Generated images scored by --eval_metrics.")
flags.DEFINE_integer("eval_every_n_epochs", 1, "Score every this many epochs.")
flags.DEFINE_integer("mixture_points", 100_000, "Points of ring8/grid25, drawn once from --seed (one epoch).")
flags.DEFINE_integer("checkpoint_every", 250, "Back up every this many steps (and at epoch ends); 0: epoch ends only.")
flags.DEFINE_bool("deterministic", False, "tf.config.experimental.enable_op_determinism(): bit-identical reruns.")
flags.DEFINE_enum("on_divergence", "stop", ["stop", "restore"], "On a NaN/Inf loss: stop, or restore the last "
                  "good backup, scale the learning rates by --divergence_lr_scale and go on.")
flags.DEFINE_float("divergence_lr_scale", 0.5, "Learning-rate factor of each --on_divergence=restore.")
flags.DEFINE_integer("max_divergence_restores", 3, "Restores after which a divergence stops the run.")


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


def build(model_name, loss, model_args, data_shape, latent_dim, seed, d_steps, track_meters):
    """Builds and returns an uncompiled GAN of the variant ``model_name``."""
    from ganzoo import architectures, models

    cls = models.get(model_name)
    kwargs = dict(model_args)
    if loss is not None:
        kwargs["loss"] = loss
    generator, discriminator = architectures.default_networks(cls, data_shape, latent_dim)
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

    Resumes from ``<output_dir>/backup`` when a killed run left one.
    ``extra_callbacks`` go before the divergence check and the backup.
    """
    import keras
    import tensorflow as tf

    import ganzoo
    from ganzoo.callbacks.backup import GANBackup
    from ganzoo.callbacks.divergence import DivergenceError, StopOnDivergence
    from ganzoo.callbacks.sample_grid import SampleGrid
    from ganzoo.callbacks.stop_at_step import StopAtStep
    from ganzoo.utils.image_grid import samples_picture, write_png

    f = argv_flags
    model_args = json.loads(f.model_args)
    if not isinstance(model_args, dict):
        raise ValueError(f"--model_args must be a JSON object; got {f.model_args!r}")
    ganzoo.models.get(f.model)  # unknown names fail before any data is read
    if f.checkpoint_every < 0:
        raise ValueError(f"--checkpoint_every must be >= 0; got {f.checkpoint_every}")
    if f.final_learning_rate is not None and f.on_divergence == "restore":
        raise ValueError(
            "--on_divergence=restore lowers the learning rates, which --final_learning_rate's schedule fixes; "
            "use one or the other"
        )
    run_dir = f.output_dir or os.path.join("runs", f"{f.model}-{f.dataset}")
    if f.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(f.seed)

    strategy = None
    output_dir = run_dir
    if f.strategy != "default" or f.mixed_precision:
        from ganzoo import distribute

        distribute.set_mixed_precision(f.mixed_precision)
        strategy = distribute.get_strategy(f.strategy)
        # Non-chief workers write to a scratch directory, removed at the end.
        output_dir = distribute.worker_output_dir(strategy, run_dir)
    os.makedirs(output_dir, exist_ok=True)

    examples, count = ganzoo.data.load_examples(
        f.dataset, seed=f.seed, data_dir=f.data_dir, num_samples=f.mixture_points
    )
    if count < f.batch_size:
        raise ValueError(f"{f.dataset!r} has {count} examples, fewer than --batch_size={f.batch_size}")
    data_shape = tuple(examples.element_spec.shape)
    latent_dim = f.latent_dim or (128 if len(data_shape) == 3 else 2)
    reference = ganzoo.data.MIXTURES[f.dataset].centers if f.dataset in ganzoo.data.MIXTURES else None
    epochs, steps_per_epoch = _fit_schedule(f.steps, f.epochs, count // f.batch_size)
    meters = _meter_callbacks(f, data_shape)
    total_steps = f.steps if f.steps is not None else epochs * steps_per_epoch

    def make():
        gan = build(f.model, f.loss, model_args, data_shape, latent_dim, f.seed, f.d_steps, f.track_meters)
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
    divergences = []
    step = resumed_from = backup.restore(gan)
    if step:
        print(f"Resuming from the backup of step {step} in {backup_dir}")
    while True:
        _keep_log_rows(log_csv, step // steps_per_epoch)
        if step >= total_steps:
            break  # a finished run killed before it wrote its outputs
        samples = SampleGrid(
            os.path.join(output_dir, "samples"), num=f.num_samples, seed=f.seed, log_dir=log_dir, reference=reference
        )
        callbacks = [
            *meters,  # first: they write into logs that the others read
            keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False),
            keras.callbacks.CSVLogger(log_csv, append=True),
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
                dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=f.verbose,
                shuffle=False,  # the order is resumable_batches'
            )
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
    wall_time = backup.wall_time_s()  # every process of a resumed run

    gan.save(os.path.join(output_dir, "model.keras"))
    write_png(os.path.join(output_dir, "samples.png"), samples_picture(gan.generate(f.num_samples, seed=f.seed), reference))
    if f.export:
        ganzoo.export.export_generator(gan, os.path.join(output_dir, "generator"))
    history = _read_log(log_csv)
    metrics = {
        "final": {k: v[-1] for k, v in history.items()},
        "history": history,
        "steps": int(gan.g_optimizer.iterations.numpy()),
        "resumed_from_step": resumed_from,
        "divergences": divergences,
        "wall_time_s": round(wall_time, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU cores, {platform.platform()}",
        "command": "python -m ganzoo.train " + shlex.join(sys.argv[1:]),  # copy-paste runnable
        "flags": {name: FLAGS[name].value for name in FLAGS if FLAGS[name].present or name in _OWN_FLAGS},
    }
    with open(os.path.join(output_dir, "metrics.json"), "w") as fp:
        json.dump(metrics, fp, indent=2)
    shutil.rmtree(backup_dir, ignore_errors=True)  # every output is written: nothing left to resume
    if output_dir != run_dir:
        shutil.rmtree(output_dir, ignore_errors=True)  # a non-chief worker's copy
        print(f"Worker done in {wall_time:.0f} s; the chief wrote the outputs in {run_dir}")
        return metrics
    logging.info("Wrote %s (model.keras, generator/, samples.png, metrics.json)", output_dir)
    print(f"Done in {wall_time:.0f} s; outputs in {output_dir}")
    return metrics


def _meter_callbacks(f, data_shape):
    """PacGAN mode coverage on the 2-D mixtures; IS/FID/KID when asked."""
    from ganzoo import callbacks

    if f.dataset in _mixtures():
        if f.eval_metrics:
            raise ValueError(
                f"--eval_metrics={','.join(f.eval_metrics)} scores images; {f.dataset!r} is 2-D points "
                f"(its mode coverage is logged anyway)"
            )
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


def _keep_log_rows(path, epochs_done):
    """Keeps the rows of log.csv of the first ``epochs_done`` epochs: a
    resumed run writes the later ones again, a fresh run (0) a new file."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as fp:
        rows = list(csv.reader(fp))
    kept = [row for row in rows[1:] if row and int(row[0]) < epochs_done]
    if not kept:
        os.remove(path)
        return
    with open(path, "w", newline="") as fp:
        csv.writer(fp).writerows(rows[:1] + kept)


def _read_log(path):
    """``{name: [value per epoch]}`` from log.csv (the whole run, resumed or not)."""
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as fp:
        rows = list(csv.DictReader(fp))
    names = [n for n in (rows[0] if rows else {}) if n != "epoch" and all(r[n] not in ("", "NA") for r in rows)]
    return {name: [float(row[name]) for row in rows] for name in names}


_OWN_FLAGS = (
    "model loss model_args dataset epochs steps batch_size latent_dim seed output_dir d_learning_rate "
    "g_learning_rate g_ema final_learning_rate jit_compile d_steps strategy mixed_precision checkpoint_every "
    "deterministic on_divergence"
).split()


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from ganzoo.callbacks.divergence import DivergenceError

    try:
        train(FLAGS)
    except DivergenceError as error:
        sys.exit(f"ganzoo.train: {error}")


if __name__ == "__main__":
    app.run(main)
