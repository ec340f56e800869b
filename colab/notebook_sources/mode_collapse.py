"""04 · Mode collapse: feature matching, minibatch discrimination and PacGAN."""

from notebook_sources.common import PLOT_SETUP, code, header, md


def cells():
    file = "04_mode_collapse.ipynb"
    return file, [
        *header(
            file,
            "04 · Mode collapse: feature matching, minibatch discrimination and PacGAN",
            """
            **Mode collapse** is the failure where the generator models only a small subset of the
            data: a few garments, a few digits, a few of the Gaussians of a mixture. Salimans et al.
            (2016, "Improved Techniques for Training GANs") propose two remedies:

            * **feature matching** (§3.1): G matches the mean of an intermediate layer of D on real
              data, instead of maximising D's output (`ganzoo.FeatureMatchingGAN`);
            * **minibatch discrimination** (§3.2): D sees how similar each sample is to the others
              of its batch, so a collapsed batch of look-alikes gives itself away
              (`ganzoo.MinibatchDiscriminationGAN`, with the layer
              `ganzoo.layers.MinibatchDiscrimination`).

            A later remedy changes only what D looks at:

            * **PacGAN** (Lin et al. 2018, "PacGAN: The power of two samples in generative
              adversarial networks"): D judges m samples at once, all real or all generated,
              concatenated (`ganzoo.PacGAN`, with the layer `ganzoo.layers.Pack` as D's first
              layer). A generator that drops modes makes packs of look-alikes far more often than
              the data does, and a packed D penalises that. The loss is the vanilla GAN's.

            Mode collapse is easiest to see, and to count, on 2-D mixtures of Gaussians, PacGAN's
            benchmark: `ring8` (8 modes on a circle) and `grid25` (a 5 × 5 grid).
            `ganzoo.callbacks.ModeCoverage` counts the modes covered after every epoch.
            """,
        ),
        code(
            """
            import tempfile

            import keras
            import matplotlib.pyplot as plt
            import numpy as np
            import tensorflow as tf

            import ganzoo
            from ganzoo.utils.image_grid import image_grid
            """,
            PLOT_SETUP,
            """

    def scatter(points, mixture, title, ax):
        \"\"\"Generated points (blue) over the mixture's modes (red crosses).\"\"\"
        ax.scatter(points[:, 0], points[:, 1], s=1, alpha=0.4)
        ax.scatter(*mixture.centers.T, marker="x", c="red", s=30)
        limit = 1.35 * np.abs(mixture.centers).max()
        ax.set_xlim(-limit, limit); ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([]); ax.set_yticks([])
"""
        ),
        md(
            """
            ## The data

            ring8: 8 modes on the unit circle, σ = 0.01. grid25: 25 modes at {−4, −2, 0, 2, 4}²,
            σ = 0.05. PacGAN's protocol: draw 2 500 samples; a sample is *high quality* within 3σ of
            its nearest mode; a mode is *covered* when it is the nearest mode of at least one
            high-quality sample; the *reverse KL* compares the histogram of the high-quality
            samples over the modes with the uniform one (0 when they spread evenly, log K when all
            sit on one mode). `ganzoo.callbacks.mixture_coverage` computes the three.
            """
        ),
        code(
            """
            fig, axes = plt.subplots(1, 2, figsize=(8, 4))
            for ax, name in zip(axes, ["ring8", "grid25"]):
                mixture = ganzoo.data.MIXTURES[name]
                points = mixture.sample(2500, seed=0)
                scores = ganzoo.callbacks.mixture_coverage(points, mixture)
                scatter(points, mixture, f"{name}: 2 500 real points\\n{scores['modes']} modes, "
                        f"{scores['high_quality']:.0f} % high quality", ax)
            """
        ),
        md(
            """
            ## Four GANs, same networks, same budget

            Each variant gets its default networks from `build_networks((2,), latent_dim=2)`: MLPs
            with three hidden layers of 128 units and a 2-D z, minibatch discrimination adding its
            layer (16 kernels of dimension 4) before D's last dense layer, and PacGAN packing m = 4
            points into each input of D (PacGAN4, the paper's best setting on the grid); and
            `compile()` gives all four Adam(2e-4, β1 = 0.5). These are the settings of `python -m ganzoo.train
            --dataset=ring8`. `ModeCoverage` writes `modes`, `high_quality` and `reverse_kl` into
            the logs after each epoch, so they land in `history` (and in TensorBoard or CSVLogger
            when those are listed after it).
            """
        ),
        code(
            """
            # Deterministic kernels: a rerun on the same machine gives the same numbers as the
            # committed run that the text below describes.
            tf.config.experimental.enable_op_determinism()
            STEPS = 50 if FAST else 3000  # generator steps per run
            EPOCHS = 5 if FAST else 15
            BATCH = 128
            DATASETS = ["ring8", "grid25"]
            VARIANTS = {
                "vanilla": ganzoo.VanillaGAN,
                "feature_matching": ganzoo.FeatureMatchingGAN,
                "minibatch_discrimination": ganzoo.MinibatchDiscriminationGAN,
                "pacgan4": ganzoo.PacGAN,
            }


            def make_gan(variant):
                keras.utils.set_random_seed(0)
                cls = VARIANTS[variant]
                generator, discriminator = cls.build_networks((2,), latent_dim=2)
                gan = cls(generator=generator, discriminator=discriminator, latent_dim=2, seed=0)
                gan.compile()
                return gan


            def snapshot(gan, store):
                \"\"\"A callback that keeps 1 000 samples (always the same z) after every epoch.\"\"\"
                return keras.callbacks.LambdaCallback(
                    on_epoch_end=lambda epoch, logs: store.append(gan.generate(1000, seed=1)))


            histories, final_samples, snapshots = {}, {}, {}
            for dataset in DATASETS:
                data = ganzoo.data.load(dataset, batch_size=BATCH, seed=0, repeat=True)
                for variant in VARIANTS:
                    gan = make_gan(variant)
                    snapshots[dataset, variant] = []
                    histories[dataset, variant] = gan.fit(
                        data, epochs=EPOCHS, steps_per_epoch=STEPS // EPOCHS, verbose=0,
                        callbacks=[ganzoo.callbacks.ModeCoverage(dataset),
                                   snapshot(gan, snapshots[dataset, variant])]).history
                    final_samples[dataset, variant] = gan.generate(2500, seed=1)
                    h = histories[dataset, variant]
                    print(f"{dataset:7s} {variant:25s} modes {h['modes'][-1]:2d}, "
                          f"{h['high_quality'][-1]:5.1f} % high quality, reverse KL {h['reverse_kl'][-1]:.3f}")
            """
        ),
        md("## Coverage over training"),
        code(
            """
            steps = np.arange(1, EPOCHS + 1) * (STEPS // EPOCHS)
            fig, axes = plt.subplots(2, 3, figsize=(15, 7))
            for row, dataset in enumerate(DATASETS):
                num_modes = ganzoo.data.MIXTURES[dataset].num_modes
                for variant in VARIANTS:
                    h = histories[dataset, variant]
                    axes[row, 0].plot(steps, h["modes"], "o-", label=variant)
                    axes[row, 1].plot(steps, h["high_quality"], "o-", label=variant)
                    axes[row, 2].plot(steps, h["reverse_kl"], "o-", label=variant)
                axes[row, 0].axhline(num_modes, color="0.6", ls=":")
                for ax, metric in zip(axes[row], [f"modes covered (of {num_modes})", "% high quality",
                                                  "reverse KL (0 = even)"]):
                    ax.set_title(f"{dataset}: {metric}", fontsize=10)
                    ax.set_xlabel("generator step")
                axes[row, 0].legend(fontsize=8)
            fig.tight_layout()
            """
        ),
        code(
            """
            for dataset in DATASETS:
                num_modes = ganzoo.data.MIXTURES[dataset].num_modes
                for variant in VARIANTS:
                    h = histories[dataset, variant]
                    reached = [step for step, modes in zip(steps, h["modes"]) if modes == num_modes]
                    print(f"{dataset:7s} {variant:25s} first check: {h['modes'][0]:2d} modes, reverse KL "
                          f"{h['reverse_kl'][0]:.2f} | end: {h['high_quality'][-1]:4.1f} % HQ, reverse KL "
                          f"{h['reverse_kl'][-1]:.2f} | " + (f"all {num_modes} modes first at step {reached[0]}"
                                                             if reached else f"never all {num_modes} modes"))
            """
        ),
        md(
            """
            ## The ring during training

            The same 1 000 latent codes after a few of the epochs: where each generator puts its
            samples while it learns.
            """
        ),
        code(
            """
            shown = sorted({0, EPOCHS // 4, EPOCHS // 2, 3 * EPOCHS // 4, EPOCHS - 1})
            fig, axes = plt.subplots(len(VARIANTS), len(shown), figsize=(2.6 * len(shown), 2.8 * len(VARIANTS)))
            for row, variant in enumerate(VARIANTS):
                for column, epoch in enumerate(shown):
                    scatter(snapshots["ring8", variant][epoch], ganzoo.data.MIXTURES["ring8"],
                            f"{variant}, step {steps[epoch]}", axes[row, column])
            fig.tight_layout()
            """
        ),
        md("## The samples at the end"),
        code(
            """
            fig, axes = plt.subplots(2, len(VARIANTS), figsize=(3.7 * len(VARIANTS), 7.4))
            for row, dataset in enumerate(DATASETS):
                mixture = ganzoo.data.MIXTURES[dataset]
                for column, variant in enumerate(VARIANTS):
                    samples = final_samples[dataset, variant]
                    scores = ganzoo.callbacks.mixture_coverage(samples, mixture)
                    scatter(samples, mixture, f"{dataset}, {variant}\\n{scores['modes']} modes, "
                            f"{scores['high_quality']:.0f} % HQ", axes[row, column])
            fig.tight_layout()
            """
        ),
        md(
            """
            In the run committed with this notebook (a CPU, 3 000 steps, deterministic kernels; other
            CPUs give other numbers, and the printouts above hold this run's): on the ring, the
            vanilla GAN starts as a blob over one side of the ring, its few good samples all on one
            mode at the first check (reverse KL = log 8 ≈ 2.08), and needs 1 200 steps to reach all 8
            modes; feature matching spreads over the whole ring first (step 600), but its coverage
            wobbles and it ends loose (6 modes, 4 % high quality); minibatch discrimination covers
            all 8 by step 800 and ends with the most even histogram (reverse KL 0.06) and the most
            high-quality samples (64 %). PacGAN4 is the slowest starter here: it reaches all 8
            modes only at step 1 800 and ends on 3, with 1 % of its samples high quality. A packed D
            sees a quarter as many decisions per batch, and 3 000 steps of Adam(2e-4) are too few for
            it. On grid25 the budget is far too small for any of the four: most samples still lie
            between the modes (a few % high quality), so the mode counts say little yet.

            `benchmarks/mode_collapse.py` trains these variants for 22 000 steps with a larger,
            decaying learning rate, over 3 seeds (its table is in `benchmarks/RESULTS.md`). There
            PacGAN earns its keep on the ring (PacGAN4: 8/8 modes, 96.9 % high quality, the cheapest
            run of the table), while on the grid it covers 24 of 25 modes but with only 63 % of its
            samples high quality; the R1 penalty below is what covers the grid.

            What to look for: a collapsing generator covers fewer modes, or piles its samples on a
            few of them (a high reverse KL); minibatch discrimination lets D see a batch of
            look-alikes, and feature matching gives G a target that does not move to wherever D is
            weakest.

            ## The zoo's grid25 generators

            Pretrained 2-D generators, trained by `python -m ganzoo.train` with the default networks
            above for many more steps (their cards hold the commands): the vanilla
            (non-saturating) GAN, which collapses, and the same GAN with the R1 penalty of
            Mescheder et al. 2018 (γ = 0.1, `--model_args='{"r1_gamma": 0.1}'`), the best remedy of
            `benchmarks/mode_collapse.py` (25/25 modes in 3 of 3 seeds).
            """
        ),
        code(
            """
            available = ganzoo.zoo.list_models()
            names = [n for n in ["grid25_vanilla", "grid25_r1"] if n in available]
            missing = sorted({"grid25_vanilla", "grid25_r1"} - set(names))
            if missing:
                print(f"Not in this checkout's zoo: {missing} (available: {available})")
            if names:
                fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 4.5), squeeze=False)
                for ax, name in zip(axes[0], names):
                    model = ganzoo.zoo.load(name)
                    samples = model.sample(2500, seed=0)
                    scores = ganzoo.callbacks.mixture_coverage(samples, "grid25")
                    scatter(samples, ganzoo.data.MIXTURES["grid25"],
                            f"{name}, {model.card['training']['steps']} steps\\n{scores['modes']} modes, "
                            f"{scores['high_quality']:.0f} % HQ, "
                            f"reverse KL {scores['reverse_kl']:.2f}", ax)
            """
        ),
        md(
            """
            ## On images: classes covered

            On images, a classifier stands in for the modes: `ModeCoverage(classifier=...)` (and the
            function `ganzoo.callbacks.class_coverage`) counts the classes predicted at least once
            and the KL of the predicted-label histogram against uniform. Here the zoo's Fashion-MNIST
            generators, labelled by ganzoo's shipped classifier
            (`ganzoo.metrics.load_classifier("fashion_mnist")`, 92.8 % test accuracy).
            """
        ),
        code(
            """
            CLASSES = ["T-shirt", "trouser", "pullover", "dress", "coat",
                       "sandal", "shirt", "sneaker", "bag", "boot"]
            classifier = ganzoo.metrics.load_classifier("fashion_mnist")
            names = [n for n in ganzoo.zoo.list_models() if n.startswith("fashion_mnist")]
            num = 500 if FAST else 5000
            if not names:
                print("No Fashion-MNIST generator in this checkout's zoo.")
            else:
                plt.figure(figsize=(9, 3.4))
                width = 0.8 / len(names)
                for i, name in enumerate(names):
                    images = ganzoo.zoo.load(name).sample(num, seed=0)
                    logits = ganzoo.metrics.classify(images, classifier)["logits"]
                    coverage = ganzoo.callbacks.class_coverage(logits)
                    share = np.bincount(logits.argmax(-1), minlength=10) / len(logits)
                    plt.bar(np.arange(10) + i * width, share, width,
                            label=f"{name}: {coverage['classes']} classes, KL {coverage['class_kl']:.3f}")
                plt.axhline(0.1, color="0.5", ls=":", label="uniform")
                plt.xticks(np.arange(10) + 0.4 - width / 2, CLASSES, fontsize=8)
                plt.ylabel("share of samples")
                plt.legend(fontsize=7)
                plt.title(f"predicted classes of {num} samples per generator", fontsize=10);
            """
        ),
    ]
