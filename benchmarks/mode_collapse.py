r"""The 2-D mode-collapse benchmark: do the remedies of Salimans et al. 2016
cover every mode of ring8 and grid25?

Protocol (PacGAN, Lin et al. 2018, §5.1; `ganzoo.callbacks.mode_coverage`):
train each variant for a fixed number of generator steps with the same MLP
nets and optimiser, draw 2500 samples, and count the modes covered, the
percentage of high-quality samples (within 3σ of the nearest mode) and the
reverse KL of the mode histogram against uniform; report mean ± std over
seeds next to PacGAN's published rows.

Variants: minimax and non-saturating GANs (Goodfellow et al. 2014), WGAN-GP
(when in `ganzoo.models.MODELS`), feature matching alone (Salimans et al.
2016, §3.1) and plus w × the non-saturating term, minibatch discrimination
(§3.2); SNGAN (hinge + spectral norm, Miyato et al. 2018, one D step),
``r1`` (non-saturating + R1, γ = ``Config.r1_gamma``, Mescheder et al.
2018), ``r1_lazy`` (16·R1 every 16th D step, Karras et al. 2020),
``pacgan2``/``pacgan4`` (D packs 2 or 4 samples, Lin et al. 2018) and the
combinations ``pacgan4_r1``, ``minibatch_discrimination_r1`` and
``feature_matching_adversarial_pacgan4``.

    python benchmarks/mode_collapse.py --jobs=2         # everything, writes RESULTS.md
    python benchmarks/mode_collapse.py --datasets=ring8 --variants=r1 --seeds=0 --no_write  # one run
    python benchmarks/mode_collapse.py --report_only    # the table from the recorded runs

Each run is single-threaded (one intra-op and one inter-op thread), so its
CPU time is the time one core spends on it; ``--jobs`` runs that many at once.
The tuning (learning rates, steps, adversarial weight) was done on seed 0.

Every finished run is recorded with its settings in ``mode_collapse_runs.json``,
and a later invocation with the same settings reuses it; ``--fresh`` reruns.
"""

import argparse
import dataclasses
import multiprocessing
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.callbacks.mode_coverage import PACGAN_NUM_SAMPLES, mixture_coverage  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _results  # noqa: E402
from _results import machine, mean_std, write_section  # noqa: E402

DATASETS = ("ring8", "grid25")
VARIANTS = (
    "minimax",
    "non_saturating",
    "wgan_gp",
    "feature_matching",
    "feature_matching_adversarial",
    "minibatch_discrimination",
    "sngan",
    "r1",
    "pacgan2",
    "pacgan4",
    "pacgan4_r1",
    "minibatch_discrimination_r1",
    "feature_matching_adversarial_pacgan4",
    "r1_lazy",
)

# The target for the best variant: every mode, this % HQ, this CPU time.
TARGET_HIGH_QUALITY = 95.0
TARGET_CPU_S = 150.0
# Runs are started cheapest and most telling first, so a partial table is useful.
RUN_ORDER = (
    "feature_matching_adversarial",
    "non_saturating",
    "minimax",
    "feature_matching",
    "minibatch_discrimination",
    "wgan_gp",
    "pacgan4",
    "r1",
    "pacgan2",
    "sngan",
    "pacgan4_r1",
    "minibatch_discrimination_r1",
    "feature_matching_adversarial_pacgan4",
    "r1_lazy",
)

# PacGAN's best published rows (Lin et al. 2018, 2-D experiments): name, modes, % HQ.
PUBLISHED = {
    "ring8": ("PacGAN2 (Lin et al. 2018)", 7.9, 95.6),
    "grid25": ("PacGAN4 (Lin et al. 2018)", 24.8, 93.6),
}


@dataclasses.dataclass(frozen=True)
class Config:
    steps: int = 22000  # generator updates per run: the fixed budget
    batch_size: int = 256  # real samples per step (and as many fakes)
    latent_dim: int = 2  # size of z, as in PacGAN
    hidden_units: tuple = (128, 128, 128)  # both MLPs
    generator_batch_norm: bool = False  # no batch norm in G (with it, G drew lines, not clusters)
    g_learning_rate: float = 1e-3  # Adam for G, cosine-decayed over the run...
    d_learning_rate: float = 3e-3  # ...D learns faster than G (two time-scale, Heusel et al. 2017)...
    final_learning_rate: float = 1e-5  # ...both down to this
    beta_1: float = 0.5  # Adam β1 (DCGAN's choice)
    adversarial_weight: float = 10.0  # w of feature_matching_adversarial (FM + w · non-saturating)
    minibatch_discrimination: tuple = (8, 4)  # (num_kernels B, kernel_dim C); cost ∝ batch² · B · C
    num_samples: int = PACGAN_NUM_SAMPLES  # samples scored at the end
    data_samples: int = 100_000  # training points drawn per run
    r1_gamma: float = 0.1  # γ of the R1 rows (Mescheder et al. 2018), non-lazy; chosen before any run, untuned


def available_variants():
    """The variants that exist now; wgan_gp only once it is in MODELS."""
    return tuple(v for v in VARIANTS if v != "wgan_gp" or "wgan_gp" in ganzoo.models.MODELS)


def make_gan(variant, config, seed):
    """Builds and compiles the GAN of ``variant`` with the shared MLP nets."""
    generator = ganzoo.architectures.mlp_generator(
        config.latent_dim, 2, hidden_units=config.hidden_units, batch_norm=config.generator_batch_norm
    )
    mbd = config.minibatch_discrimination if variant.startswith("minibatch_discrimination") else None
    discriminator = ganzoo.architectures.mlp_discriminator(
        2, hidden_units=config.hidden_units, batch_norm=False, minibatch_discrimination=mbd,
        spectral_norm=variant == "sngan", packing=int(variant.split("pacgan")[1][0]) if "pacgan" in variant else 1,
    )
    kwargs = dict(generator=generator, discriminator=discriminator, latent_dim=config.latent_dim, seed=seed)
    if variant.endswith("r1") or variant == "r1_lazy":
        kwargs["r1_gamma"] = config.r1_gamma
    if variant == "r1_lazy":
        kwargs["regularize_every"] = 16  # StyleGAN2's k: k·R1 on every 16th D step
    if variant in ("minimax", "non_saturating", "r1", "r1_lazy", "pacgan2", "pacgan4", "pacgan4_r1"):
        # The PacGAN and R1 rows change D (packing) or its loss (R1) only.
        gan = ganzoo.models.VanillaGAN(loss="non_saturating" if variant not in ("minimax",) else variant, **kwargs)
    elif variant == "sngan":
        # Hinge loss and spectral norm; one D step and the shared optimiser
        # schedule (the paper's 5 D steps would take 5× the D budget).
        gan = ganzoo.models.SNGAN(d_steps=1, fresh_real_batches=False, **kwargs)
    elif variant == "wgan_gp":
        gan = ganzoo.models.get("wgan_gp")(**kwargs)
    elif variant == "feature_matching":
        gan = ganzoo.models.FeatureMatchingGAN(**kwargs)
    elif variant in ("feature_matching_adversarial", "feature_matching_adversarial_pacgan4"):
        gan = ganzoo.models.FeatureMatchingGAN(adversarial_weight=config.adversarial_weight, **kwargs)
    elif variant.startswith("minibatch_discrimination"):
        gan = ganzoo.models.MinibatchDiscriminationGAN(**kwargs)
    else:
        raise ValueError(f"Unknown variant {variant!r}; available: {list(available_variants())}")
    if variant == "wgan_gp":
        # Its paper's optimisers, Adam(1e-4, β1 = 0, β2 = 0.9), and 5 critic
        # steps per G step: the schedule above is tuned for cross-entropy D.
        d_optimizer, g_optimizer = gan.default_optimizers()
    else:
        d_optimizer = _optimizer(config.d_learning_rate, config)
        g_optimizer = _optimizer(config.g_learning_rate, config)
    # XLA fuses the O(batch²) pairwise terms of minibatch discrimination (2×
    # faster on CPU); it does not speed up the plain MLPs.
    gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer,
                jit_compile=variant.startswith("minibatch_discrimination"), steps_per_execution=50)
    return gan


def _optimizer(learning_rate, config):
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, config.steps, alpha=config.final_learning_rate / learning_rate
    )
    return keras.optimizers.Adam(schedule, beta_1=config.beta_1)


def run_one(dataset, variant, seed, config):
    """Trains one GAN and returns its scores, CPU seconds and wall seconds."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    gan = make_gan(variant, config, seed)
    data = ganzoo.data.load(
        dataset, batch_size=config.batch_size, seed=seed, num_samples=config.data_samples, repeat=True
    )
    cpu, wall = time.process_time(), time.time()
    gan.fit(data, epochs=1, steps_per_epoch=config.steps, verbose=0)
    samples = gan.generate(config.num_samples, seed=10_000 + seed)
    scores = mixture_coverage(samples, dataset)
    return {**scores, "cpu_s": time.process_time() - cpu, "wall_s": time.time() - wall}


RUNS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mode_collapse_runs.json")


def load_runs(path, config):
    """Recorded runs made with exactly ``config``, keyed (dataset, variant, seed)."""
    return _results.load_runs(path, config, ("dataset", "variant", "seed"))


def record_run(path, dataset, variant, seed, config, result):
    """Adds one run to the runs file (atomically: a kill leaves the old file)."""
    _results.record_run(
        path, {"dataset": dataset, "variant": variant, "seed": seed}, config,
        {k: int(v) if k == "modes" else float(v) for k, v in result.items()},
    )


def _run_job(job):
    dataset, variant, seed, config = job
    # One thread per run: its CPU time is one core's time, and parallel
    # runs do not fight over cores.
    if tf.config.threading.get_intra_op_parallelism_threads() != 1:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    return (dataset, variant, seed), run_one(dataset, variant, seed, config)


def table(results, datasets, variants, seeds, config):
    """Markdown table: one row per (dataset, variant) and the published rows."""
    lines = [
        "| data | variant | modes | % high quality | reverse KL | CPU s / run |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for dataset in datasets:
        num_modes = ganzoo.data.MIXTURES[dataset].num_modes
        for variant in variants:
            runs = [results[(dataset, variant, s)] for s in seeds if (dataset, variant, s) in results]
            if not runs:
                continue
            label = variant if len(runs) == len(seeds) else f"{variant} ({len(runs)} of {len(seeds)} seeds)"
            lines.append(
                f"| {dataset} | {label} | {mean_std([r['modes'] for r in runs], 1)} / {num_modes} "
                f"| {mean_std([r['high_quality'] for r in runs], 1)} "
                f"| {mean_std([r['reverse_kl'] for r in runs], 3)} "
                f"| {np.mean([r['cpu_s'] for r in runs]):.0f} |"
            )
        name, modes, hq = PUBLISHED[dataset]
        lines.append(f"| {dataset} | *{name}, published* | {modes} / {num_modes} | {hq} | — | — |")
    return "\n".join(lines)


def verdicts(results, datasets, variants, seeds):
    """One line per dataset: which variants meet the issue's target."""
    lines = []
    for dataset in datasets:
        num_modes = ganzoo.data.MIXTURES[dataset].num_modes
        met = []
        for variant in variants:
            runs = [results.get((dataset, variant, s)) for s in seeds]
            if None in runs:
                continue
            modes = np.mean([r["modes"] for r in runs])
            hq = np.mean([r["high_quality"] for r in runs])
            cpu = np.max([r["cpu_s"] for r in runs])
            full = sum(r["modes"] == num_modes for r in runs)
            _, published_modes, published_hq = PUBLISHED[dataset]
            if (modes > published_modes and hq > published_hq and hq >= TARGET_HIGH_QUALITY
                    and 3 * full >= 2 * len(runs) and cpu <= TARGET_CPU_S):
                met.append(f"{variant} ({modes:.1f}/{num_modes} modes, {full}/{len(runs)} seeds full, "
                           f"{hq:.1f} % HQ, ≤ {cpu:.0f} CPU s)")
        lines.append(
            f"- {dataset}: target (beat {PUBLISHED[dataset][0]}'s modes and % HQ on the seed mean, with "
            f"≥ {TARGET_HIGH_QUALITY:g} % HQ, {num_modes}/{num_modes} modes in ≥ 2 of 3 seeds, ≤ "
            f"{TARGET_CPU_S:g} CPU s every run) "
            + (f"met by {', '.join(met)}." if met else "not met by any variant.")
        )
    return "\n".join(lines)


def report(results, datasets, variants, seeds, config, command, done, total):
    return "\n".join([
        "## Mode collapse on 2-D mixtures (`benchmarks/mode_collapse.py`)",
        "",
        f"PacGAN protocol: {config.num_samples} samples after a fixed budget of {config.steps} "
        f"generator steps; mean ± std over seeds {list(seeds)}. A sample is high quality within "
        "3σ of its nearest mode; a mode is covered by at least one high-quality sample; the "
        "reverse KL is KL(mode histogram of the high-quality samples ‖ uniform) "
        "(`ganzoo.callbacks.mode_coverage`). The published rows are PacGAN's best (its own "
        "nets and budget).",
        "",
        table(results, datasets, variants, seeds, config),
        "",
        verdicts(results, datasets, variants, seeds),
        "",
        (f"**Partial: {done} of {total} runs so far.**" if done < total else f"All {total} runs."),
        "",
        f"Settings: `{config}`. `wgan_gp` keeps its paper's optimisers and 5 critic steps; "
        "`sngan` (hinge + spectral norm) takes one D step and the shared optimiser schedule; `pacganM` "
        "variants pack M points into each D input (PacGAN's packing, with our nets and budget); `*r1` add "
        "R1 with γ = `r1_gamma` on every D step.",
        "",
        f"Command: `{command}`. Each run's settings and per-seed scores are in "
        "`benchmarks/mode_collapse_runs.json`; the command reuses the recorded runs whose settings "
        "match and `--fresh` reruns them all.",
        "",
        f"Machine: {machine()}; one thread per run, TF {tf.__version__}, Keras {keras.__version__}. "
        "Compare CPU s within one invocation: process CPU time grows with contention, and the runs "
        "recorded two at a time (`--jobs=2`) count more CPU seconds than the same setting run alone "
        "(the dates are in the runs file).",
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--variants", default=None, help="comma-separated; default: all available")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=Config.steps)
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel, one core each")
    parser.add_argument("--no_write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--fresh", action="store_true", help="rerun runs already recorded in --runs_file")
    parser.add_argument("--runs_file", default=RUNS_FILE, help="where each finished run is recorded")
    parser.add_argument("--report_only", action="store_true",
                        help="write the table from the recorded runs only; train nothing")
    args = parser.parse_args(argv)

    config = Config(steps=args.steps)
    datasets = tuple(args.datasets.split(","))
    variants = tuple(args.variants.split(",")) if args.variants else available_variants()
    seeds = tuple(int(s) for s in args.seeds.split(","))
    for dataset in datasets:
        if dataset not in DATASETS:
            raise ValueError(f"Unknown dataset {dataset!r}; expected some of {list(DATASETS)}")
    for variant in variants:
        if variant not in available_variants():
            raise ValueError(f"Unknown variant {variant!r}; available: {list(available_variants())}")

    ordered = sorted(variants, key=RUN_ORDER.index)
    jobs = [(d, v, s, config) for v in ordered for d in datasets for s in seeds]
    command = "python benchmarks/mode_collapse.py " + " ".join(sys.argv[1:] if argv is None else argv)
    recorded = {} if args.fresh else load_runs(args.runs_file, config)
    results = {key: recorded[key] for key in ((d, v, s) for d, v, s, _ in jobs) if key in recorded}
    if results:
        print(f"Reusing {len(results)} runs recorded in {args.runs_file} with these settings (--fresh reruns them)")
    total = len(jobs)

    def _report():
        return report(results, datasets, variants, seeds, config, command.strip(), len(results), total)

    jobs = [job for job in jobs if job[:3] not in results and not args.report_only]
    total = total if not args.report_only else len(results)
    if args.jobs == 1:
        outcomes = map(_run_job, jobs)
    else:
        # Fresh interpreters ("spawn"): TensorFlow does not survive a fork.
        pool = multiprocessing.get_context("spawn").Pool(args.jobs, maxtasksperchild=1)
        outcomes = pool.imap_unordered(_run_job, jobs)
    for (dataset, variant, seed), r in outcomes:
        results[(dataset, variant, seed)] = r
        if not args.no_write:
            record_run(args.runs_file, dataset, variant, seed, config, r)
        print(
            f"{dataset:7s} {variant:28s} seed {seed}: {r['modes']:2d} modes, "
            f"{r['high_quality']:5.1f} % HQ, reverse KL {r['reverse_kl']:.3f}, "
            f"{r['cpu_s']:.0f} CPU s, {r['wall_s']:.0f} s wall",
            flush=True,
        )
        # Rewritten after every run, so an interrupted benchmark keeps its results.
        if not args.no_write:
            write_section("mode_collapse", _report())
    text = _report()
    if not args.no_write:
        write_section("mode_collapse", text)
    print(text)


if __name__ == "__main__":
    main()
