"""03 · Wasserstein GANs: weight clipping against the gradient penalty."""

from notebook_sources.common import PLOT_SETUP, code, header, md


def cells():
    file = "03_wasserstein.ipynb"
    return file, [
        *header(
            file,
            "03 · Wasserstein GANs: weight clipping against gradient penalty",
            """
            The seed names two remedies to the failures of the original GAN, each with its price:

            * the **KL objective** (the non-saturating loss, whose generator minimises
              KL(p_g ‖ p_data) − 2 JS, Arjovsky & Bottou 2017) removes the vanishing gradient, but
              its reverse KL barely punishes a generator that drops modes: it favours **mode
              collapse**;
            * the **Wasserstein loss** (Arjovsky et al. 2017) gives useful gradients even when the
              two distributions do not overlap and **stabilises** training, but it needs a
              Lipschitz critic, and it may converge slowly or not at all.

            This notebook shows why the Wasserstein distance helps, then trains the two ways of
            keeping the critic Lipschitz, weight clipping (`ganzoo.WGAN`) and the gradient penalty
            (`ganzoo.WGANGP`, Gulrajani et al. 2017), beside the non-saturating GAN, on the 2-D
            ring of 8 Gaussians, where the critic can be drawn.
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
        ),
        md(
            """
            ## Distributions that do not overlap

            Arjovsky et al.'s first example: real data on the vertical line x = 0, generated data on
            the line x = θ. For θ ≠ 0 the supports are disjoint, and

            * the Jensen-Shannon divergence (what the minimax D estimates) is log 2 whatever θ;
            * KL(p_g ‖ p_data) is infinite;
            * the Wasserstein (earth-mover) distance is |θ|.

            Only the Wasserstein distance tells the generator which way to move. Images live near
            low-dimensional manifolds of pixel space, so early in training real and generated
            images are exactly in this situation.
            """
        ),
        code(
            """
            theta = np.linspace(-1, 1, 201)
            plt.figure(figsize=(6, 3.2))
            plt.plot(theta, np.where(theta == 0, 0, np.log(2)), label="JS divergence")
            plt.plot(theta, np.abs(theta), label="Wasserstein distance")
            plt.plot(theta, np.where(theta == 0, 0, 2.0), "--", label="KL (∞ for θ ≠ 0; drawn at 2)")
            plt.xlabel("θ, the position of the generated line")
            plt.legend(fontsize=8)
            plt.title("distance between the real and the generated line", fontsize=10);
            """
        ),
        md(
            """
            ## Three GANs on the ring

            The same MLP networks and data for all three; each variant keeps its paper's
            settings (`compile()` without arguments):

            | variant | critic / D | D steps per G step | optimizer |
            |---|---|---|---|
            | `VanillaGAN(loss="non_saturating")` | logits, cross-entropy | 1 | Adam(2e-4, β1 = 0.5) |
            | `WGAN` | raw scores, weights clipped to [−0.01, 0.01] | 5 | RMSprop(5e-5) |
            | `WGANGP` | raw scores, λ(‖∇D(x̂)‖ − 1)², λ = 10 | 5 | Adam(1e-4, β1 = 0, β2 = 0.9) |

            `ganzoo.callbacks.ModeCoverage("ring8")` scores 2 500 samples after every epoch
            (PacGAN's protocol): modes covered, % of high-quality samples within 3σ of a mode.
            """
        ),
        code(
            """
            DATASET = "ring8"
            STEPS = 40 if FAST else 2000  # generator steps per run
            EPOCHS = 4 if FAST else 20
            data = ganzoo.data.load(DATASET, batch_size=256, seed=0, repeat=True)
            mixture = ganzoo.data.MIXTURES[DATASET]

            VARIANTS = {
                "non_saturating": (ganzoo.VanillaGAN, {"loss": "non_saturating"}),
                "wgan (clipping)": (ganzoo.WGAN, {}),
                "wgan_gp": (ganzoo.WGANGP, {}),
            }
            gans, histories = {}, {}
            for label, (cls, options) in VARIANTS.items():
                keras.utils.set_random_seed(0)
                generator, critic = cls.build_networks((2,), latent_dim=2)
                gans[label] = cls(generator=generator, discriminator=critic, latent_dim=2, seed=0, **options)
                gans[label].compile()
                histories[label] = gans[label].fit(
                    data, epochs=EPOCHS, steps_per_epoch=STEPS // EPOCHS, verbose=0,
                    callbacks=[ganzoo.callbacks.ModeCoverage(DATASET)]).history
                final = {k: round(histories[label][k][-1], 3) for k in ["modes", "high_quality"]}
                print(f"{label:16s}", final)
            """
        ),
        md(
            """
            ## What the critic reports

            For the Wasserstein critics, `d_real − d_fake` (their mean score on real minus on
            generated points) is the critic's estimate of the Wasserstein distance, up to the
            Lipschitz constant: it should fall as the generator improves. The gradient norms show
            how hard each network is pushed; WGAN-GP also logs its penalty `gradient_penalty`.
            """
        ),
        code(
            """
            steps = np.arange(1, EPOCHS + 1) * (STEPS // EPOCHS)
            fig, axes = plt.subplots(1, 4, figsize=(16, 3.4))
            for label in ["wgan (clipping)", "wgan_gp"]:
                h = histories[label]
                axes[0].plot(steps, np.array(h["d_real"]) - np.array(h["d_fake"]), label=label)
            for label, h in histories.items():
                axes[1].semilogy(steps, h["d_grad_norm"], label=label)
                axes[2].semilogy(steps, h["g_grad_norm"], label=label)
            axes[3].plot(steps, histories["wgan_gp"]["gradient_penalty"], label="wgan_gp: λ·GP")
            titles = ["critic estimate d_real − d_fake", "‖∇D‖ (critic's parameters)",
                      "‖∇G‖ (generator's parameters)", "gradient penalty"]
            for ax, title in zip(axes, titles):
                ax.set_title(title, fontsize=10)
                ax.set_xlabel("generator step")
                ax.legend(fontsize=8)
            """
        ),
        md(
            """
            ## The critic, drawn

            Each panel shows a critic's output over the plane (colour) with the 8 real modes (red
            crosses) and 500 generated points (white), then the size of its gradient with respect
            to the input, ‖∇ₓD(x)‖: that is what the generator follows. Clipping every weight to
            ±0.01 makes a nearly flat, nearly linear function with a tiny gradient; the penalty
            keeps ‖∇ₓD‖ near 1 between the data and the samples, the property the Wasserstein
            dual needs (Gulrajani et al. 2017, Fig. 1).
            """
        ),
        code(
            """
            axis = np.linspace(-1.6, 1.6, 81, dtype=np.float32)
            plane = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


            def critic_and_gradient(gan):
                \"\"\"D(x) and ‖∇ₓD(x)‖ on the plane, as (81, 81) arrays.\"\"\"
                points = tf.constant(plane)
                with tf.GradientTape() as tape:
                    tape.watch(points)
                    scores = gan.discriminator(points, training=False)
                gradient = tape.gradient(scores, points)
                return (scores.numpy().reshape(len(axis), len(axis)),
                        np.linalg.norm(gradient.numpy(), axis=-1).reshape(len(axis), len(axis)))


            fig, axes = plt.subplots(2, 3, figsize=(12, 7.6))
            extent = [axis[0], axis[-1], axis[0], axis[-1]]
            for column, (label, gan) in enumerate(gans.items()):
                scores, gradient_norm = critic_and_gradient(gan)
                samples = gan.generate(500, seed=1)
                for row, (values, title, cmap) in enumerate([(scores, "D(x)", "viridis"),
                                                             (gradient_norm, "‖∇ₓD(x)‖", "magma")]):
                    ax = axes[row, column]
                    im = ax.imshow(values, origin="lower", extent=extent, cmap=cmap)
                    ax.scatter(samples[:, 0], samples[:, 1], s=2, c="white", alpha=0.6)
                    ax.scatter(*mixture.centers.T, marker="x", c="red", s=40)
                    ax.set_xlim(extent[:2]); ax.set_ylim(extent[2:])
                    ax.set_title(f"{label}: {title}", fontsize=10)
                    fig.colorbar(im, ax=ax, fraction=0.046)
                    ax.set_xticks([]); ax.set_yticks([])
                print(f"{label:16s} ‖∇ₓD‖ over the plane: median {np.median(gradient_norm):.3g}, "
                      f"max {gradient_norm.max():.3g}")
            """
        ),
        md(
            """
            ## Modes and quality over training

            The price list of the seed, in numbers: how many of the 8 modes each generator covers,
            and how many of its samples are good, epoch by epoch.
            """
        ),
        code(
            """
            fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
            for label, h in histories.items():
                axes[0].plot(steps, h["modes"], "o-", label=label)
                axes[1].plot(steps, h["high_quality"], "o-", label=label)
            axes[0].set_title("modes covered (of 8)", fontsize=10)
            axes[1].set_title("% high-quality samples (within 3σ)", fontsize=10)
            for ax in axes:
                ax.set_xlabel("generator step")
                ax.legend(fontsize=8)
            """
        ),
        md(
            """
            In the run committed with this notebook (a CPU, 2 000 generator steps), the
            non-saturating GAN has found most of the ring while neither Wasserstein generator has
            reached it: the clipped critic's gradient is about 10⁻³ everywhere, so with
            RMSprop(5e-5) G barely moves; WGAN-GP's critic has gradients of size ≈ 1 everywhere,
            and its generator is still travelling along them toward the data. That is the seed's
            trade-off in one picture: the Wasserstein critic gives a smooth signal that does not
            vanish, but following it takes many steps (the papers train for 10⁵), and it does not
            promise convergence. The printout below summarises whatever this run reached. Longer
            runs, other seeds and the other objectives of `ganzoo.losses` (`hinge`,
            `least_squares`, `kl`, `reverse_kl`, through `VanillaGAN(loss=...)`) are one argument
            away.
            """
        ),
        code(
            """
            for label, h in histories.items():
                reached = [step for step, modes in zip(steps, h["modes"]) if modes == mixture.num_modes]
                print(f"{label:16s} end: {h['modes'][-1]} of {mixture.num_modes} modes, "
                      f"{h['high_quality'][-1]:4.1f} % high quality; "
                      + (f"all modes first covered at step {reached[0]}" if reached else "never all modes"))
            """
        ),
        md(
            """
            ## On images

            The zoo has a WGAN-GP DCGAN on Fashion-MNIST beside the non-saturating one (their
            cards give the IS and FID of 10 000 samples with ganzoo's shipped classifier).
            """
        ),
        code(
            """
            available = ganzoo.zoo.list_models()
            names = [n for n in ["fashion_mnist_vanilla", "fashion_mnist_wgan_gp"] if n in available]
            missing = sorted({"fashion_mnist_vanilla", "fashion_mnist_wgan_gp"} - set(names))
            if missing:
                print(f"Not in this checkout's zoo: {missing} (available: {available})")
            if names:
                fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 4.8), squeeze=False)
                for ax, name in zip(axes[0], names):
                    model = ganzoo.zoo.load(name)
                    m = model.card["evaluation"]["metrics"]
                    show_images(model.sample(49, seed=0),
                                f"{name}\\nIS {m['inception_score']:.2f}, FID {m['fid']:.1f}", ax=ax)
            """
        ),
    ]
