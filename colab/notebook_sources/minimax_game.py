"""02 · The minimax game: D against G, fit with callbacks, the vanishing gradient."""

from notebook_sources.common import PLOT_SETUP, code, header, md


def cells():
    file = "02_minimax_game.ipynb"
    return file, [
        *header(
            file,
            "02 · The minimax game: D against G, and the vanishing gradient",
            """
            Goodfellow et al. (2014) train two networks against each other. The discriminator D
            learns to tell real images from generated ones; the generator G learns to fool it. They
            play the two-player minimax game

            $$\\min_G \\max_D \\; V(D, G) = \\mathbb{E}_{x}[\\log D(x)] + \\mathbb{E}_{z}[\\log(1 - D(G(z)))]$$

            by alternating gradient steps (the paper's Algorithm 1): a D step on a batch of real
            images labelled 1 and generated images labelled 0, then a G step with D held fixed.
            This notebook

            1. looks at one D step: the merged batch of real and fake images;
            2. trains with `model.fit`, callbacks and TensorBoard;
            3. compares the original (*minimax*, saturating) generator loss with the
               *non-saturating* one, and watches the gradient meter show why the paper recommends
               the second.
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
            ## D against G on one batch

            Both GANs of this notebook use small DCGAN networks (32 base filters instead of 64, to
            be quick on a CPU) built by `ganzoo.architectures`, with the same initial weights.
            """
        ),
        code(
            """
            LATENT_DIM, BATCH = 64, 64
            STEPS = 30 if FAST else 300  # generator steps per training run
            STEPS_PER_EPOCH = 5 if FAST else 10  # short "epochs": one row of logs every 10 steps

            data = ganzoo.data.load("fashion_mnist", batch_size=BATCH, seed=0, repeat=True)


            def make_gan(loss):
                \"\"\"A VanillaGAN with the given loss, always from the same initial weights.\"\"\"
                keras.utils.set_random_seed(0)
                generator = ganzoo.architectures.dcgan_generator((28, 28, 1), LATENT_DIM, base_filters=32)
                discriminator = ganzoo.architectures.dcgan_discriminator((28, 28, 1), base_filters=32)
                gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator,
                                        latent_dim=LATENT_DIM, loss=loss, seed=0)
                gan.compile()  # Adam(2e-4, beta_1=0.5) for both, as in DCGAN
                return gan
            """
        ),
        md(
            """
            D's step sees **one merged batch**: the real images first, then as many generated
            ones. `gan.discriminate(real, fake)` is that call (a hook of `ganzoo.GAN`; variants
            such as minibatch discrimination change it). D returns logits, real is 1, and its
            loss is the binary cross-entropy of the merged batch: the minimax loss of
            `ganzoo.losses` is exactly that, summed over the two halves.
            """
        ),
        code(
            """
            gan = make_gan("minimax")
            real = next(iter(data))  # (64, 28, 28, 1), float32 in [-1, 1]
            fake = gan.generator(tf.random.stateless_normal((BATCH, LATENT_DIM), seed=[0, 0]))
            real_logits, fake_logits = gan.discriminate(real, fake, training=False)

            d_loss = ganzoo.losses.minimax_discriminator_loss(real_logits, fake_logits)
            labels = tf.concat([tf.ones((BATCH, 1)), tf.zeros((BATCH, 1))], axis=0)  # real is 1
            merged = keras.losses.BinaryCrossentropy(from_logits=True)(
                labels, tf.concat([real_logits, fake_logits], axis=0))
            print(f"minimax D loss {float(d_loss):.4f} = 2 × cross-entropy of the merged batch "
                  f"{2 * float(merged):.4f}")

            fig, axes = plt.subplots(2, 8, figsize=(10, 3))
            for i in range(8):
                for row, (images, logits, kind) in enumerate([(real, real_logits, "real"),
                                                               (fake, fake_logits, "fake")]):
                    axes[row, i].imshow(images[i, ..., 0], vmin=-1, vmax=1)
                    axes[row, i].set_title(f"{kind} D={float(tf.sigmoid(logits[i, 0])):.2f}", fontsize=8)
                    axes[row, i].axis("off")
            fig.suptitle("the merged batch before training: D(x) is a coin toss", fontsize=10);
            """
        ),
        md(
            """
            ## Why the original generator loss saturates

            Written as losses of D's logit ℓ on a fake (D(G(z)) = σ(ℓ)), the two generator
            objectives are

            * minimax: G descends log(1 − D(G(z))) = −softplus(ℓ), gradient −σ(ℓ);
            * non-saturating: G ascends log D(G(z)), i.e. descends softplus(−ℓ), gradient
              −(1 − σ(ℓ)).

            Early in training D rejects the fakes confidently (D(G(z)) → 0). There the minimax
            gradient vanishes while the non-saturating one is close to 1 in size: "early in
            learning ... log(1 − D(G(z))) saturates" (Goodfellow et al. 2014, §3). The curves below
            are the gradients of `ganzoo.losses`' own functions, taken by `tf.GradientTape`.
            """
        ),
        code(
            """
            logits = tf.linspace(-9.0, 9.0, 201)
            gradients = {}
            for loss in ["minimax", "non_saturating"]:
                _, generator_loss = ganzoo.losses.get(loss)
                with tf.GradientTape() as tape:
                    tape.watch(logits)
                    total = generator_loss(logits[:, None]) * len(logits)  # the losses are batch means
                gradients[loss] = np.abs(tape.gradient(total, logits).numpy())

            d_of_fake = tf.sigmoid(logits).numpy()
            plt.figure(figsize=(6, 3.5))
            for loss, gradient in gradients.items():
                plt.semilogy(d_of_fake, gradient, label=loss)
            plt.axvspan(0, 0.1, color="0.9", label="D rejects the fakes")
            plt.xlabel("D(G(z))")
            plt.ylabel("|∂ loss / ∂ logit|")
            plt.legend()
            plt.title("generator gradient per fake", fontsize=10);
            """
        ),
        md(
            """
            ## Training with `model.fit`, callbacks and TensorBoard

            A ganzoo GAN trains with plain `fit`, so every Keras callback works, and ganzoo's
            callbacks write into the same `logs`:

            * `ganzoo.callbacks.SampleGrid` draws samples from a fixed z every few epochs (a PNG
              file and a TensorBoard image);
            * `ganzoo.callbacks.TrainingHealth` warns, in plain words, when G's gradient vanishes
              or D saturates;
            * `keras.callbacks.TensorBoard` and `CSVLogger` record the losses and meters.

            First the non-saturating loss, the default of `VanillaGAN`.
            """
        ),
        code(
            """
            log_dir = os.path.join(WORKDIR, "logs")
            samples_dir = os.path.join(WORKDIR, "samples")
            every = max(1, STEPS // STEPS_PER_EPOCH // 5)  # five pictures per run


            def callbacks_for(loss):
                health = ganzoo.callbacks.TrainingHealth()
                return health, [
                    health,
                    ganzoo.callbacks.SampleGrid(os.path.join(samples_dir, loss), num=36, every_n_epochs=every,
                                                log_dir=os.path.join(log_dir, loss)),
                    keras.callbacks.TensorBoard(os.path.join(log_dir, loss)),
                    keras.callbacks.CSVLogger(os.path.join(WORKDIR, f"{loss}.csv")),
                ]


            histories, healths, gans = {}, {}, {}
            for loss in ["non_saturating", "minimax"]:
                gans[loss] = make_gan(loss)
                healths[loss], callbacks = callbacks_for(loss)
                histories[loss] = gans[loss].fit(data, epochs=STEPS // STEPS_PER_EPOCH,
                                                 steps_per_epoch=STEPS_PER_EPOCH,
                                                 callbacks=callbacks, verbose=0).history
                print(loss, {k: round(v[-1], 3) for k, v in histories[loss].items()})
            """
        ),
        md(
            """
            On Colab the next cell opens TensorBoard inside the notebook (losses, meters and the
            sample images, one run per loss). Elsewhere, run the command it prints.
            """
        ),
        code(
            """
            if IN_COLAB:
                get_ipython().run_line_magic("load_ext", "tensorboard")
                get_ipython().run_line_magic("tensorboard", f"--logdir {log_dir}")
            else:
                print(f"tensorboard --logdir {log_dir}")
            """
        ),
        md(
            """
            `SampleGrid` wrote a picture every few epochs, always from the same z, so the rows
            below show each generator learning.
            """
        ),
        code(
            """
            fig, axes = plt.subplots(2, 5, figsize=(11, 4.8))
            for row, loss in enumerate(["non_saturating", "minimax"]):
                pictures = sorted(os.listdir(os.path.join(samples_dir, loss)))[-5:]
                for ax, picture in zip(axes[row], pictures):
                    ax.imshow(plt.imread(os.path.join(samples_dir, loss, picture)))
                    step = int(picture.split("_")[1].split(".")[0]) * STEPS_PER_EPOCH
                    ax.set_title(f"{loss}, step {step}", fontsize=9)
                    ax.axis("off")
                for ax in axes[row][len(pictures):]:
                    ax.axis("off")
            """
        ),
        md(
            """
            ## The gradient meter: minimax against non-saturating

            Both runs started from the same weights and saw the same data. `g_grad_norm` is the
            norm of G's gradient at each step (the mean over each 10-step epoch), `d_fake` D's mean
            verdict D(G(z)) on the fakes.
            """
        ),
        code(
            """
            steps = np.arange(1, STEPS // STEPS_PER_EPOCH + 1) * STEPS_PER_EPOCH
            fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
            for loss, history in histories.items():
                axes[0].semilogy(steps, history["g_grad_norm"], label=loss)
                axes[1].plot(steps, history["d_fake"], label=f"{loss}: D(G(z))")
                axes[1].plot(steps, history["d_real"], ":", label=f"{loss}: D(x)")
            axes[0].set_title("‖∇G‖, the generator's gradient norm", fontsize=10)
            axes[1].set_title("D's mean verdict on real and fake", fontsize=10)
            for ax in axes:
                ax.set_xlabel("generator step")
                ax.legend(fontsize=8)

            late = slice(len(steps) // 2, None)  # the second half of training
            ratio = np.mean(histories["non_saturating"]["g_grad_norm"][late]) / np.mean(
                histories["minimax"]["g_grad_norm"][late])
            print(f"second half of training: G's gradient is {ratio:.1f}× larger with the non-saturating loss; "
                  f"D(G(z)) = {np.mean(histories['minimax']['d_fake'][late]):.3f} under minimax")
            for loss, health in healths.items():
                print(f"TrainingHealth, {loss}:", health.messages or "no warning")
            """
        ),
        md(
            """
            D learns fast and soon rejects most fakes: D(G(z)) falls well below ½. In that regime
            the minimax generator receives a gradient scaled by σ(ℓ) = D(G(z)) per fake, a fraction
            of the 1 − D(G(z)) that the non-saturating loss gives it from the same position: it
            learns more slowly, and its samples above lag behind. That is the vanishing gradient of the seed, measured.
            `TrainingHealth` warns only in the extreme case (G's gradient below 1 % of its peak, or
            D right with ≥ 99 % confidence for 20 checks in a row); here the gradient is weak, not
            gone, and the printout above says whether it fired.

            Next: [03 · Wasserstein](03_wasserstein.ipynb), a loss whose gradient does not vanish
            when D wins.
            """
        ),
    ]
