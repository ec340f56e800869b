r"""How the cost of training and of evaluation grows, and how close the
training step runs to this CPU's peak.

    python benchmarks/cost_scaling.py
    python benchmarks/cost_scaling.py --batch_sizes=32,64 --image_sizes=28 --eval_samples=1000 --no_write

Three tables, each setting measured in its own fresh process, one after the
other, so that its peak resident memory (``ru_maxrss``) is its own:

1. **Training vs batch size and image size.** VanillaGAN (the default:
   non-saturating loss, batch-norm DCGAN nets from ``build_networks``,
   Adam(2e-4, 0.5)), ``fit`` on random images held in memory (throughput does
   not depend on pixel values), for ``--seconds`` after a warm-up. Batch
   sizes at 28 px; image sizes (28, 32, 64 px, one channel: the nets of
   `ganzoo.architectures.dcgan_generator` for that side) at batch 64.
2. **Achieved GFLOP/s.** The step's floating-point work is counted from the
   nets' layers: a convolution costs 2·H_out·W_out·C_out·k_h·k_w·C_in per
   image, a transposed one 2·H_in·W_in·C_in·k_h·k_w·C_out, a dense layer
   2·in·out; normalisations and activations are left out. One step of the
   alternating algorithm is then 4·G + 8·D forward costs per image of the
   batch: G forward for D's update (1), G forward and backward for G's
   (backward ≈ 2 forwards: 3), D forward and backward on the real and the
   fake half (2 × 3), and D forward and input-gradient backward in G's update
   (2). Peak = cores × clock × FLOP/cycle/core, with 2 FMA units of the widest
   vector the CPU flags list (AVX-512: 64 fp32 FLOP/cycle, AVX2+FMA: 32) and
   the clock /proc/cpuinfo reports; boost clocks make the true peak higher.
3. **Evaluation vs number of samples.** ``ganzoo.evaluate.evaluate`` of the
   zoo's ``fashion_mnist_vanilla`` with all seven metrics, ``num_samples``
   generated and as many real images, with a cold reference-statistics cache
   (so the real pass is counted).

Writes section ``cost_scaling`` of benchmarks/RESULTS.md.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ALL_METRICS = "is,fid,kid,precision,recall,density,coverage"


def layer_flops(layer):
    """Forward FLOPs per image of one Conv2D, Conv2DTranspose or Dense layer (else 0)."""
    import keras

    if isinstance(layer, keras.layers.Conv2DTranspose):
        _, h, w, c_in = layer.input.shape
        kh, kw = layer.kernel_size
        return 2 * h * w * c_in * kh * kw * layer.filters
    if isinstance(layer, keras.layers.Conv2D):
        _, h, w, c_out = layer.output.shape
        kh, kw = layer.kernel_size
        return 2 * h * w * c_out * kh * kw * layer.input.shape[-1]
    if isinstance(layer, keras.layers.Dense):
        return 2 * layer.input.shape[-1] * layer.units
    return 0


def model_flops(model):
    """Forward FLOPs per image of ``model`` (nested models included)."""
    import keras

    return sum(model_flops(layer) if isinstance(layer, keras.Model) else layer_flops(layer)
               for layer in model.layers)


def step_flops(generator, discriminator, batch_size):
    """FLOPs of one VanillaGAN step (4·G + 8·D forward costs per image)."""
    return batch_size * (4 * model_flops(generator) + 8 * model_flops(discriminator))


def peak_gflops():
    """``(peak GFLOP/s, how it was computed)`` from /proc/cpuinfo."""
    from _results import cpu_flag_set

    with open("/proc/cpuinfo") as f:
        mhz = max(float(line.split(":")[1]) for line in f if line.startswith("cpu MHz"))
    flags = cpu_flag_set()
    per_cycle = 64 if "avx512f" in flags else 32 if {"avx2", "fma"} <= flags else 8
    cores = len(os.sched_getaffinity(0))
    return cores * mhz / 1000 * per_cycle, f"{cores} cores × {mhz / 1000:.2f} GHz × {per_cycle} FLOP/cycle"


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_train(batch_size, size, seconds):
    import keras
    import tensorflow as tf

    import ganzoo

    shape = (size, size, 1)
    generator, discriminator = ganzoo.VanillaGAN.build_networks(shape, 128)
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=128, seed=0)
    gan.compile()
    images = tf.random.stateless_uniform((max(batch_size, 1024),) + shape, (0, 0), -1.0, 1.0)
    options = tf.data.Options()
    options.autotune.enabled = False
    data = tf.data.Dataset.from_tensor_slices(images).repeat().batch(batch_size, drop_remainder=True)
    data = data.with_options(options)

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                self.start = time.perf_counter()
            self.end = time.perf_counter()

    timer = Timer()
    gan.fit(data, epochs=1, steps_per_epoch=3, verbose=0, callbacks=[timer])  # trace, warm caches
    per_step = (timer.end - timer.start) / 2
    steps = max(4, int(seconds / per_step) + 1)
    gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    wall = timer.end - timer.start
    flops = step_flops(generator, discriminator, batch_size)
    return {"img_s": (steps - 1) * batch_size / wall, "gflop_s": (steps - 1) * flops / wall / 1e9,
            "step_gflop": flops / 1e9, "steps": steps, "peak_rss_mb": _peak_rss_mb()}


def child_eval(num_samples):
    from ganzoo.evaluate import evaluate

    os.environ["KERAS_HOME"] = tempfile.mkdtemp()  # a cold reference-statistics cache
    start = time.perf_counter()
    scores = evaluate("fashion_mnist_vanilla", ALL_METRICS.split(","), num_samples=num_samples,
                      real_samples=num_samples, seed=0)
    return {"wall_s": time.perf_counter() - start, "fid": scores["fid"], "peak_rss_mb": _peak_rss_mb()}


def child_baseline():
    import ganzoo  # noqa: F401  (TensorFlow and Keras imported: the floor of every row)

    return {"peak_rss_mb": _peak_rss_mb()}


def measure(kind, **kwargs):
    """Runs one setting in a fresh interpreter and returns its JSON result."""
    spec = json.dumps({"kind": kind, **kwargs})
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", spec], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{spec} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(train_rows, eval_rows, baseline, peak, command, seconds, loads):
    from _results import machine

    gflops, how = peak
    lines = [
        "## How cost grows (`benchmarks/cost_scaling.py`)",
        "",
        f"Command: `{command}`. Machine: {machine()}. Each row is one fresh process; peak RSS is its "
        f"`ru_maxrss`, and importing ganzoo (TensorFlow, Keras) alone takes {baseline:.0f} MB. "
        f"Training: VanillaGAN's default DCGAN step, fp32, about {seconds:g} s timed after a warm-up. "
        f"Peak: {gflops:.0f} GFLOP/s ({how}). Load average (1 min) {loads[0]:.1f} before and "
        f"{loads[1]:.1f} after the run.",
        "",
        "| image | batch | img/s | GFLOP per step | achieved GFLOP/s | of peak | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (size, batch), r in train_rows:
        lines.append(f"| {size}×{size}×1 | {batch} | {r['img_s']:.0f} | {r['step_gflop']:.2f} "
                     f"| {r['gflop_s']:.1f} | {100 * r['gflop_s'] / gflops:.1f} % | {r['peak_rss_mb']:.0f} |")
    if eval_rows:
        lines += ["", f"| evaluation samples (generated = real) | wall s, {ALL_METRICS}, cold cache "
                      "| peak RSS MB | FID |", "|---:|---:|---:|---:|"]
        lines += [f"| {n} | {r['wall_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['fid']:.2f} |" for n, r in eval_rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch_sizes", default="32,64,128,256,512,1024")
    parser.add_argument("--image_sizes", default="28,32,64")
    parser.add_argument("--eval_samples", default="1000,10000,50000", help="comma-separated; empty: none")
    parser.add_argument("--seconds", type=float, default=15.0, help="timed training seconds per row")
    parser.add_argument("--no_write", action="store_true")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        kind = spec.pop("kind")
        result = {"train": child_train, "eval": child_eval, "baseline": child_baseline}[kind](**spec)
        print(json.dumps(result))
        return
    batches = [int(b) for b in args.batch_sizes.split(",")]
    sizes = [int(s) for s in args.image_sizes.split(",")]
    evals = [int(n) for n in args.eval_samples.split(",") if n]
    if min(batches) < 2 or min(sizes) < 1 or (evals and min(evals) < 10) or args.seconds <= 0:
        raise ValueError(f"batch sizes ≥ 2, image sizes ≥ 1, eval samples ≥ 10 and seconds > 0; got {args}")
    settings = [(28, b) for b in batches] + [(s, 64) for s in sizes if (s, 64) not in [(28, b) for b in batches]]
    load_before = os.getloadavg()[0]
    baseline = measure("baseline")["peak_rss_mb"]
    train_rows = []
    for size, batch in settings:
        train_rows.append(((size, batch), measure("train", batch_size=batch, size=size, seconds=args.seconds)))
        print(f"train {size}px batch {batch}: {train_rows[-1][1]}", flush=True)
    eval_rows = []
    for n in evals:
        eval_rows.append((n, measure("eval", num_samples=n)))
        print(f"evaluate {n}: {eval_rows[-1][1]}", flush=True)
    command = "python benchmarks/cost_scaling.py " + " ".join(sys.argv[1:] if argv is None else argv)
    loads = (load_before, os.getloadavg()[0])
    text = report(train_rows, eval_rows, baseline, peak_gflops(), command.strip(), args.seconds, loads)
    print(text)
    if not args.no_write:
        from _results import write_section

        write_section("cost_scaling", text)


if __name__ == "__main__":
    main()
