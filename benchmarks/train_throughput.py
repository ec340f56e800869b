r"""Images/s of ganzoo's `fit` against a plain `tf.function` loop, per variant.

    python benchmarks/train_throughput.py
    python benchmarks/train_throughput.py --rounds=3 --seconds=1 --models=vanilla,wgan

For every GAN in `ganzoo.models.MODELS`, in float32 and mixed_bfloat16, it
times two trainers of the same nets (same weights, same optimizers) on the
same in-memory batches:

* **ganzoo**: `GAN.fit` with the defaults a user gets (meters on);
* **plain**: a hand-written `tf.function` step, the keras-io way: draw z,
  one `GradientTape` per network, `optimizer.apply`. It calls the variant's
  own math (its losses, ``discriminate``, regularizers, generator objective,
  clipping) but none of ganzoo's machinery: no `fit`, no metric trackers, no
  meters, no SeedGenerator.

It also fits VanillaGAN on the real input pipeline
(``ganzoo.data.load("fashion_mnist", repeat=True)``: map, cache, shuffle,
prefetch) against a dataset sliced from the same images held in one
in-memory tensor, so that the pipeline is shown never to be the bottleneck.

The CPU is usually shared, so the measurements are interleaved: every round
times every (trainer, variant, precision) once, in an order that alternates
between rounds; ratios are the median over rounds of the ratio measured in
the same round. Each timing skips the first step of its run (iterator start,
`fit` set-up), and tracing happens in a warm-up run. Targets on a 2-core CPU:
ganzoo/plain ≥ 0.97, bf16/fp32 ≥ 1.2, pipeline/in-memory ≥ 0.97.

Writes its table into benchmarks/RESULTS.md (section "train_throughput").
"""

import dataclasses
import json
import os
import platform
import sys
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 64, "Global batch size of every trainer.")
flags.DEFINE_integer("latent_dim", 128, "Size of z.")
flags.DEFINE_integer("rounds", 9, "Interleaved measurement rounds.")
flags.DEFINE_float("seconds", 1.5, "Target CPU seconds of one timed run.")
flags.DEFINE_list("models", [], "Variants to time (default: all of ganzoo.models.MODELS).")
flags.DEFINE_bool("write", True, "Write the table into benchmarks/RESULTS.md.")

IMAGE_SHAPE = (28, 28, 1)
PRECISIONS = {"fp32": "float32", "bf16": "mixed_bfloat16"}
SECTION = "train_throughput"


@dataclasses.dataclass
class Run:
    """One timed trainer: ``run(steps)`` trains ``steps`` steps and returns
    the (wall, CPU) seconds of all but the first."""

    key: tuple  # (kind, variant, precision), kind in ganzoo/plain/pipeline/in_memory
    run: object
    steps: int = 0  # steps per timed run, calibrated in the warm-up
    img_s: list = dataclasses.field(default_factory=list)  # wall-clock, one per round
    img_cpu_s: list = dataclasses.field(default_factory=list)  # per CPU-second of this process


def _clocks():
    # Wall time, and the CPU time of all this process's threads (TF's pools,
    # tf.data's): the latter barely moves when other processes share the CPU.
    return time.perf_counter(), time.process_time()


def _fit_runner(gan, dataset):
    import keras

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                self.start = _clocks()
            self.end = _clocks()

    timer = Timer()

    def run(steps):
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
        return timer.end[0] - timer.start[0], timer.end[1] - timer.start[1]

    return run


def _plain_runner(gan, dataset, batch_size):
    """The hand-written loop, on ``gan``'s nets (a copy of the ganzoo one's)."""
    import tensorflow as tf

    generator, discriminator = gan.generator, gan.discriminator
    d_optimizer, g_optimizer = type(gan).default_optimizers()
    d_optimizer.build(discriminator.trainable_variables)
    g_optimizer.build(generator.trainable_variables)
    noise = tf.random.Generator.from_seed(0)
    shape = (batch_size, gan.latent_dim)

    @tf.function(jit_compile=False)
    def train_step(real):
        for _ in range(gan.d_steps):
            fake = generator(noise.normal(shape), training=True)
            with tf.GradientTape() as tape:
                real_logits, fake_logits = gan.discriminate(real, fake, training=True)
                d_loss = gan.discriminator_loss(real_logits, fake_logits)
                terms = gan.discriminator_regularizers(real, fake, real_logits, fake_logits, None)
                for term in terms.values():
                    d_loss += term
            variables = discriminator.trainable_variables
            d_optimizer.apply(tape.gradient(d_loss, variables), variables)
            gan.after_discriminator_step()
        with tf.GradientTape() as tape:
            g_loss, _ = gan.generator_objective(real, generator(noise.normal(shape), training=True))
        variables = generator.trainable_variables
        g_optimizer.apply(tape.gradient(g_loss, variables), variables)
        return d_loss, g_loss

    def run(steps):
        for i, real in enumerate(dataset.take(steps)):
            train_step(real)  # synchronous on CPU
            if i == 0:
                start = _clocks()
        end = _clocks()
        return end[0] - start[0], end[1] - start[1]

    return run


def _twin_gans(cls, policy, latent_dim):
    """Two GANs of class ``cls`` with the same weights, built under ``policy``."""
    import keras

    keras.mixed_precision.set_global_policy(policy)
    try:
        nets = cls.build_networks(IMAGE_SHAPE, latent_dim)
        twin_nets = cls.build_networks(IMAGE_SHAPE, latent_dim)
        for net, twin in zip(nets, twin_nets):
            twin.set_weights(net.get_weights())
        gans = [cls(generator=g, discriminator=d, latent_dim=latent_dim, seed=0) for g, d in (nets, twin_nets)]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    gans[0].compile()
    return gans


def _images():
    """Fashion-MNIST train images, float32 in [-1, 1], as one tensor."""
    import tensorflow as tf

    from ganzoo import data

    batch = next(iter(data.load("fashion_mnist", batch_size=60_000, shuffle=False)))
    return tf.convert_to_tensor(batch)


def _in_memory(images, batch_size):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(images).batch(batch_size, drop_remainder=True).repeat()


def _median(values):
    import numpy as np

    return float(np.median(values))


def _paired(a, b, cpu=False):
    """Median over rounds of a[i] / b[i] (img/s, or img per CPU-second)."""
    if cpu:
        return _median([x / y for x, y in zip(a.img_cpu_s, b.img_cpu_s)])
    return _median([x / y for x, y in zip(a.img_s, b.img_s)])


def build_runs(names, batch_size, latent_dim):
    import ganzoo
    from ganzoo import data

    images = _images()
    in_memory = _in_memory(images, batch_size)
    runs = []
    for name in names:
        cls = ganzoo.models.get(name)
        for precision, policy in PRECISIONS.items():
            ours, twin = _twin_gans(cls, policy, latent_dim)
            runs.append(Run(("ganzoo", name, precision), _fit_runner(ours, in_memory)))
            runs.append(Run(("plain", name, precision), _plain_runner(twin, in_memory, batch_size)))
    pipeline = data.load("fashion_mnist", batch_size=batch_size, seed=0, repeat=True)
    for precision, policy in PRECISIONS.items():
        for kind, dataset in (("pipeline", pipeline), ("in_memory", in_memory)):
            gan, _ = _twin_gans(ganzoo.models.get("vanilla"), policy, latent_dim)
            runs.append(Run((kind, "vanilla", precision), _fit_runner(gan, dataset)))
    return runs


def measure(runs, rounds, seconds, batch_size, log=print):
    for run in runs:  # warm-up: tracing, caches, then calibrate the length
        run.run(3)
        wall, cpu = run.run(4)
        # Calibrated on CPU time, which contention does not inflate.
        per_step = min(wall, cpu) / 3
        run.steps = max(5, int(round(seconds / per_step)) + 1)
        log(f"warm {run.key}: {wall / 3 * 1000:.0f} ms/step, {run.steps} steps per run")
    for r in range(rounds):
        order = runs if r % 2 == 0 else runs[::-1]
        for run in order:
            wall, cpu = run.run(run.steps)
            run.img_s.append((run.steps - 1) * batch_size / wall)
            run.img_cpu_s.append((run.steps - 1) * batch_size / cpu)
        log(f"round {r + 1}/{rounds} done, load average {os.getloadavg()[0]:.1f}")


def table(runs, names):
    by_key = {run.key: run for run in runs}
    lines = [
        "| variant | precision | ganzoo img/s | plain img/s | ganzoo/plain | ganzoo/plain (CPU time) "
        "| bf16/fp32 | bf16/fp32 (CPU time) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    summary = {}
    for name in names:
        for precision in PRECISIONS:
            ours, plain = by_key[("ganzoo", name, precision)], by_key[("plain", name, precision)]
            ratio, cpu_ratio = _paired(ours, plain), _paired(ours, plain, cpu=True)
            summary[f"{name}/{precision}/ganzoo_over_plain"] = [ratio, cpu_ratio]
            cells = [name, precision, f"{_median(ours.img_s):.0f}", f"{_median(plain.img_s):.0f}",
                     f"{ratio:.3f}", f"{cpu_ratio:.3f}"]
            if precision == "bf16":
                fp32 = by_key[("ganzoo", name, "fp32")]
                speedup, cpu_speedup = _paired(ours, fp32), _paired(ours, fp32, cpu=True)
                summary[f"{name}/bf16_over_fp32"] = [speedup, cpu_speedup]
                cells += [f"{speedup:.2f}", f"{cpu_speedup:.2f}"]
            else:
                cells += ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| VanillaGAN `fit` on | precision | pipeline img/s | in-memory img/s "
        "| pipeline/in-memory | pipeline/in-memory (CPU time) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for precision in PRECISIONS:
        pipe, mem = by_key[("pipeline", "vanilla", precision)], by_key[("in_memory", "vanilla", precision)]
        ratio, cpu_ratio = _paired(pipe, mem), _paired(pipe, mem, cpu=True)
        summary[f"pipeline_over_in_memory/{precision}"] = [ratio, cpu_ratio]
        lines.append(
            f"| `ganzoo.data.load(\"fashion_mnist\")` vs an in-memory tensor | {precision} "
            f"| {_median(pipe.img_s):.0f} | {_median(mem.img_s):.0f} | {ratio:.3f} | {cpu_ratio:.3f} |"
        )
    return "\n".join(lines), summary


def verdict(summary):
    """One line per target: how many of its ratios meet it, by each clock."""
    targets = (
        ("ganzoo/plain ≥ 0.97", "ganzoo_over_plain", 0.97),
        ("bf16/fp32 ≥ 1.2", "bf16_over_fp32", 1.2),
        ("pipeline/in-memory ≥ 0.97", "pipeline_over_in_memory", 0.97),
    )
    lines = []
    for label, tag, threshold in targets:
        pairs = [(key, v) for key, v in summary.items() if tag in key]
        wall = sum(v[0] >= threshold for _, v in pairs)
        cpu = sum(v[1] >= threshold for _, v in pairs)
        worst = min(pairs, key=lambda kv: kv[1][1])
        lines.append(
            f"- {label}: met by {cpu}/{len(pairs)} in CPU time (lowest {worst[1][1]:.3f}, "
            f"{worst[0]}), by {wall}/{len(pairs)} in wall-clock time."
        )
    return "\n".join(lines)


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    import ganzoo
    from _results import machine, write_section

    names = FLAGS.models or sorted(ganzoo.models.MODELS)
    load_before = os.getloadavg()
    started = time.time()
    runs = build_runs(names, FLAGS.batch_size, FLAGS.latent_dim)
    measure(runs, FLAGS.rounds, FLAGS.seconds, FLAGS.batch_size)
    text, summary = table(runs, names)
    load_after = os.getloadavg()
    minutes = (time.time() - started) / 60
    command = "python benchmarks/train_throughput.py " + " ".join(
        f"--{k}={FLAGS[k].value if k != 'models' else ','.join(FLAGS[k].value)}"
        for k in ("batch_size", "latent_dim", "rounds", "seconds")
    ) + (f" --models={','.join(FLAGS.models)}" if FLAGS.models else "")
    flags_avx = _cpu_flags()
    body = "\n".join(
        [
            "## Training throughput: `fit` vs a plain `tf.function` loop",
            "",
            f"Machine: {machine()}; CPU flags {flags_avx}; TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}, no GPU. Load average (1 min) {load_before[0]:.1f} before "
            f"and {load_after[0]:.1f} after the {minutes:.0f}-minute run "
            "(other processes shared the CPU: absolute img/s are noisy, the paired ratios less so).",
            "",
            f"Command: `{command}`",
            "",
            f"DCGAN nets from each variant's `build_networks({IMAGE_SHAPE}, latent_dim="
            f"{FLAGS.latent_dim})`, batch {FLAGS.batch_size}, default optimizers and "
            f"`d_steps`, Fashion-MNIST train images. img/s: wall clock, median over {FLAGS.rounds} "
            "interleaved rounds; ratios: median of the per-round ratios, of wall-clock img/s and "
            "of images per CPU-second of the benchmark process (all its threads, tf.data's "
            "included), which other processes on the CPU barely disturb. "
            "Targets: ganzoo/plain ≥ 0.97, bf16/fp32 ≥ 1.2, pipeline/in-memory ≥ 0.97.",
            "",
            text,
            "",
            "Targets:",
            "",
            verdict(summary),
        ]
    )
    print(body)
    print(json.dumps(summary, indent=1))
    if FLAGS.write:
        write_section(SECTION, body)


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            flags_line = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return ", ".join(flag for flag in wanted if flag in flags_line) or "no AVX2"


if __name__ == "__main__":
    app.run(main)
