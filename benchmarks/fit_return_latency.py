r"""How long `fit` takes to return after its last training step.

    python benchmarks/fit_return_latency.py
    python benchmarks/fit_return_latency.py --calls=28 --steps=20 --datasets=in_memory,pipeline

Issue 22 saw ``fit`` return ~10 s after its last step, on repeated in-memory
datasets with tf.data autotuning on (7 of 28 calls; 0 of 10 with it off).
This script calls ``VanillaGAN.fit(dataset, epochs=1, steps_per_epoch=steps)``
``--calls`` times per setting, on small DCGAN nets (the effect is a latency,
not throughput), and times three points of each call:

* the end of the last batch (``on_train_batch_end`` of the last step);
* ``on_train_end``;
* the return of ``fit``.

Settings: each dataset of ``--datasets`` with ``options.autotune.enabled``
True and False, called in alternation so that both see the same machine:

* ``in_memory``: ``Dataset.from_tensor_slices(images).batch(b).repeat()``,
  the same dataset object for every call (as `train_throughput.py` does);
* ``pipeline``: ``ganzoo.data.load("fashion_mnist", repeat=True)`` (map,
  cache, shuffle, prefetch), also reused.

A call is "late" when fit returns more than ``--late`` seconds after its last
batch. Prints one line per setting; writes nothing. ``--dump_after=s`` prints
the Python stacks (`faulthandler`) when a call has not returned ``s`` seconds
after ``on_train_end``, to show where the time goes.
"""

import faulthandler
import os
import statistics
import sys
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_integer("calls", 28, "fit calls per setting.")
flags.DEFINE_integer("steps", 20, "Steps of each fit call.")
flags.DEFINE_integer("batch_size", 64, "Batch size.")
flags.DEFINE_integer("base_filters", 8, "base_filters of the DCGAN nets (64 = ganzoo's default nets).")
flags.DEFINE_list("datasets", ["in_memory"], "in_memory and/or pipeline.")
flags.DEFINE_float("late", 1.0, "A return this many seconds after the last batch counts as late.")
flags.DEFINE_float("dump_after", 0.0, "If > 0: dump the Python stacks when fit has not returned this many "
                   "seconds after on_train_end.")


def _gan():
    import ganzoo
    from ganzoo import architectures

    gan = ganzoo.VanillaGAN(
        generator=architectures.dcgan_generator(latent_dim=16, base_filters=FLAGS.base_filters),
        discriminator=architectures.dcgan_discriminator(base_filters=FLAGS.base_filters),
        latent_dim=16,
        seed=0,
    )
    gan.compile()
    return gan


def _dataset(kind, autotune, images):
    import tensorflow as tf

    from ganzoo import data

    if kind == "in_memory":
        ds = tf.data.Dataset.from_tensor_slices(images).batch(FLAGS.batch_size, drop_remainder=True).repeat()
    elif kind == "pipeline":
        ds = data.load("fashion_mnist", batch_size=FLAGS.batch_size, seed=0, repeat=True)
    else:
        raise app.UsageError(f"Unknown dataset {kind!r}; expected in_memory or pipeline")
    options = tf.data.Options()
    options.autotune.enabled = autotune
    return ds.with_options(options)


def _timed_fit(gan, dataset):
    """``(end of last batch → on_train_end, on_train_end → return)`` in s."""
    import keras

    marks = {}

    class Marks(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            marks["last_batch"] = time.perf_counter()

        def on_train_end(self, logs=None):
            marks["train_end"] = time.perf_counter()
            if FLAGS.dump_after > 0:
                faulthandler.dump_traceback_later(FLAGS.dump_after, file=sys.stderr)

    gan.fit(dataset, epochs=1, steps_per_epoch=FLAGS.steps, verbose=0, callbacks=[Marks()])
    returned = time.perf_counter()
    faulthandler.cancel_dump_traceback_later()
    return marks["train_end"] - marks["last_batch"], returned - marks["train_end"]


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from ganzoo import data

    images = tf.convert_to_tensor(next(iter(data.load("fashion_mnist", batch_size=60_000, shuffle=False))))
    settings = [(kind, autotune) for kind in FLAGS.datasets for autotune in (True, False)]
    gans = {setting: _gan() for setting in settings}
    datasets = {setting: _dataset(*setting, images) for setting in settings}
    gaps = {setting: [] for setting in settings}
    for setting in settings:  # warm-up: tracing, first iterator
        _timed_fit(gans[setting], datasets[setting])
    started, load = time.time(), os.getloadavg()[0]
    for call in range(FLAGS.calls):
        for setting in settings if call % 2 == 0 else settings[::-1]:
            gaps[setting].append(_timed_fit(gans[setting], datasets[setting]))
    print(f"{FLAGS.calls} fit calls of {FLAGS.steps} steps per setting, batch {FLAGS.batch_size}, base_filters "
          f"{FLAGS.base_filters}; {(time.time() - started) / 60:.1f} min; load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; TensorFlow {tf.__version__}.")
    print("| dataset | autotune | late calls (> {:g} s) | median / max: last batch → on_train_end "
          "| median / max: on_train_end → return |".format(FLAGS.late))
    print("|---|---|---:|---:|---:|")
    for (kind, autotune), values in gaps.items():
        to_end, to_return = zip(*values)
        late = sum(a + b > FLAGS.late for a, b in values)
        print(f"| {kind} | {'on' if autotune else 'off'} | {late}/{len(values)} "
              f"| {statistics.median(to_end):.3f} / {max(to_end):.3f} s "
              f"| {statistics.median(to_return):.3f} / {max(to_return):.3f} s |")


if __name__ == "__main__":
    app.run(main)
