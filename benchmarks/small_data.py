r"""Small data: does DiffAugment rescue the default DCGAN when D can
memorise the training set? (Zhao et al. 2020, "Differentiable Augmentation
for Data-Efficient GAN Training", §4 and its 10 %/20 % CIFAR experiments.)

Protocol: the default DCGAN (non-saturating loss, batch-norm DCGAN nets of
`ganzoo.architectures.default_networks`, Adam(2e-4, β1 = 0.5)) trained on
600, 6 000 and 60 000 Fashion-MNIST training images (1 %, 10 %, 100 %),
without and with ``augment="color,translation,cutout"``, for the same fixed
number of steps. The subsets are class-balanced and nested: the first n/10
images of each class in one fixed permutation (``Config.subset_seed``), so
the 600 images are among the 6 000. The score is FID between
``Config.num_samples`` generated images and the 10 000 images of the *test*
split (which no run trains on), through the shipped Fashion-MNIST
classifier; lower is better. The D gap is D's mean sigmoid output on the
run's training images minus that on 5 000 test images, both un-augmented: a
D that memorised its training set scores it higher than unseen real images.

    python benchmarks/small_data.py                  # every run, writes RESULTS.md
    python benchmarks/small_data.py --sizes=600 --seeds=0 --no_write   # two runs
    python benchmarks/small_data.py --report_only    # the table from the recorded runs

Every finished run is recorded with its settings in ``small_data_runs.json``;
a later invocation with the same settings reuses it and ``--fresh`` reruns.
"""

import argparse
import dataclasses
import functools
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import ganzoo  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _results  # noqa: E402
from _results import machine, mean_std, write_section  # noqa: E402

SIZES = (600, 6000, 60000)
POLICIES = ("none", "color,translation,cutout")
RUNS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "small_data_runs.json")


@dataclasses.dataclass(frozen=True)
class Config:
    steps: int = 2000  # D and G updates per run: the fixed budget
    batch_size: int = 64  # real images per step (and as many fakes)
    latent_dim: int = 128
    num_samples: int = 5000  # generated images scored by FID
    test_samples: int = 10000  # real test images FID compares with
    gap_samples: int = 5000  # test images of the D gap
    subset_seed: int = 1234  # the permutation the nested subsets are cut from


@functools.lru_cache(maxsize=1)
def train_arrays():
    """Fashion-MNIST's training images (float32 in [-1, 1]) and labels, read once per process."""
    examples, count = ganzoo.data.load_examples("fashion_mnist", "train", with_labels=True)
    return tuple(t.numpy() for t in examples.batch(count).get_single_element())


def subset(size, config):
    """``size`` training images, ``size/10`` of each class, as float32 in [-1, 1]."""
    if size % 10:
        raise ValueError(f"size must be a multiple of 10 (one tenth per class); got {size}")
    images, labels = train_arrays()
    order = np.random.default_rng(config.subset_seed).permutation(len(images))
    chosen = np.concatenate([order[labels[order] == c][: size // 10] for c in range(10)])
    if len(chosen) != size:
        raise ValueError(f"Fashion-MNIST's train split has too few images of some class for {size}")
    return images[np.sort(chosen)]


def test_images(num):
    examples, _ = ganzoo.data.load_examples("fashion_mnist", "test")
    return examples.take(num).batch(num).get_single_element().numpy()


def make_gan(policy, seed, config):
    generator, discriminator = ganzoo.architectures.default_networks(
        ganzoo.VanillaGAN, (28, 28, 1), config.latent_dim
    )
    gan = ganzoo.VanillaGAN(
        generator=generator, discriminator=discriminator, latent_dim=config.latent_dim, seed=seed,
        loss="non_saturating", augment=None if policy == "none" else policy,
    )
    gan.compile()  # Adam(2e-4, β1 = 0.5) for both nets
    return gan


def run_one(size, policy, seed, config, reference):
    """Trains one GAN and returns its FID, D gap and wall seconds."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    train = subset(size, config)
    data = (
        tf.data.Dataset.from_tensor_slices(train)
        .shuffle(size, seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(config.batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    gan = make_gan(policy, seed, config)
    start = time.time()
    gan.fit(data, epochs=1, steps_per_epoch=config.steps, verbose=0)
    wall = time.time() - start
    fake = ganzoo.metrics.classify(
        gan.generate(config.num_samples, seed=10_000 + seed), reference["classifier"], outputs=("pool_3",)
    )["pool_3"]
    fid = ganzoo.metrics.frechet_distance_from_statistics(
        reference["mu"], reference["sigma"], *ganzoo.metrics.feature_statistics(fake)
    )

    def d_mean(images):
        return float(np.mean(keras.ops.convert_to_numpy(
            keras.ops.sigmoid(gan.discriminator.predict(images, batch_size=500, verbose=0)))))

    gap = d_mean(train[: config.gap_samples]) - d_mean(reference["gap_images"])
    return {"fid": float(fid), "d_gap": gap, "epochs": config.steps * config.batch_size / size, "wall_s": wall}


def table(results, sizes, seeds):
    lines = [
        "| training images | FID, no augmentation | FID, DiffAugment | D gap, no aug. | D gap, DiffAugment "
        "| epochs | wall s / run (none, DiffAugment) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for size in sizes:
        cells, walls = [], []
        for field, digits in (("fid", 1), ("d_gap", 3)):
            for policy in POLICIES:
                runs = [results[(size, policy, s)] for s in seeds if (size, policy, s) in results]
                note = "" if len(runs) == len(seeds) else f" ({len(runs)} of {len(seeds)} seeds)"
                cells.append(mean_std([r[field] for r in runs], digits) + note if runs else "—")
                if field == "fid" and runs:
                    walls.append(f"{np.mean([r['wall_s'] for r in runs]):.0f}")
        epochs = next((r["epochs"] for (n, _, _), r in results.items() if n == size), float("nan"))
        lines.append(f"| {size} | " + " | ".join(cells) + f" | {epochs:.0f} | {', '.join(walls)} |")
    return "\n".join(lines)


def report(results, sizes, seeds, config, command, done, total):
    return "\n".join([
        "## Small data and DiffAugment (`benchmarks/small_data.py`)",
        "",
        f"The default DCGAN on class-balanced, nested subsets of Fashion-MNIST's training split, "
        f"{config.steps} steps of batch {config.batch_size} each, without and with "
        "`augment=\"color,translation,cutout\"` (DiffAugment, Zhao et al. 2020). FID: "
        f"{config.num_samples} samples against the {config.test_samples} test images, shipped "
        "classifier (lower is better). D gap: D's mean sigmoid output on the training images minus "
        f"on {config.gap_samples} test images (un-augmented); a large gap is a D that memorised "
        f"its set. Mean ± std over seeds {list(seeds)}.",
        "",
        table(results, sizes, seeds),
        "",
        (f"**Partial: {done} of {total} runs so far.**" if done < total else f"All {total} runs."),
        "",
        f"Settings: `{config}`.",
        "",
        f"Command: `{command}`. Each run's settings and scores are in `benchmarks/small_data_runs.json`; "
        "the command reuses the recorded runs whose settings match and `--fresh` reruns them.",
        "",
        f"Machine: {machine()}; TF {tf.__version__}, Keras {keras.__version__}. Wall times were taken "
        "while other jobs shared the cores; compare them within a row only.",
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--steps", type=int, default=Config.steps)
    parser.add_argument("--no_write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--fresh", action="store_true", help="rerun runs already recorded in --runs_file")
    parser.add_argument("--runs_file", default=RUNS_FILE, help="where each finished run is recorded")
    parser.add_argument("--report_only", action="store_true", help="the table from the recorded runs only")
    args = parser.parse_args(argv)

    config = Config(steps=args.steps)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    for size in sizes:
        if not 10 <= size <= 60000 or size % 10:
            raise ValueError(f"--sizes are multiples of 10 in [10, 60000]; got {size}")
    if config.steps < 1:
        raise ValueError(f"--steps must be ≥ 1; got {config.steps}")
    jobs = [(n, p, s) for s in seeds for n in sizes for p in POLICIES]
    command = "python benchmarks/small_data.py " + " ".join(sys.argv[1:] if argv is None else argv)
    recorded = {} if args.fresh else _results.load_runs(args.runs_file, config, ("size", "policy", "seed"))
    results = {job: recorded[job] for job in jobs if job in recorded}
    if results:
        print(f"Reusing {len(results)} runs recorded in {args.runs_file} with these settings (--fresh reruns them)")
    total = len(jobs)

    def _report():
        return report(results, sizes, seeds, config, command.strip(), len(results), total)

    todo = [job for job in jobs if job not in results and not args.report_only]
    if todo:
        classifier = ganzoo.metrics.load_classifier(ganzoo.metrics.SHIPPED_CLASSIFIER)
        stats = ganzoo.metrics.reference_statistics("fashion_mnist", "test", config.test_samples, classifier)
        reference = {"classifier": classifier, "mu": stats["mu"], "sigma": stats["sigma"],
                     "gap_images": test_images(config.gap_samples)}
    for size, policy, seed in todo:
        r = run_one(size, policy, seed, config, reference)
        results[(size, policy, seed)] = r
        print(f"{size:6d} images, augment={policy:25s} seed {seed}: FID {r['fid']:6.1f}, D gap {r['d_gap']:+.3f}, "
              f"{r['wall_s']:.0f} s", flush=True)
        if not args.no_write:
            _results.record_run(args.runs_file, {"size": size, "policy": policy, "seed": seed}, config, r)
            write_section("small_data", _report())
    text = _report()
    if not args.no_write:
        write_section("small_data", text)
    print(text)


if __name__ == "__main__":
    main()
