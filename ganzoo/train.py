r"""Train a GAN: ``python -m ganzoo.train``.

With no flags it trains the default GAN (non-saturating DCGAN) on offline
Fashion-MNIST and writes, under ``--output_dir``:

* ``samples/epoch_NNN.png`` (a grid per epoch) and ``samples.png`` (the last);
* ``tensorboard/`` (losses, meters and a sample image per epoch);
* ``log.csv`` (one row of logs per epoch);
* ``model.keras`` (the whole GAN, reloadable to keep training);
* ``generator/`` (a SavedModel, see `ganzoo.export`);
* ``metrics.json`` (final logs, history, flags, wall time).

Examples:

    python -m ganzoo.train --model=wgan_gp --epochs=10
    python -m ganzoo.train --model=minibatch_discrimination --dataset=grid25 --steps=3000
"""

import json
import math
import os
import platform
import sys
import time

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
flags.DEFINE_integer("d_steps", None, "D updates per G update (default: the variant's).")
flags.DEFINE_bool("track_meters", True, "Log gradient norms and mean D outputs.")
flags.DEFINE_string("strategy", "default", "default, mirrored, multi_worker or tpu.")
flags.DEFINE_bool("mixed_precision", False, "mixed_bfloat16 on CPU/TPU, mixed_float16 on GPU.")
flags.DEFINE_integer("num_samples", 64, "Samples in each picture.")
flags.DEFINE_bool("export", True, "Export the generator as a SavedModel at the end.")
flags.DEFINE_integer("verbose", 1, "Keras progress: 0 silent, 1 progress bar, 2 one line per epoch.")


def _data_shape(dataset):
    spec = dataset.element_spec
    spec = spec[0] if isinstance(spec, tuple) else spec
    return tuple(spec.shape[1:])


def _fit_schedule(steps, epochs, batches_per_epoch):
    """Returns (epochs, steps_per_epoch or None) for ``model.fit``."""
    if steps is None:
        if epochs < 1:
            raise ValueError(f"--epochs must be >= 1; got {epochs}")
        return epochs, None
    if steps < 1:
        raise ValueError(f"--steps must be >= 1; got {steps}")
    per_epoch = min(steps, batches_per_epoch)
    return math.ceil(steps / per_epoch), per_epoch


def build(model_name, loss, model_args, data_shape, latent_dim, seed, d_steps, track_meters):
    """Builds and returns an uncompiled GAN of the variant ``model_name``."""
    from ganzoo import models

    cls = models.get(model_name)
    kwargs = dict(model_args)
    if loss is not None:
        kwargs["loss"] = loss
    generator, discriminator = cls.build_networks(data_shape, latent_dim)
    return cls(
        generator=generator,
        discriminator=discriminator,
        latent_dim=latent_dim,
        d_steps=d_steps,
        seed=seed,
        track_meters=track_meters,
        **kwargs,
    )


def optimizers_for(gan, d_learning_rate, g_learning_rate):
    d_optimizer, g_optimizer = gan.default_optimizers()
    if d_learning_rate is not None:
        d_optimizer.learning_rate = d_learning_rate
    if g_learning_rate is not None:
        g_optimizer.learning_rate = g_learning_rate
    return d_optimizer, g_optimizer


def train(argv_flags):
    """Runs the whole job from parsed flags; returns the metrics dict."""
    import keras

    import ganzoo
    from ganzoo.callbacks.sample_grid import SampleGrid
    from ganzoo.callbacks.stop_at_step import StopAtStep
    from ganzoo.utils.image_grid import samples_picture, write_png

    f = argv_flags
    model_args = json.loads(f.model_args)
    if not isinstance(model_args, dict):
        raise ValueError(f"--model_args must be a JSON object; got {f.model_args!r}")
    ganzoo.models.get(f.model)  # unknown names fail before any data is read
    output_dir = f.output_dir or os.path.join("runs", f"{f.model}-{f.dataset}")
    os.makedirs(output_dir, exist_ok=True)
    keras.utils.set_random_seed(f.seed)

    strategy = None
    if f.strategy != "default" or f.mixed_precision:
        from ganzoo import distribute

        distribute.set_mixed_precision(f.mixed_precision)
        strategy = distribute.get_strategy(f.strategy)

    dataset = ganzoo.data.load(
        f.dataset, batch_size=f.batch_size, seed=f.seed, data_dir=f.data_dir, repeat=f.steps is not None
    )
    data_shape = _data_shape(dataset)
    latent_dim = f.latent_dim or (128 if len(data_shape) == 3 else 2)
    reference = None
    if f.dataset in ganzoo.data.MIXTURES:
        reference = ganzoo.data.MIXTURES[f.dataset].centers
        batches_per_epoch = 100_000 // f.batch_size
    else:
        batches_per_epoch = int(dataset.cardinality()) if f.steps is None else None
        if batches_per_epoch is None:
            _, count = ganzoo.data.load_raw(f.dataset, "train", f.data_dir)
            batches_per_epoch = count // f.batch_size
    epochs, steps_per_epoch = _fit_schedule(f.steps, f.epochs, batches_per_epoch)

    def make():
        gan = build(f.model, f.loss, model_args, data_shape, latent_dim, f.seed, f.d_steps, f.track_meters)
        d_optimizer, g_optimizer = optimizers_for(gan, f.d_learning_rate, f.g_learning_rate)
        gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)
        return gan

    if strategy is not None:
        with strategy.scope():
            gan = make()
    else:
        gan = make()

    log_dir = os.path.join(output_dir, "tensorboard")
    samples = SampleGrid(
        os.path.join(output_dir, "samples"), num=f.num_samples, seed=f.seed, log_dir=log_dir, reference=reference
    )
    callbacks = [
        keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False),
        keras.callbacks.CSVLogger(os.path.join(output_dir, "log.csv"), append=True),
        samples,
    ]
    if f.steps is not None:
        callbacks.append(StopAtStep(f.steps))

    start = time.time()
    history = gan.fit(
        dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=f.verbose
    )
    wall_time = time.time() - start

    gan.save(os.path.join(output_dir, "model.keras"))
    write_png(os.path.join(output_dir, "samples.png"), samples_picture(gan.generate(f.num_samples, seed=f.seed), reference))
    if f.export:
        ganzoo.export.export_generator(gan, os.path.join(output_dir, "generator"))
    metrics = {
        "final": {k: float(v[-1]) for k, v in history.history.items()},
        "history": {k: [float(x) for x in v] for k, v in history.history.items()},
        "steps": int(gan.g_optimizer.iterations),
        "wall_time_s": round(wall_time, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU cores, {platform.platform()}",
        "command": "python -m ganzoo.train " + " ".join(sys.argv[1:]),
        "flags": {name: FLAGS[name].value for name in FLAGS if FLAGS[name].present or name in _OWN_FLAGS},
    }
    with open(os.path.join(output_dir, "metrics.json"), "w") as fp:
        json.dump(metrics, fp, indent=2)
    logging.info("Wrote %s (model.keras, generator/, samples.png, metrics.json)", output_dir)
    print(f"Done in {wall_time:.0f} s; outputs in {output_dir}")
    return metrics


_OWN_FLAGS = (
    "model loss model_args dataset epochs steps batch_size latent_dim seed output_dir d_learning_rate "
    "g_learning_rate d_steps strategy mixed_precision"
).split()


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    train(FLAGS)


if __name__ == "__main__":
    app.run(main)
