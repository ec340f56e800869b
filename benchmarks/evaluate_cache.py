r"""How much faster ``python -m ganzoo.evaluate`` is the second time.

    python benchmarks/evaluate_cache.py
    python benchmarks/evaluate_cache.py --model=fashion_mnist_wgan_gp --write

Runs the same evaluate command twice, one after the other, as a user would:

    python -m ganzoo.evaluate --model=fashion_mnist_vanilla \
        --metrics=is,fid,kid,precision,recall,density,coverage \
        --classifier=fashion_mnist --num_samples=10000 --seed=0

each in a fresh process, with ``$KERAS_HOME`` pointing at a new, empty
directory: the first run computes the real set's reference statistics
(`ganzoo.metrics.reference_statistics`: 10 000 real images through the
classifier, FID mean and covariance, k-NN radii) and caches them; the second
loads them and skips the real pass. It reports both runs' wall clock (the
whole process, TensorFlow's start-up included, and evaluate's own
``wall_time_s``), checks that the first missed the cache and the second hit
it, and that both gave the same scores.

``--write`` puts the table into benchmarks/RESULTS.md (section "evaluate_cache").
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "fashion_mnist_vanilla", "Zoo model to evaluate.")
flags.DEFINE_string("metrics", "is,fid,kid,precision,recall,density,coverage", "--metrics of the command.")
flags.DEFINE_integer("num_samples", 10_000, "--num_samples of the command (and real images).")
flags.DEFINE_bool("write", False, "Write the table into benchmarks/RESULTS.md.")

SECTION = "evaluate_cache"
SCORES = ("inception_score", "fid", "kid", "precision", "recall", "density", "coverage")


def evaluate_flags():
    return [f"--model={FLAGS.model}", f"--metrics={FLAGS.metrics}", "--classifier=fashion_mnist",
            f"--num_samples={FLAGS.num_samples}", "--seed=0"]


def run_once(cache_dir, output):
    """One ``python -m ganzoo.evaluate`` process; returns (seconds, result)."""
    env = {**os.environ, "KERAS_HOME": cache_dir}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ganzoo.evaluate", *evaluate_flags(), f"--output={output}"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    with open(output) as f:
        return seconds, json.load(f)


def main(argv):
    del argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _results import machine, write_section

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cache_dir:
        first_s, first = run_once(cache_dir, os.path.join(cache_dir, "first.json"))
        second_s, second = run_once(cache_dir, os.path.join(cache_dir, "second.json"))
    if first["real_from_cache"] or not second["real_from_cache"]:
        raise RuntimeError(f"Expected a cache miss then a hit; got {first['real_from_cache']}, "
                           f"{second['real_from_cache']}")
    same = all(first.get(k) == second.get(k) for k in SCORES)
    command = "python -m ganzoo.evaluate " + " ".join(evaluate_flags())
    body = "\n".join([
        "## Second evaluation of a zoo model (`benchmarks/evaluate_cache.py`)",
        "",
        f"Machine: {machine()}, no GPU. Load average (1 min) {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after (other processes shared the CPU).",
        "",
        f"Command: `{' '.join(['python benchmarks/evaluate_cache.py', *sys.argv[1:]])}`",
        "",
        f"It runs `{command}` twice in a row, each a fresh process, with `$KERAS_HOME` on a new empty "
        "directory: the first computes and caches the real side (reference statistics of 10 000 real "
        "training images), the second loads it. Seconds of wall clock:",
        "",
        "| | first (computes the cache) | second (loads it) |",
        "|---|---:|---:|",
        f"| whole process (TensorFlow start-up included) | {first_s:.1f} | {second_s:.1f} |",
        f"| evaluate's `wall_time_s` | {first['wall_time_s']:.1f} | {second['wall_time_s']:.1f} |",
        "",
        f"The second evaluation is **{first_s / second_s:.2f}x** faster as a process and "
        f"**{first['wall_time_s'] / second['wall_time_s']:.2f}x** by evaluate's own clock; "
        f"`real_from_cache`: {first['real_from_cache']} then {second['real_from_cache']}; same scores: {same} "
        f"(FID {second['fid']:.2f}, recall {second.get('recall', float('nan')):.4f}).",
    ])
    print(body)
    if FLAGS.write:
        write_section(SECTION, body)


if __name__ == "__main__":
    app.run(main)
