r"""Where mixed_bfloat16 differs from torch autocast on the default DCGAN step,
by counting (not timing) what runs: see benchmarks/bf16_profile.md.

    python benchmarks/bf16_profile.py            # needs torch for its half

For VanillaGAN's default nets, batch ``--batch_size``, fp32 and bf16:

1. **The traced graph** of ``tf.function(gan.train_step)`` (TensorFlow's
   op graph before Grappler): op counts by type, the Cast ops, how many of
   them cast a variable (a ReadVariableOp's output), and the dtype each
   batch-norm layer computes in.
2. **The oneDNN primitives** that one training step executes, from
   ``ONEDNN_VERBOSE=1`` (each framework in its own process, after warm-up
   steps): count by primitive kind, implementation and source dtype, for
   TensorFlow (`gan.train_step`) and for the PyTorch replica of
   `torch_peer.py` (`make_train_step`). oneDNN's own per-primitive times are
   summed too, but only counts survive a busy CPU.
3. **float32 accuracy**: the worst relative difference of TensorFlow's
   float32 values (G's images, D's logits, losses, gradients) to float64
   copies of the same nets, for ``--seeds`` initializations, on the first
   Fashion-MNIST batch. Run it with ``TF_ENABLE_ONEDNN_OPTS=0`` too.

Counts do not depend on the load of the machine; the times do.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 64, "Batch size.")
flags.DEFINE_list("sections", ["graph", "onednn", "accuracy"], "What to profile: graph, onednn, accuracy.")
flags.DEFINE_integer("seeds", 4, "Initializations of the float32 accuracy check.")
flags.DEFINE_enum("child", None, ["tensorflow", "torch"], "Internal: run one framework's step under ONEDNN_VERBOSE.")
flags.DEFINE_string("precision", "bf16", "Internal: fp32 or bf16 (with --child).")
flags.DEFINE_string("setup", None, "Internal: torch_peer_driver setup file (with --child=torch).")

POLICIES = {"fp32": "float32", "bf16": "mixed_bfloat16"}
MARK = "=== profiled step ==="


def _gan(policy):
    import keras

    import ganzoo

    keras.mixed_precision.set_global_policy(policy)
    try:
        generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=128, seed=0)
    gan.compile()
    return gan


# Op types whose dtypes show where the step computes what.
WATCHED = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MatMul", "Mean", "SquaredDifference",
           "Rsqrt", "Relu", "LeakyRelu", "Tanh", "Softplus")


def graph_counts(precision, batch_size):
    """Op counts of the traced train step (before Grappler's rewrites)."""
    import tensorflow as tf

    gan = _gan(POLICIES[precision])
    graph = tf.function(gan.train_step).get_concrete_function(
        tf.TensorSpec((batch_size, 28, 28, 1), tf.float32)).graph
    ops = graph.get_operations()
    casts = [op for op in ops if op.type == "Cast"]
    variable_casts = [op for op in casts if op.inputs[0].op.type == "ReadVariableOp"]
    directions = collections.Counter(f"{op.inputs[0].dtype.name}→{op.outputs[0].dtype.name}" for op in casts)
    watched = collections.Counter(f"{op.type}:{op.outputs[0].dtype.name}" for op in ops if op.type in WATCHED)
    return {"ops": len(ops), "casts": len(casts), "casts of variables": len(variable_casts),
            "cast directions": dict(directions), "FusedBatchNorm* ops": sum("FusedBatchNorm" in op.type for op in ops),
            "op:dtype": dict(sorted(watched.items()))}


def float32_errors(seeds, batch_size):
    """``[(seed, worst, name)]``: TensorFlow float32 against float64."""
    import keras
    import numpy as np

    import ganzoo
    import torch_peer_driver as driver
    from ganzoo import data

    real = next(iter(data.load("fashion_mnist", batch_size=batch_size, shuffle=False))).numpy()
    errors = []
    for seed in range(seeds):
        keras.utils.set_random_seed(seed)
        nets = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
        z_d, z_g = np.random.default_rng(seed).standard_normal((2, batch_size, 128), np.float32)
        reference = driver.keras_values(*driver.copies(nets, "float64"), real, z_d, z_g)
        float32 = driver.keras_values(*driver.copies(nets, "float32"), real, z_d, z_g)
        errors.append((seed, *driver.worst_difference(reference, float32)))
    return errors


def _child_tensorflow(precision, batch_size):
    import tensorflow as tf

    step = tf.function(_gan(POLICIES[precision]).train_step)
    real = tf.random.stateless_uniform((batch_size, 28, 28, 1), (0, 0), -1, 1)
    for _ in range(3):
        step(real)
    print(MARK, flush=True)
    step(real)
    print(MARK, flush=True)


def _child_torch(precision, batch_size, path):
    import torch

    import torch_peer

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    _, specs, weights = torch_peer.read_setup(path)
    g_twin, d_twin = (torch_peer.build_net(specs[net], weights, net) for net in ("g", "d"))
    step = torch_peer.make_train_step(g_twin, d_twin, batch_size, 128, precision == "bf16")
    real = torch.rand(batch_size, 1, 28, 28) * 2 - 1
    for _ in range(3):
        step(real)
    print(MARK, flush=True)
    step(real)
    print(MARK, flush=True)


def primitives(lines):
    """``{(kind, propagation, implementation, source dtype): [count, ms]}`` of
    the ONEDNN_VERBOSE ``exec`` lines between the two marks."""
    inside, counts = False, collections.defaultdict(lambda: [0, 0.0])
    for line in lines:
        if line.strip() == MARK:
            inside = not inside
            continue
        fields = line.strip().split(",")
        if not inside or not fields[0].startswith("onednn_verbose") or "exec" not in fields:
            continue
        i = fields.index("exec")  # exec, engine, kind, implementation, propagation, memory descriptors, ...
        kind, implementation, propagation, memories = fields[i + 2], fields[i + 3], fields[i + 4], fields[i + 5]
        # "src:bf16::blocked:..." (primitives) or "src_f32::blocked:..." (gemm_api)
        source = next((m.split(":")[1] if m.startswith("src:") else m[4:].split(":")[0]
                       for m in memories.split() if m.startswith(("src:", "src_"))), "?")
        key = (kind, propagation, implementation or "-", source)
        counts[key][0] += 1
        counts[key][1] += float(fields[-1])
    return dict(counts)


def _run_child(framework, precision, setup):
    command = [sys.executable, os.path.abspath(__file__), f"--child={framework}", f"--precision={precision}",
               f"--batch_size={FLAGS.batch_size}"] + ([f"--setup={setup}"] if setup else [])
    env = {**os.environ, "ONEDNN_VERBOSE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200, check=True)
    return primitives(result.stdout.splitlines())


def main(argv):
    del argv
    if FLAGS.child == "tensorflow":
        return _child_tensorflow(FLAGS.precision, FLAGS.batch_size)
    if FLAGS.child == "torch":
        return _child_torch(FLAGS.precision, FLAGS.batch_size, FLAGS.setup)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    import torch_peer_driver as driver

    print(f"TensorFlow {tf.__version__}, TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}, "
          f"batch {FLAGS.batch_size}, load average {os.getloadavg()[0]:.1f}")
    for precision in POLICIES if "graph" in FLAGS.sections else ():
        counts = graph_counts(precision, FLAGS.batch_size)
        print(f"\n## Traced train_step graph, {precision}\n" + "\n".join(f"- {k}: {v}" for k, v in counts.items()))
    if "accuracy" in FLAGS.sections:
        print("\n## TensorFlow float32 against float64 (worst relative difference)")
        for seed, worst, name in float32_errors(FLAGS.seeds, FLAGS.batch_size):
            print(f"- seed {seed}: {worst:.1e} ({name})")
    if "onednn" not in FLAGS.sections:
        return
    with tempfile.TemporaryDirectory() as directory:
        setup = None
        if driver.available():
            gan = _gan("float32")
            images = driver.from_codes(tf.random.stateless_uniform((256, 28, 28, 1), (0, 1), 0, 256, tf.int32)
                                       .numpy().astype("uint8"))
            setup = os.path.join(directory, "setup.npz")
            driver.write_setup(setup, (gan.generator, gan.discriminator), images, FLAGS.batch_size)
        for precision in POLICIES:
            for framework in ("tensorflow", "torch") if setup else ("tensorflow",):
                counts = _run_child(framework, precision, setup)
                total = sum(c for c, _ in counts.values())
                print(f"\n## oneDNN primitives of one step: {framework} {precision} ({total} executions, "
                      f"{sum(t for _, t in counts.values()):.0f} ms by oneDNN's clock, load "
                      f"{os.getloadavg()[0]:.1f})\n| kind | pass | implementation | src dtype | count | ms |\n"
                      "|---|---|---|---|---:|---:|")
                for key, (count, ms) in sorted(counts.items()):
                    print(f"| {' | '.join(key)} | {count} | {ms:.1f} |")
    if not setup:
        print("\ntorch is not installed: the PyTorch half is skipped")


if __name__ == "__main__":
    app.run(main)
