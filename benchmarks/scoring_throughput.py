r"""What scoring costs: batching, the k-NN metrics, and the reference cache.

    python benchmarks/scoring_throughput.py
    python benchmarks/scoring_throughput.py --sections=metrics --num_samples=10000 --rounds=2
    python benchmarks/scoring_throughput.py --classifier=fashion_mnist --num_images=10000 --batch_size=500

Three sections (``--sections``, default all):

* **batching**: real Fashion-MNIST test images through the classifier
  (default: the shipped one; pass a hub URL or SavedModel directory for
  Inception) in batches of ``--batch_size``, and in a Python loop of
  single-image calls, the way naive evaluation code does it. A warm-up call of
  each kind comes first, so tracing is not timed.
* **metrics**: one evaluation of ``--num_samples`` samples of the zoo model
  ``--zoo_model`` against as many real training images, as
  ``python -m ganzoo.evaluate`` does it (sample, classify fake and real, score),
  with IS + FID + KID alone ("base") and with precision, recall, density and
  coverage too ("all", through `ganzoo.metrics.knn_scores`). The two alternate
  for ``--rounds`` rounds in one process; the ratio all/base is the median of
  the per-round ratios, of wall-clock time and of the process's CPU time (all
  its threads), which other processes on a shared CPU disturb less. Target:
  all/base ≤ 1.5.
* **cache**: the "all" evaluation twice with `ganzoo.metrics.reference_statistics`
  on an empty cache directory: the first computes and stores the real set's
  features, FID statistics and k-NN radii, the second loads them.

``--write`` puts the tables into benchmarks/RESULTS.md (section "scoring_throughput").
"""

import os
import statistics
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_list("sections", ["batching", "metrics", "cache"], "Which of batching, metrics, cache to run.")
flags.DEFINE_string("classifier", "fashion_mnist", "Classifier handle (see ganzoo.metrics.load_classifier).")
flags.DEFINE_integer("num_images", 5000, "batching: images scored in batches.")
flags.DEFINE_integer("num_single", 300, "batching: images scored one at a time (the slow loop).")
flags.DEFINE_integer("batch_size", 500, "Images per classifier call.")
flags.DEFINE_string("zoo_model", "fashion_mnist_vanilla", "metrics, cache: the zoo model to evaluate.")
flags.DEFINE_integer("num_samples", 10_000, "metrics, cache: generated (and real) images per evaluation.")
flags.DEFINE_integer("rounds", 2, "metrics: alternating base/all rounds.")
flags.DEFINE_integer("seed", 0, "Seed of the generated samples and of KID's subsets.")
flags.DEFINE_bool("write", False, "Write the tables into benchmarks/RESULTS.md.")

SECTION = "scoring_throughput"
BASE, ALL = "is,fid,kid", "is,fid,kid,precision,recall,density,coverage"


# ------------------------------------------------------------------ batching
def batching_section():
    from ganzoo import data, metrics

    batches = data.load("fashion_mnist", split="test", batch_size=500, shuffle=False)
    images = np.concatenate([b.numpy() for b in batches])[: FLAGS.num_images]
    classifier = metrics.load_classifier(FLAGS.classifier)

    metrics.classify(images[: FLAGS.batch_size], classifier, FLAGS.batch_size)  # warm-up
    start = time.perf_counter()
    metrics.classify(images, classifier, FLAGS.batch_size)
    batched = len(images) / (time.perf_counter() - start)

    single = images[: FLAGS.num_single]
    classifier(single[:1])  # warm-up
    start = time.perf_counter()
    for i in range(len(single)):
        classifier(single[i : i + 1])
    one_at_a_time = len(single) / (time.perf_counter() - start)

    return "\n".join([
        f"Classifier: `{os.path.basename(classifier.name)}`.",
        "",
        "| mode | images | images/s |",
        "|---|---:|---:|",
        f"| batched ({FLAGS.batch_size}) | {len(images)} | {batched:.0f} |",
        f"| one at a time | {len(single)} | {one_at_a_time:.0f} |",
        "",
        f"Speed-up of batching: {batched / one_at_a_time:.1f}x.",
    ])


# ------------------------------------------------------------------ evaluation
class Clock:
    """Wall and process-CPU seconds of named phases."""

    def __init__(self):
        self.wall, self.cpu = {}, {}

    def time(self, name, fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
        return result

    def total(self):
        return sum(self.wall.values()), sum(self.cpu.values())


def evaluate(model, classifier, knn, cache_dir=None):
    """One evaluation as ``ganzoo.evaluate`` does it; returns (scores, Clock).

    With ``cache_dir`` the real side comes from `reference_statistics`;
    without, the real images are loaded and classified, as today's CLI does.
    """
    from ganzoo import data, metrics

    clock = Clock()
    n = FLAGS.num_samples
    fake_images = clock.time("sample", model.sample, n, seed=FLAGS.seed)
    fake = clock.time("classify fake", metrics.classify, fake_images, classifier, FLAGS.batch_size)
    if cache_dir is None:
        real_ds = data.load("fashion_mnist", split="train", batch_size=FLAGS.batch_size, shuffle=False)
        real = clock.time(
            "classify real", metrics.classify, real_ds, classifier, FLAGS.batch_size, n, ("pool_3",)
        )["pool_3"]
        mu, sigma = clock.time("real statistics", metrics.feature_statistics, real)
        radii = None
    else:
        ref = clock.time(
            "reference statistics", metrics.reference_statistics, "fashion_mnist", "train", n,
            classifier, batch_size=FLAGS.batch_size, cache_dir=cache_dir,
        )
        real, mu, sigma, radii = ref["features"], ref["mu"], ref["sigma"], ref["squared_radii"]
    scores = {"IS": clock.time("IS", metrics.inception_score_from_logits, fake["logits"])[0]}
    fake_mu, fake_sigma = clock.time("FID", metrics.feature_statistics, fake["pool_3"])
    scores["FID"] = clock.time("FID", metrics.frechet_distance_from_statistics, mu, sigma, fake_mu, fake_sigma)
    scores["KID"] = clock.time(
        "KID", metrics.kernel_distance_from_features, real, fake["pool_3"], seed=FLAGS.seed
    )[0]
    if knn:
        scores.update(clock.time(
            "precision/recall/density/coverage", metrics.knn_scores,
            real=real, fake=fake["pool_3"], real_squared_radii=radii,
        ))
    return scores, clock


def phase_table(clocks):
    names = list(dict.fromkeys(name for clock in clocks.values() for name in clock.wall))
    lines = ["| phase | " + " | ".join(clocks) + " |", "|---|" + "---:|" * len(clocks)]
    for name in names + ["total"]:
        cells = []
        for clock in clocks.values():
            if name == "total":
                cells.append(f"**{clock.total()[0]:.1f}**")
            else:
                cells.append(f"{clock.wall[name]:.1f}" if name in clock.wall else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metrics_section(model, classifier):
    evaluate(model, classifier, knn=True)  # warm-up: tracing, first data load
    wall_ratios, cpu_ratios, last = [], [], {}
    for round_index in range(FLAGS.rounds):
        order = (False, True) if round_index % 2 == 0 else (True, False)
        clocks = {}
        for knn in order:
            scores, clocks[knn] = evaluate(model, classifier, knn)
        (base_wall, base_cpu), (all_wall, all_cpu) = clocks[False].total(), clocks[True].total()
        wall_ratios.append(all_wall / base_wall)
        cpu_ratios.append(all_cpu / base_cpu)
        last = {f"base ({BASE})": clocks[False], "all (+ k-NN scores)": clocks[True]}
    wall, cpu = statistics.median(wall_ratios), statistics.median(cpu_ratios)
    verdict = "met" if max(wall, cpu) <= 1.5 else "NOT met"
    score_text = ", ".join(f"{k} {v:.4g}" for k, v in scores.items())
    return "\n".join([
        f"{FLAGS.num_samples} samples of `{FLAGS.zoo_model}` (seed {FLAGS.seed}) against "
        f"{FLAGS.num_samples} real training images, classifier `fashion_mnist`, batches of "
        f"{FLAGS.batch_size}, KID 100 subsets of 1000, k = 3 (precision/recall) and 5 "
        "(density/coverage). Seconds of wall clock per phase, last round:",
        "",
        phase_table(last),
        "",
        f"all/base over {FLAGS.rounds} alternating rounds (median of per-round ratios): "
        f"wall clock **{wall:.2f}x** (rounds: {', '.join(f'{r:.2f}' for r in wall_ratios)}), "
        f"process CPU time **{cpu:.2f}x** (rounds: {', '.join(f'{r:.2f}' for r in cpu_ratios)}). "
        f"Target ≤ 1.5x: {verdict}.",
        "",
        f"Scores of the last run: {score_text}.",
    ])


def cache_section(model, classifier):
    with tempfile.TemporaryDirectory() as cache_dir:
        first_scores, first = evaluate(model, classifier, knn=True, cache_dir=cache_dir)
        second_scores, second = evaluate(model, classifier, knn=True, cache_dir=cache_dir)
        size = sum(
            os.path.getsize(os.path.join(root, name))
            for root, _, names in os.walk(cache_dir) for name in names
        )
    same = all(np.isclose(first_scores[k], second_scores[k], rtol=1e-9) for k in first_scores)
    return "\n".join([
        "The \"all\" evaluation twice, `reference_statistics` on an empty cache directory "
        f"(file: {size / 2**20:.1f} MiB). Seconds of wall clock:",
        "",
        phase_table({"first (computes the cache)": first, "second (loads it)": second}),
        "",
        f"Second/first: {second.total()[0] / first.total()[0]:.2f} "
        f"({first.total()[0] / second.total()[0]:.1f}x faster); same scores: {same}.",
    ])


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    unknown = set(FLAGS.sections) - {"batching", "metrics", "cache"}
    if unknown:
        raise app.UsageError(f"Unknown sections {sorted(unknown)}; choose from batching, metrics, cache")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _results import machine, write_section

    from ganzoo import metrics, zoo

    load_before, started = os.getloadavg(), time.time()
    parts = []
    if "batching" in FLAGS.sections:
        parts += ["### Batched vs one image at a time", "", batching_section(), ""]
    if {"metrics", "cache"} & set(FLAGS.sections):
        model = zoo.load(FLAGS.zoo_model)
        classifier = metrics.load_classifier("fashion_mnist")
        if "metrics" in FLAGS.sections:
            parts += ["### All metrics vs IS + FID + KID", "", metrics_section(model, classifier), ""]
        if "cache" in FLAGS.sections:
            parts += ["### Cached reference statistics: first vs second evaluation", "",
                      cache_section(model, classifier), ""]
    command = "python benchmarks/scoring_throughput.py " + " ".join(sys.argv[1:])
    body = "\n".join([
        "## Scoring throughput (`benchmarks/scoring_throughput.py`)",
        "",
        f"Machine: {machine()}, no GPU. Load average (1 min) {load_before[0]:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after the {(time.time() - started) / 60:.0f}-minute run "
        "(other processes shared the CPU: seconds are noisy, the paired ratios less so).",
        "",
        f"Command: `{command.strip()}`",
        "",
        *parts,
    ])
    print(body)
    if FLAGS.write:
        write_section(SECTION, body)


if __name__ == "__main__":
    app.run(main)
