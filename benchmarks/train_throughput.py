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
  meters, no SeedGenerator;
* **torch** (VanillaGAN; when torch is installed, ``--peer=none`` to skip):
  a PyTorch replica of the same nets, step, weights and batches, in its own
  process (`benchmarks/torch_peer.py`), checked on start against the Keras
  nets (images, logits, losses, all gradients; worst relative difference).

It also fits VanillaGAN on the real input pipeline
(``ganzoo.data.load("fashion_mnist", repeat=True)``: map, cache, shuffle,
prefetch) against a dataset sliced from the same images held in one
in-memory tensor, so that the pipeline is shown never to be the bottleneck.

The CPU is usually shared, so the measurements are interleaved: every round
times every (trainer, variant, precision) once, in an order that alternates
between rounds; ratios are the median over rounds of the ratio measured in
the same round. Each timing skips the first step of its run (iterator start,
`fit` set-up), and tracing happens in a warm-up run. Targets on a 2-core CPU:
ganzoo/plain ≥ 0.97, bf16/fp32 ≥ 1.2, pipeline/in-memory ≥ 0.97, and
ganzoo/PyTorch ≥ 1.15 in fp32 and ≥ 1.0 in bf16.

Writes its tables into benchmarks/RESULTS.md (section ``--section``).
"""

import dataclasses
import json
import os
import sys
import tempfile
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 64, "Global batch size of every trainer.")
flags.DEFINE_integer("latent_dim", 128, "Size of z.")
flags.DEFINE_integer("rounds", 9, "Interleaved measurement rounds.")
flags.DEFINE_float("seconds", 1.5, "Target CPU seconds of one timed run.")
flags.DEFINE_list("models", [], "Variants to time: ganzoo.models.MODELS names and the stabiliser rows of "
                  "throughput_options.ROWS (default: all).")
flags.DEFINE_bool("write", True, "Write the table into benchmarks/RESULTS.md.")
flags.DEFINE_string("section", "train_throughput", "Section of benchmarks/RESULTS.md to write.")
flags.DEFINE_enum("peer", "auto", ["auto", "torch", "none"],
                  "The PyTorch replica of VanillaGAN (benchmarks/torch_peer.py): auto runs it when torch is installed.")
flags.DEFINE_integer("peer_threads", 0, "torch threads of the peer (0: every core this process may use).")
flags.DEFINE_list("precisions", ["fp32", "bf16"], "Of fp32, bf16 (mixed_bfloat16: slow on CPUs without "
                  "AVX512-BF16 or AMX, where oneDNN emulates it).")
flags.DEFINE_bool("pipeline", True, "Also time fit on ganzoo.data's pipeline against an in-memory dataset.")

IMAGE_SHAPE = (28, 28, 1)
PRECISIONS = {"fp32": "float32", "bf16": "mixed_bfloat16"}


@dataclasses.dataclass
class Run:
    """One timed trainer: ``run(steps)`` trains ``steps`` steps and returns
    the (wall, CPU) seconds of all but the first."""

    key: tuple  # (kind, variant, precision), kind in ganzoo/plain/torch/pipeline/in_memory
    run: object
    steps: int = 0  # steps per timed run, calibrated in the warm-up
    img_s: list = dataclasses.field(default_factory=list)  # wall-clock, one per round
    img_cpu_s: list = dataclasses.field(default_factory=list)  # per CPU-second of this process


def _clocks():
    # Wall time, and the CPU time of all this process's threads (TF's pools,
    # tf.data's): the latter barely moves when other processes share the CPU.
    return time.perf_counter(), time.process_time()


def _precisions():
    unknown = set(FLAGS.precisions) - set(PRECISIONS)
    if unknown or not FLAGS.precisions:
        raise app.UsageError(f"--precisions must be some of {list(PRECISIONS)}; got {FLAGS.precisions}")
    return [(p, PRECISIONS[p]) for p in PRECISIONS if p in FLAGS.precisions]


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


def _plain_runner(gan, dataset, batch_size, terms):
    """The hand-written loop, on ``gan``'s nets (a copy of the ganzoo one's),
    with ``terms`` (`throughput_options.PlainTerms`) written out by hand."""
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
                real_logits, fake_logits, input_tape = terms.d_logits(gan, real, fake)
                d_loss = gan.discriminator_loss(real_logits, fake_logits)
                d_loss += terms.r1(input_tape, real_logits, real, d_optimizer)
                for term in gan.discriminator_regularizers(real, fake, real_logits, fake_logits, None).values():
                    d_loss += term
            variables = discriminator.trainable_variables
            d_optimizer.apply(tape.gradient(d_loss, variables), variables)
            gan.after_discriminator_step()
        with tf.GradientTape() as tape:
            g_loss, _ = gan.generator_objective(real, terms.augment(generator(noise.normal(shape), training=True)))
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


def _twin_gans(name, policy, latent_dim):
    """ganzoo's GAN of row ``name`` and its plain twin (the hand-written
    options off), with the same weights, built under ``policy``."""
    import keras

    import ganzoo
    from throughput_options import model_and_options

    model, options, twin_options = model_and_options(name)
    cls = ganzoo.models.get(model)

    keras.mixed_precision.set_global_policy(policy)
    try:
        nets = cls.build_networks(IMAGE_SHAPE, latent_dim)
        twin_nets = cls.build_networks(IMAGE_SHAPE, latent_dim)
        for net, twin in zip(nets, twin_nets):
            twin.set_weights(net.get_weights())
        gans = [cls(generator=g, discriminator=d, latent_dim=latent_dim, seed=0, **kw)
                for (g, d), kw in ((nets, options), (twin_nets, twin_options))]
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

    options = tf.data.Options()
    # Nothing to tune here; with autotuning on, fit returned up to seconds late (fit_return_latency.py).
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(batch_size, drop_remainder=True)
    return dataset.repeat().with_options(options)


def _torch_run(gan, images, batch_size, precision, directory):
    """The PyTorch replica of ``gan``'s nets and step, in its own process."""
    import torch_peer_driver as driver

    path = os.path.join(directory, f"torch_{precision}.npz")
    tf_rounding = driver.write_setup(path, (gan.generator, gan.discriminator), images.numpy(), batch_size)
    # By default as many threads as TensorFlow's default pools: every core this process may use.
    peer = driver.Peer(path, batch_size, precision, threads=FLAGS.peer_threads or len(os.sched_getaffinity(0)))
    peer.check["tensorflow_float32"] = tf_rounding
    print(f"torch peer {precision}: {peer.check}")
    return Run(("torch", "vanilla", precision), peer.run), peer


def build_runs(names, batch_size, latent_dim, peer=False, pipeline=True, directory=None):
    """``(runs, peers)``: the timed runs, and the torch `Peer`s to close."""
    from throughput_options import PlainTerms, model_and_options

    from ganzoo import data

    images = _images()
    in_memory = _in_memory(images, batch_size)
    runs, peers = [], []
    for name in names:
        for precision, policy in _precisions():
            ours, twin = _twin_gans(name, policy, latent_dim)
            runs.append(Run(("ganzoo", name, precision), _fit_runner(ours, in_memory)))
            terms = PlainTerms(model_and_options(name)[1])
            runs.append(Run(("plain", name, precision), _plain_runner(twin, in_memory, batch_size, terms)))
            if peer and name == "vanilla":
                run, process = _torch_run(ours, images, batch_size, precision, directory)
                runs.append(run)
                peers.append(process)
    if not pipeline:
        return runs, peers
    pipeline = data.load("fashion_mnist", batch_size=batch_size, seed=0, repeat=True)
    for precision, policy in _precisions():
        for kind, dataset in (("pipeline", pipeline), ("in_memory", in_memory)):
            gan, _ = _twin_gans("vanilla", policy, latent_dim)
            runs.append(Run((kind, "vanilla", precision), _fit_runner(gan, dataset)))
    return runs, peers


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


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    import ganzoo
    from _results import cpu_flags, machine, write_section
    from throughput_report import table, verdict

    import throughput_options
    import torch_peer_driver

    names = FLAGS.models or sorted(ganzoo.models.MODELS) + list(throughput_options.ROWS)
    if FLAGS.peer == "torch" and not torch_peer_driver.available():
        raise app.UsageError("--peer=torch needs torch installed (pip install torch; a CPU wheel does)")
    peer = FLAGS.peer != "none" and "vanilla" in names and torch_peer_driver.available()
    if FLAGS.peer == "auto" and "vanilla" in names and not peer:
        print("torch is not installed: the PyTorch peer is skipped")
    load_before = os.getloadavg()
    started = time.time()
    with tempfile.TemporaryDirectory() as directory:
        runs, peers = build_runs(names, FLAGS.batch_size, FLAGS.latent_dim, peer, FLAGS.pipeline, directory)
        measure(runs, FLAGS.rounds, FLAGS.seconds, FLAGS.batch_size)
        for process in peers:  # (a peer also exits when this process does)
            process.close()
    text, summary = table(runs, names)
    load_after = os.getloadavg()
    minutes = (time.time() - started) / 60
    command = "python benchmarks/train_throughput.py " + " ".join(
        f"--{k}={FLAGS[k].value if k != 'models' else ','.join(FLAGS[k].value)}"
        for k in ("batch_size", "latent_dim", "rounds", "seconds", "peer", "peer_threads", "pipeline", "section")
    ) + f" --precisions={','.join(FLAGS.precisions)}" + (f" --models={','.join(FLAGS.models)}" if FLAGS.models else "")
    checks = "; ".join(f"{c['float64'][0]:.1e} (float32: torch {c['float32'][0]:.1e}, TensorFlow "
                       f"{c['tensorflow_float32'][0]:.1e})" for c in (p.check for p in peers))
    body = "\n".join(
        [
            "## Training throughput: `fit` vs a plain `tf.function` loop",
            "",
            f"Machine: {machine()}; CPU flags {cpu_flags()}; TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}, TF_ENABLE_ONEDNN_OPTS {os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}, "
            f"no GPU. Load average (1 min) {load_before[0]:.1f} before "
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
            "Targets: ganzoo/plain ≥ 0.97, bf16/fp32 ≥ 1.2, pipeline/in-memory ≥ 0.97, "
            "ganzoo/PyTorch ≥ 1.15 (fp32) and ≥ 1.0 (bf16).",
            "",
            f"PyTorch: `benchmarks/torch_peer.py` in its own process, torch {peers[0].check['torch']}, "
            f"{peers[0].check['threads']} threads, OMP_WAIT_POLICY {peers[0].check['omp_wait_policy']}. Worst relative difference, over G's images, D's logits, "
            "both losses and all gradients, of a float64 twin to float64 copies of the Keras nets after "
            f"the weight transfer (fp32 run; bf16 run): {checks}." if peers else "No PyTorch peer.",
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
        write_section(FLAGS.section, body)


if __name__ == "__main__":
    app.run(main)
