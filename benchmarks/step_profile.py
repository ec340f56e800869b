r"""Where the default DCGAN step's time goes, in float32: TensorFlow (oneDNN
off and on) against the PyTorch replica, op category by op category.

    python benchmarks/step_profile.py                 # a quiet machine; needs torch for its half
    python benchmarks/step_profile.py --steps=20 --batch_size=128

Each framework runs in its own process with the same weights
(`torch_peer_driver.write_setup`), warms up, then profiles ``--steps`` steps:

* **TensorFlow**: ``tf.function(gan.train_step)`` of VanillaGAN's default nets
  under ``tf.profiler.experimental`` (the trace's XPlane: every op execution,
  named ``scope/op:OpType``), once with ``TF_ENABLE_ONEDNN_OPTS=0`` and once
  with ``=1``. TensorFlow leaves oneDNN off on CPUs without AVX-512
  VNNI/BF16 or AMX, as it does on this AVX2 host.
* **PyTorch**: `torch_peer.make_train_step` under ``torch.profiler``, each
  aten op's self CPU time.

Op times are summed per category: convolutions (every pass, transposed
ones included), dense matmuls, batch norm (TensorFlow: every op in a
normalization layer's scope; torch: ``native_batch_norm`` and its backward),
the optimizer (Adam's updates), and the rest (activations, losses, random
numbers, copies). Ops of one framework can run in parallel on the two cores,
so the categories' op times (each op's duration, itself spread over both
cores) can add up to more than the step's wall time, which is measured
apart, without the profiler. The parser reads the XPlane through
``tensorflow.tsl.profiler.protobuf.xplane_pb2``, TensorFlow's own protobuf
module of the trace format, not a documented API: this script is a
benchmark, not ganzoo.
"""

import collections
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS


def define_flags():
    """Defined only when run as a program, so that tests can import this module
    beside ganzoo.train, whose flags share names with these."""
    flags.DEFINE_integer("batch_size", 64, "Batch size.")
    flags.DEFINE_integer("steps", 20, "Profiled (and, apart, timed) steps.")
    flags.DEFINE_enum("child", None, ["tensorflow", "torch"], "Internal: profile one framework.")
    flags.DEFINE_string("setup", None, "Internal: torch_peer_driver setup file.")

CATEGORIES = ("convolution", "dense matmul", "batch norm", "optimizer", "other")
TF_CONV = ("Conv2D", "_FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "_MklConv2D",
           "_MklNativeConv2D", "_MklNativeFusedConv2D", "_MklNativeConv2DBackpropInput",
           "_MklNativeConv2DBackpropFilter", "_MklFusedConv2D")
TF_MATMUL = ("MatMul", "_FusedMatMul", "_MklMatMul", "_MklFusedMatMul", "_MklNativeFusedMatMul", "BatchMatMulV2")


def tensorflow_category(name, op_type):
    """The category of a TensorFlow op ``name`` (its scope path) of ``op_type``."""
    if "/norm_" in name or "batch_normalization" in name:
        return "batch norm"
    if op_type in TF_CONV:
        return "convolution"
    if op_type in TF_MATMUL:
        return "dense matmul"
    if "adam" in name.lower() or op_type.startswith("ResourceApply"):
        return "optimizer"
    return "other"


def torch_category(event):
    """The category of a torch profiler event (for its self time): the
    optimizer's when it runs inside ``Optimizer.step``, else by its name."""
    parent, name = event.cpu_parent, event.name
    while parent is not None:
        if parent.name.startswith("Optimizer.step"):
            return "optimizer"
        parent = parent.cpu_parent
    if "convolution" in name or "conv_transpose" in name or "conv2d" in name:
        return "convolution"
    if name in ("aten::addmm", "aten::mm", "aten::matmul", "aten::linear"):
        return "dense matmul"
    if "batch_norm" in name:
        return "batch norm"
    if name.startswith("Optimizer.step"):
        return "optimizer"
    return "other"


def _wall_ms(step, real, steps):
    """Median ms per step over ``steps`` steps, each synchronised by a read-back."""
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step(real)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def xplane_op_times(logdir):
    """``{(name, op_type): ms}`` of every op of the newest trace under ``logdir``."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    path = sorted(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True))[-1]
    space = xplane_pb2.XSpace()
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    times = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" in name and "::" not in name:  # "scope/op:OpType"
                    op, op_type = (part.strip() for part in name.rsplit(":", 1))
                    if not op_type.startswith("__inference"):  # the function call that holds them all
                        times[(op, op_type)] += event.duration_ps / 1e9
    return times


def _child_tensorflow(setup, batch_size, steps):
    import keras
    import numpy as np
    import tensorflow as tf

    import ganzoo

    keras.utils.set_random_seed(0)  # the weights that main() wrote for torch
    generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=128, seed=0)
    gan.compile()
    data = np.load(setup)
    real = tf.constant(data["real"][:batch_size])
    step = tf.function(gan.train_step)
    sync = lambda r: step(r)["d_loss"].numpy()  # noqa: E731
    for _ in range(5):
        sync(real)
    wall = _wall_ms(sync, real, steps)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        for _ in range(steps):
            sync(real)
        tf.profiler.experimental.stop()
        ops = xplane_op_times(logdir)
    by_category = collections.Counter()
    for (name, op_type), ms in ops.items():
        by_category[tensorflow_category(name, op_type)] += ms / steps
    top = collections.Counter()
    for (_, op_type), ms in ops.items():
        top[op_type] += ms / steps
    return {"wall_ms": wall, "categories": dict(by_category), "top": top.most_common(12)}


def _child_torch(setup, batch_size, steps):
    import numpy as np
    import torch
    from torch.profiler import ProfilerActivity, profile

    import torch_peer

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    data, specs, weights = torch_peer.read_setup(setup)
    g_twin, d_twin = (torch_peer.build_net(specs[net], weights, net) for net in ("g", "d"))
    step = torch_peer.make_train_step(g_twin, d_twin, batch_size, 128, False)
    real = torch.from_numpy(np.transpose(data["real"][:batch_size], (0, 3, 1, 2)).copy())
    for _ in range(5):
        step(real)
    wall = _wall_ms(step, real, steps)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step(real)
    by_category, top = collections.Counter(), collections.Counter()
    for event in prof.events():
        ms = event.self_cpu_time_total / 1e3 / steps
        by_category[torch_category(event)] += ms
        top[event.name] += ms
    return {"wall_ms": wall, "categories": dict(by_category), "top": top.most_common(12)}


def _run_child(framework, setup, onednn=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if onednn is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = onednn
    command = [sys.executable, os.path.abspath(__file__), f"--child={framework}", f"--setup={setup}",
               f"--batch_size={FLAGS.batch_size}", f"--steps={FLAGS.steps}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        raise RuntimeError(f"{framework} child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(results):
    """A markdown table: ms per step by category, one column per run."""
    names = list(results)
    lines = ["| ms per step | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines.append("| wall time (no profiler) | " + " | ".join(f"{results[n]['wall_ms']:.1f}" for n in names) + " |")
    for category in CATEGORIES:
        cells = [f"{results[n]['categories'].get(category, 0.0):.1f}" for n in names]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    totals = [f"{sum(results[n]['categories'].values()):.1f}" for n in names]
    lines.append("| all ops | " + " | ".join(totals) + " |")
    for name in names:
        tops = ", ".join(f"{op} {ms:.1f}" for op, ms in results[name]["top"])
        lines.append(f"\n{name}, largest op types (op ms per step): {tops}")
    return "\n".join(lines)


def main(argv):
    del argv
    if FLAGS.child == "tensorflow":
        return print(json.dumps(_child_tensorflow(FLAGS.setup, FLAGS.batch_size, FLAGS.steps)))
    if FLAGS.child == "torch":
        return print(json.dumps(_child_torch(FLAGS.setup, FLAGS.batch_size, FLAGS.steps)))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    import ganzoo
    import torch_peer_driver as driver

    print(f"TensorFlow {tf.__version__}, batch {FLAGS.batch_size}, {FLAGS.steps} steps, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        setup = os.path.join(directory, "setup.npz")
        import keras

        keras.utils.set_random_seed(0)
        nets = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
        images = driver.from_codes(tf.random.stateless_uniform((256, 28, 28, 1), (0, 1), 0, 256, tf.int32)
                                   .numpy().astype("uint8"))
        driver.write_setup(setup, nets, images, FLAGS.batch_size)
        results = {"TF oneDNN off": _run_child("tensorflow", setup, "0"),
                   "TF oneDNN on": _run_child("tensorflow", setup, "1")}
        if driver.available():
            results["PyTorch"] = _run_child("torch", setup)
        else:
            print("torch is not installed: the PyTorch column is skipped")
    print(report(results))
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    define_flags()
    app.run(main)
