r"""A minimal TensorFlow-only reproduction of `fit` returning late: how long
deleting a tf.data iterator takes, with tf.data autotuning on and off.

    python benchmarks/iterator_teardown.py --calls=20

`fit_return_latency.py` shows ``GAN.fit`` returning seconds after
``on_train_end`` on a repeated in-memory dataset when autotuning is on, and
never when it is off; a Python stack dump taken during the wait shows no
Python frame below ``fit``: the time goes in tearing down the iterator. This
script takes Keras and ganzoo out: each call makes an iterator over
``from_tensor_slices(images).batch(64).repeat()`` (no explicit prefetch:
Keras' adapter does not add one either for a `tf.data.Dataset`), runs
``--steps`` steps of a few convolutions (enough to keep both cores busy, as a
train step does), then times ``del iterator``. Prints one line per setting.

Measured on 2 shared cores of an AMD EPYC (AVX2), TensorFlow 2.21.0, 10
iterators per setting: deletion took 1.432 s median (max 1.696 s, 7/10 over
1 s) with autotuning on, against 0.244 s (max 0.272 s) with it off. Through
``GAN.fit`` on the default nets (``fit_return_latency.py --calls=28
--base_filters=64``): 22/28 calls returned late, median 3.8 s after
``on_train_end``, with autotuning on and 0/28 with it off. The wait is inside
TensorFlow (no Python frame below ``fit`` during it), so ganzoo does not fix
it; ``options.autotune.enabled = False`` on an in-memory dataset, as
`train_throughput.py` does, avoids it.
"""

import argparse
import gc
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402


def dataset(autotune):
    images = tf.zeros((6400, 28, 28, 1))
    options = tf.data.Options()
    options.autotune.enabled = autotune
    return tf.data.Dataset.from_tensor_slices(images).batch(64, drop_remainder=True).repeat().with_options(options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--filters", type=int, default=64)
    args = parser.parse_args(argv)
    if args.calls < 1 or args.steps < 1 or args.filters < 1:
        raise ValueError(f"--calls, --steps and --filters must be ≥ 1; got {args}")
    kernels = [tf.random.normal((4, 4, c_in, args.filters)) for c_in in (1, args.filters, args.filters)]

    @tf.function
    def step(x):
        for kernel in kernels:
            x = tf.nn.leaky_relu(tf.nn.conv2d(x, kernel, 1, "SAME"))
        return tf.reduce_mean(x)

    times = {True: [], False: []}
    for call in range(args.calls):
        for autotune in (True, False):  # alternated, so both see the same machine
            iterator = iter(dataset(autotune))
            for _ in range(args.steps):
                step(next(iterator)).numpy()
            start = time.perf_counter()
            del iterator
            gc.collect()
            times[autotune].append(time.perf_counter() - start)
    print(f"TensorFlow {tf.__version__}, {args.calls} iterators per setting, {args.steps} steps each:")
    for autotune, values in times.items():
        late = sum(v > 1.0 for v in values)
        print(f"autotune {'on ' if autotune else 'off'}: iterator deletion median {statistics.median(values):.3f} s, "
              f"max {max(values):.3f} s, {late}/{len(values)} over 1 s")


if __name__ == "__main__":
    main()
