r"""Builds the Colab tutorials of colab/ from the cells written below.

The notebooks are generated, so that a review reads plain Python and Markdown
here instead of JSON. Edit the cells in this file, then

    python colab/build_notebooks.py             # rewrites colab/*.ipynb, without outputs
    python colab/build_notebooks.py --execute   # ... and runs each in place, FAST unset

The second form is how the committed outputs are made: a real, full run, so
that readers on GitHub see the pictures. ``tests/test_notebooks.py`` runs
every notebook with ``FAST=1`` (tiny step counts) on a temporary copy.

Every notebook calls only ganzoo's public API; the few helpers defined in the
notebooks draw pictures with matplotlib.
"""

import argparse
import os
import sys
import textwrap
import time

import nbformat

COLAB_DIR = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = "ganzoo/ganzoo"
COLAB_URL = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/colab/{{file}}"
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](" + COLAB_URL + ")"
# Seconds one cell may run when the notebooks are executed in place (full run).
CELL_TIMEOUT_S = 1800


def md(text):
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(*parts):
    """A code cell from one or more blocks of source, each dedented on its own."""
    return nbformat.v4.new_code_cell("\n\n".join(textwrap.dedent(p).strip("\n") for p in parts).strip())


def header(file, title, intro):
    """Title with the Colab badge, then the install cell and the FAST switch."""
    return [
        md(f"# {title}\n\n{BADGE.format(file=file)}\n\n{textwrap.dedent(intro).strip()}"),
        code(
            """
            # On Colab: install ganzoo from GitHub; the pretrained zoo (saved_models/) comes with the
            # repository. Training is much faster on a GPU runtime (Runtime > Change runtime type >
            # GPU); a CPU runtime runs everything too. Anywhere else this cell does nothing: there,
            # install ganzoo with `pip install -e .` in a clone of the repository.
            import os
            import subprocess
            import sys

            IN_COLAB = "google.colab" in sys.modules
            if IN_COLAB:
                if not os.path.isdir("/content/ganzoo"):
                    subprocess.run(["git", "clone", "--depth=1", "https://github.com/ganzoo/ganzoo",
                                    "/content/ganzoo"], check=True)
                subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/ganzoo"],
                               check=True)
                sys.path.insert(0, "/content/ganzoo")  # importable now, without restarting the runtime
                import tensorflow as tf

                print("GPU:", tf.config.list_physical_devices("GPU") or "none (CPU runtime: slower, works)")
            """
        ),
        code(
            """
            # FAST=1 in the environment shrinks every step count and sample size to a smoke run (the
            # test suite runs the notebooks that way). Leave it unset for the real thing.
            FAST = os.environ.get("FAST") == "1"
            print("FAST run" if FAST else "Full run")
            """
        ),
    ]


PLOT_SETUP = """
    plt.rcParams.update({"figure.dpi": 72, "image.cmap": "gray", "axes.grid": False})
    keras.utils.set_random_seed(0)
    WORKDIR = tempfile.mkdtemp(prefix="ganzoo_")  # everything this notebook writes goes here


    def show_images(images, title=None, ax=None, columns=None):
        \"\"\"Draws images in [-1, 1] as one grid (ganzoo.utils.image_grid).\"\"\"
        ax = ax or plt.figure(figsize=(4, 4)).gca()
        grid = image_grid(images, columns=columns)
        ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, vmin=0, vmax=255)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
        return ax
"""


# --------------------------------------------------------------------------------------------
# 01 · Quickstart
# --------------------------------------------------------------------------------------------
def quickstart():
    file = "01_quickstart.ipynb"
    return file, [
        *header(
            file,
            "01 · Quickstart: pretrained GANs, sampling, your own GAN, export",
            """
            ganzoo is a Keras 3 / TensorFlow model zoo of generative adversarial networks. This
            notebook takes the shortest path through it:

            1. list the pretrained generators of the zoo and load one (its files are verified
               against the model card first);
            2. sample a grid, walk the latent space, and use the exported SavedModel with plain
               TensorFlow, without ganzoo;
            3. train a small GAN yourself with `model.fit`, save it to `.keras`, reload it and keep
               training, then export its generator and reload that.
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
            ## The zoo

            `ganzoo.zoo.list_models()` lists the pretrained generators in `saved_models/`. Each
            directory holds a generator SavedModel, a sample grid and `model_card.json`: how the
            model was trained (the exact command, steps, wall time, machine), its scores, and the
            sha256 of every file, which `ganzoo.zoo.load` checks before TensorFlow reads anything.
            """
        ),
        code(
            """
            available = ganzoo.zoo.list_models()
            print("Pretrained models:", available)

            WANTED = "fashion_mnist_vanilla"
            name = WANTED if WANTED in available else next(
                (n for n in available if n.startswith("fashion_mnist")), None)
            if name != WANTED:
                print(f"{WANTED!r} is not in this checkout's zoo ({ganzoo.zoo.zoo_dir()}); "
                      + (f"using {name!r} instead." if name else
                         "the zoo cells below are skipped. Train a model with `python -m ganzoo.train` "
                         "and add it with `python -m ganzoo.publish`."))
            """
        ),
        code(
            """
            if name:
                model = ganzoo.zoo.load(name)  # refuses a file whose sha256 differs from the card
                card = model.card
                training, metrics = card["training"], card["evaluation"]["metrics"]
                print(f"{name}: {card['variant']} on {card['dataset']}, latent_dim {model.latent_dim}")
                print(f"trained by: {training['command']}")
                print(f"           {training['steps']} steps of batch {training['batch_size']}, "
                      f"{training['wall_time_s'] / 60:.0f} min on {training['machine'].get('cpu_count')} CPU cores")
                if "inception_score" in metrics:
                    print(f"scores:    IS {metrics['inception_score']:.2f} "
                          f"(real test set {metrics['real_data']['inception_score_test_set']:.2f}), "
                          f"FID {metrics['fid']:.2f}, KID {metrics['kid']:.3f} "
                          f"on {metrics['num_samples']} samples")
            """
        ),
        md(
            """
            ## Sampling

            `model.sample(num, seed)` returns float32 images in [-1, 1], channels last; the same
            seed always gives the same images.
            """
        ),
        code(
            """
            if name:
                images = model.sample(64, seed=0)
                print(images.shape, images.dtype, f"values in [{images.min():.2f}, {images.max():.2f}]")
                assert np.array_equal(images, model.sample(64, seed=0))  # same seed, same images
                show_images(images, f"{name}: 64 samples, seed 0")
            """
        ),
        md(
            """
            The generator is a smooth function of its latent code z ~ N(0, I): walking in a straight
            line from one z to another morphs one garment into another. The exported SavedModel's
            `serving_default` endpoint maps a batch of z to images.
            """
        ),
        code(
            """
            if name:
                ends = tf.random.stateless_normal((2, model.latent_dim), seed=[1, 2])
                t = tf.linspace(0.0, 1.0, 10)[:, None]
                walk = model.saved_model.serving_default((1 - t) * ends[0] + t * ends[1])["images"]
                plt.figure(figsize=(10, 1.6))
                show_images(walk.numpy(), "a straight line in latent space", ax=plt.gca(), columns=10)
            """
        ),
        md(
            """
            ### Without ganzoo

            The zoo's generators are plain SavedModels: any TensorFlow program (or `hub.load`) can
            use them. Besides `serving_default(z)` they have `uint8(z)`, images ready for PNG, and
            `sample(num, seed)`, which needs no latent size. From a shell,
            `python -m ganzoo.sample --model=fashion_mnist_vanilla --num=64 --out=grid.png` writes
            a grid.
            """
        ),
        code(
            """
            if name:
                plain = tf.saved_model.load(os.path.join(ganzoo.zoo.resolve(name), "generator"))
                print("signatures:", sorted(plain.signatures))
                pixels = plain.signatures["uint8"](z=tf.zeros((4, model.latent_dim)))["images"]
                print("uint8(z):", pixels.dtype.name, pixels.shape)
                drawn = plain.sample(num=4, seed=0)["images"].numpy()
                assert np.allclose(drawn, model.sample(4, seed=0))  # the same function as model.sample
            """
        ),
        md(
            """
            ## Your own GAN in five lines

            Every ganzoo GAN is a `keras.Model`: build the two networks, `compile`, `fit` on a
            `tf.data.Dataset` of images in [-1, 1]. `build_networks` gives each variant's default
            nets (here DCGAN), and `compile()` without arguments takes the paper's optimizers
            (Adam(2e-4, β1 = 0.5) for the vanilla GAN). `ganzoo.data.load("fashion_mnist")` reads
            Fashion-MNIST offline from Debian's `dataset-fashion-mnist` package when present, and
            through `tensorflow_datasets` elsewhere (on Colab).

            A few hundred steps on a CPU give blurry shapes; the zoo's models trained for 5 epochs
            (`python -m ganzoo.train`, about 10 minutes on 2 CPU cores, a minute on a GPU).
            """
        ),
        code(
            """
            TRAIN_STEPS = 20 if FAST else 300

            data = ganzoo.data.load("fashion_mnist", batch_size=64, seed=0, repeat=True)
            generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), latent_dim=64)
            gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=64, seed=0)
            gan.compile()
            history = gan.fit(data, epochs=1, steps_per_epoch=TRAIN_STEPS, verbose=0)

            print({name: round(float(values[-1]), 3) for name, values in history.history.items()})
            show_images(gan.generate(64, seed=0), f"your GAN after {TRAIN_STEPS} steps")
            """
        ),
        md(
            """
            The logs hold the two losses and four meters that every ganzoo GAN reports: the norms of
            D's and G's gradients and D's mean verdict, as a probability, on real images (`d_real`)
            and on fakes (`d_fake`). Notebook 02 puts them to work.

            ## Save, reload, keep training

            `gan.save` writes the whole GAN, both optimizers and the random state included, so a
            reloaded model goes on training exactly where it stopped.
            """
        ),
        code(
            """
            path = os.path.join(WORKDIR, "gan.keras")
            gan.save(path)
            again = keras.models.load_model(path)
            assert np.array_equal(again.generate(16, seed=3), gan.generate(16, seed=3))
            print("optimizer steps after reload:", int(again.g_optimizer.iterations))
            again.fit(data, epochs=1, steps_per_epoch=5, verbose=0)
            print("after 5 more steps:          ", int(again.g_optimizer.iterations))
            """
        ),
        md(
            """
            ## Export the generator

            `ganzoo.export.export_generator` writes the generator as a SavedModel with the three
            endpoints of the zoo's models: the format to ship a generator to people without
            ganzoo. Reloaded, it gives the same images for the same z.
            """
        ),
        code(
            """
            export_dir = ganzoo.export.export_generator(gan, os.path.join(WORKDIR, "generator"))
            exported = tf.saved_model.load(export_dir)

            z = tf.random.stateless_normal((8, gan.latent_dim), seed=[0, 0])
            from_export = exported.serving_default(z)["images"].numpy()
            from_keras = gan.generator(z, training=False).numpy()
            print("largest difference:", float(np.abs(from_export - from_keras).max()))
            assert np.allclose(from_export, from_keras, atol=1e-5)
            """
        ),
        md(
            """
            ## Next

            * [02 · The minimax game](02_minimax_game.ipynb): D against G, `fit` with callbacks and
              TensorBoard, and the vanishing gradient of the original loss.
            * [03 · Wasserstein](03_wasserstein.ipynb): weight clipping against gradient penalty.
            * [04 · Mode collapse](04_mode_collapse.ipynb): feature matching and minibatch
              discrimination on the 2-D ring and grid.
            * [05 · The Inception Score](05_inception_score.ipynb): the formula, its pitfalls, FID
              and KID.
            """
        ),
    ]


# --------------------------------------------------------------------------------------------
# 02 · The minimax game
# --------------------------------------------------------------------------------------------
def minimax_game():
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
            D learns fast and soon rejects most fakes (D(G(z)) near 0). In that regime the minimax
            generator receives a gradient scaled by σ(ℓ) ≈ D(G(z)), a small fraction of what the
            non-saturating loss gives it from the same position: it learns slowly, and its samples
            above lag behind. That is the vanishing gradient of the seed, measured.
            `TrainingHealth` warns only in the extreme case (G's gradient below 1 % of its peak, or
            D right with ≥ 99 % confidence for 20 checks in a row); here the gradient is weak, not
            gone, and the printout above says whether it fired.

            Next: [03 · Wasserstein](03_wasserstein.ipynb), a loss whose gradient does not vanish
            when D wins.
            """
        ),
    ]


# --------------------------------------------------------------------------------------------
# 03 · Wasserstein
# --------------------------------------------------------------------------------------------
def wasserstein():
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
            axis = np.linspace(-1.6, 1.6, 121, dtype=np.float32)
            plane = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


            def critic_and_gradient(gan):
                \"\"\"D(x) and ‖∇ₓD(x)‖ on the plane, as (121, 121) arrays.\"\"\"
                points = tf.constant(plane)
                with tf.GradientTape() as tape:
                    tape.watch(points)
                    scores = gan.discriminator(points, training=False)
                gradient = tape.gradient(scores, points)
                return (scores.numpy().reshape(len(axis), len(axis)),
                        np.linalg.norm(gradient.numpy(), axis=-1).reshape(len(axis), len(axis)))


            fig, axes = plt.subplots(2, 3, figsize=(13, 8.4))
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
            With the papers' own optimizers and the same number of generator steps, the clipped
            WGAN moves slowest: RMSprop(5e-5) on a critic whose gradient is tiny. WGAN-GP spends 5
            critic steps per generator step too, but its critic gives the generator a gradient of
            useful size everywhere. Read the curves above for what this run reached; longer runs,
            other seeds and the other losses of `ganzoo.losses` (`hinge`, `least_squares`, `kl`,
            `reverse_kl`, all through `VanillaGAN(loss=...)`) are one argument away.

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


# --------------------------------------------------------------------------------------------
# 04 · Mode collapse
# --------------------------------------------------------------------------------------------
def mode_collapse():
    file = "04_mode_collapse.ipynb"
    return file, [
        *header(
            file,
            "04 · Mode collapse: feature matching and minibatch discrimination",
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
            ## Three GANs, same networks, same budget

            Each variant gets its default networks from `build_networks((2,), latent_dim=2)`: MLPs
            with three hidden layers of 128 units and a 2-D z, minibatch discrimination adding its
            layer (16 kernels of dimension 4) before D's last dense layer; and `compile()` gives all
            three Adam(2e-4, β1 = 0.5). These are the settings of `python -m ganzoo.train
            --dataset=ring8`. `ModeCoverage` writes `modes`, `high_quality` and `reverse_kl` into
            the logs after each epoch, so they land in `history` (and in TensorBoard or CSVLogger
            when those are listed after it).
            """
        ),
        code(
            """
            STEPS = 50 if FAST else 3000  # generator steps per run
            EPOCHS = 5 if FAST else 15
            BATCH = 128
            DATASETS = ["ring8", "grid25"]
            VARIANTS = {
                "vanilla": ganzoo.VanillaGAN,
                "feature_matching": ganzoo.FeatureMatchingGAN,
                "minibatch_discrimination": ganzoo.MinibatchDiscriminationGAN,
            }


            def make_gan(variant):
                keras.utils.set_random_seed(0)
                cls = VARIANTS[variant]
                generator, discriminator = cls.build_networks((2,), latent_dim=2)
                gan = cls(generator=generator, discriminator=discriminator, latent_dim=2, seed=0)
                gan.compile()
                return gan


            histories, final_samples = {}, {}
            for dataset in DATASETS:
                data = ganzoo.data.load(dataset, batch_size=BATCH, seed=0, repeat=True)
                for variant in VARIANTS:
                    gan = make_gan(variant)
                    histories[dataset, variant] = gan.fit(
                        data, epochs=EPOCHS, steps_per_epoch=STEPS // EPOCHS, verbose=0,
                        callbacks=[ganzoo.callbacks.ModeCoverage(dataset)]).history
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
        md("## The samples at the end"),
        code(
            """
            fig, axes = plt.subplots(2, 3, figsize=(11, 7.4))
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
            Read the numbers above rather than a promise: which variant covers what depends on
            the budget and the seed, and `benchmarks/mode_collapse.py` runs these variants over 3
            seeds with a larger budget (its table is in `benchmarks/RESULTS.md`). What to look for:
            a collapsing generator covers fewer modes, or piles its samples on a few of them (a
            high reverse KL); minibatch discrimination lets D see a batch of look-alikes, feature
            matching gives G a target that does not move to wherever D is weakest.

            ## The zoo's grid25 generators

            Two pretrained 2-D generators trained by `python -m ganzoo.train` with the same
            networks and budget (their cards hold the commands): the vanilla (non-saturating) GAN
            and minibatch discrimination.
            """
        ),
        code(
            """
            available = ganzoo.zoo.list_models()
            names = [n for n in ["grid25_vanilla", "grid25_minibatch_discrimination"] if n in available]
            missing = sorted({"grid25_vanilla", "grid25_minibatch_discrimination"} - set(names))
            if missing:
                print(f"Not in this checkout's zoo: {missing} (available: {available})")
            if names:
                fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 4.5), squeeze=False)
                for ax, name in zip(axes[0], names):
                    model = ganzoo.zoo.load(name)
                    samples = model.sample(2500, seed=0)
                    scores = ganzoo.callbacks.mixture_coverage(samples, "grid25")
                    scatter(samples, ganzoo.data.MIXTURES["grid25"],
                            f"{name}\\n{scores['modes']} modes, {scores['high_quality']:.0f} % HQ, "
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


# --------------------------------------------------------------------------------------------
# 05 · The Inception Score
# --------------------------------------------------------------------------------------------
def inception_score():
    file = "05_inception_score.ipynb"
    return file, [
        *header(
            file,
            "05 · The Inception Score, taken apart, with FID and KID beside it",
            """
            How good is a generator? Salimans et al. (2016) proposed the **Inception Score**: run a
            classifier on generated images, and reward images that the classifier labels
            confidently (*salient* images) and labels that spread over all the classes
            (*diversity*):

            $$\\mathrm{IS}(G) = \\exp\\Big(\\mathbb{E}_{x \\sim G}\\, \\mathrm{KL}\\big(p(y \\mid x) \\,\\|\\, p(y)\\big)\\Big), \\qquad p(y) = \\mathbb{E}_{x \\sim G}\\, p(y \\mid x).$$

            This notebook takes the formula apart, shows its pitfalls (a generator that memorises
            the training set, a generator that makes one image per class), scores images with the
            TF-Hub Inception on Colab and with ganzoo's shipped Fashion-MNIST classifier offline,
            and puts FID and KID beside it.
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
            ## The formula, taken apart

            The expected KL splits into two entropies:

            $$\\log \\mathrm{IS} = \\underbrace{H\\big(p(y)\\big)}_{\\text{diversity}} \\; - \\; \\underbrace{\\mathbb{E}_x H\\big(p(y \\mid x)\\big)}_{\\text{(lack of) salience}}$$

            * **diversity**: the entropy of the marginal label distribution, at most log k when the
              labels spread evenly over k classes;
            * **salience**: the mean entropy of each image's prediction, 0 when the classifier is
              sure of every image.

            So IS runs from 1 to k, the number of classes. Below, made-up predictions over 10
            classes: each image is given one class with probability `confidence` and the rest
            spread evenly, and the classes of the images cycle over `classes used` of the 10.
            `ganzoo.metrics.inception_score_from_probabilities` scores them.
            """
        ),
        code(
            """
            K = 10


            def toy_predictions(classes_used, confidence, num=1000):
                \"\"\"p(y|x) for num images: a confident class cycling over classes_used, rest uniform.\"\"\"
                p = np.full((num, K), (1 - confidence) / (K - 1))
                p[np.arange(num), np.arange(num) % classes_used] = confidence
                return p


            def entropy(p):
                return -np.sum(np.where(p > 0, p * np.log(np.maximum(p, 1e-300)), 0), axis=-1)


            print(f"{'classes used':>12} {'confidence':>10} {'IS':>6} {'exp H(p(y))':>12} {'exp E H(p(y|x))':>16}")
            for classes_used, confidence in [(10, 1.0), (10, 0.9), (10, 0.5), (5, 1.0), (1, 1.0), (10, 0.1)]:
                p = toy_predictions(classes_used, confidence)
                score, _ = ganzoo.metrics.inception_score_from_probabilities(p, splits=1)
                diversity, salience = entropy(p.mean(axis=0)), entropy(p).mean()
                assert np.isclose(np.log(score), diversity - salience)
                print(f"{classes_used:12d} {confidence:10.1f} {score:6.2f} {np.exp(diversity):12.2f} "
                      f"{np.exp(salience):16.2f}")
            """
        ),
        code(
            """
            used = np.arange(1, K + 1)
            confidences = np.linspace(0.1, 1.0, 10)
            table = np.array([[ganzoo.metrics.inception_score_from_probabilities(
                toy_predictions(u, c), splits=1)[0] for u in used] for c in confidences])
            plt.figure(figsize=(5.5, 4))
            plt.imshow(table, origin="lower", cmap="viridis", aspect="auto",
                       extent=[0.5, K + 0.5, confidences[0] - 0.05, confidences[-1] + 0.05])
            plt.colorbar(label="Inception Score")
            plt.xlabel("classes used (diversity)")
            plt.ylabel("confidence (salience)")
            plt.title("IS needs both", fontsize=10);
            """
        ),
        md(
            """
            ## Real Fashion-MNIST and the shipped classifier

            The score depends entirely on the classifier. ImageNet's Inception knows no garments,
            so ganzoo ships a Fashion-MNIST classifier (`saved_models/fashion_mnist_classifier`,
            92.8 % test accuracy, trained by a script in the repository), with the same outputs as
            TF-GAN's Inception: `logits` and `pool_3` features. Loaded by
            `ganzoo.metrics.load_classifier("fashion_mnist")` or passed by name as
            `classifier="fashion_mnist"`, it scores offline. Its card records the ceiling a
            generator can approach: the IS of the real test set, and the FID/KID floor between the
            real train and test sets.
            """
        ),
        code(
            """
            N = 1000 if FAST else 10000  # images per score (Salimans: 50 000; the zoo's cards: 10 000)
            classifier = ganzoo.metrics.load_classifier("fashion_mnist")
            classifier_card = ganzoo.cards.read_card(ganzoo.metrics.SHIPPED_CLASSIFIER)


            def first_batch(split, num, shuffle):
                images, labels = next(iter(ganzoo.data.load("fashion_mnist", split=split, batch_size=num,
                                                             shuffle=shuffle, seed=0, with_labels=True)))
                return images.numpy(), labels.numpy()


            test_images, test_labels = first_batch("test", N, shuffle=False)
            train_images, train_labels = first_batch("train", N, shuffle=True)

            score, spread = ganzoo.metrics.inception_score(test_images, classifier=classifier)
            print(f"IS of {N} real test images: {score:.2f} ± {spread:.2f}; "
                  f"the card (all 10 000): {classifier_card['inception_score_test']['mean']:.2f}")
            print(f"FID floor (train vs test) {classifier_card['fid_train_vs_test']:.3f}, "
                  f"KID floor {classifier_card['kid_train_vs_test']['mean']:.4f}")
            """
        ),
        md(
            """
            Not 10: some real garments are ambiguous (shirts, T-shirts, pullovers and coats look
            alike), so the classifier's predictions on real data are not all confident.

            ## FID and KID beside it

            IS never looks at real data. The **Fréchet distance** (FID, Heusel et al. 2017) fits a
            Gaussian to the classifier's `pool_3` features of real and of generated images and
            measures the distance between the two; the **kernel distance** (KID, Bińkowski et al.
            2018) is an unbiased MMD² between the same features. Both are 0 for identical
            distributions, and both compare with real images, so they see what IS cannot.
            `ganzoo.metrics.frechet_distance` and `kernel_distance` take the same `classifier=`.

            ## Pitfall 1: memorisation

            A "generator" that returns training images verbatim is the real data: it gets the real
            data's IS, and FID and KID against held-out images at their floor. None of the three
            can tell copying from generating. A nearest-neighbour check can: the distance from each
            sample to its closest training image is 0 for a copy.
            """
        ),
        code(
            """
            def scores(images, reference=test_images):
                \"\"\"IS, FID and KID of images, against real test images for FID and KID.\"\"\"
                is_mean, _ = ganzoo.metrics.inception_score(images, classifier=classifier)
                fid = ganzoo.metrics.frechet_distance(reference, images, classifier=classifier)
                kid, _ = ganzoo.metrics.kernel_distance(reference, images, classifier=classifier,
                                                        num_subsets=20 if FAST else 100)
                return {"IS": is_mean, "FID": fid, "KID": kid}


            def nearest_training_distance(images, num=200):
                \"\"\"Pixel L2 distance from each of num images to its nearest image of train_images.\"\"\"
                a = images[:num].reshape(num, -1).astype(np.float64)
                b = train_images.reshape(len(train_images), -1).astype(np.float64)
                squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2 * a @ b.T
                return np.sqrt(np.maximum(squared.min(axis=1), 0))


            results = {"real test images": scores(test_images[::-1]),  # reversed: not the same order as the reference
                       "memoriser (training images)": scores(train_images)}
            for row, values in results.items():
                print(f"{row:30s}", {k: round(v, 3) for k, v in values.items()})
            """
        ),
        md(
            """
            ## Pitfall 2: one image per class

            IS rewards a generator that draws **one** perfect image per class, over and over: the
            classifier is sure of every image (salience) and the labels spread evenly (diversity).
            It can even beat real data. FID and KID compare the spread of the features with real
            images and punish it hard.
            """
        ),
        code(
            """
            logits = ganzoo.metrics.classify(test_images, classifier)["logits"]
            confident = [np.flatnonzero(test_labels == c)[np.argmax(logits[test_labels == c, c])] for c in range(K)]
            one_per_class = np.repeat(test_images[confident], N // K, axis=0)
            results["one image per class"] = scores(one_per_class)

            show_images(test_images[confident], "the 10 images, each repeated N/10 times", columns=10)
            for row, values in results.items():
                print(f"{row:30s}", {k: round(v, 3) for k, v in values.items()})
            """
        ),
        md(
            """
            ## Scoring the zoo

            The zoo's Fashion-MNIST generators, scored the same way, beside the three reference
            rows. The nearest-neighbour distances show that they do not copy training images.
            """
        ),
        code(
            """
            names = [n for n in ganzoo.zoo.list_models() if n.startswith("fashion_mnist")]
            if not names:
                print("No Fashion-MNIST generator in this checkout's zoo.")
            samples = {}
            for name in names:
                samples[name] = ganzoo.zoo.load(name).sample(N, seed=0)
                results[name] = scores(samples[name])

            print(f"{'':32s}{'IS':>7s}{'FID':>9s}{'KID':>9s}")
            for row, values in results.items():
                print(f"{row:32s}{values['IS']:7.2f}{values['FID']:9.2f}{values['KID']:9.3f}")

            distances = {"memoriser": nearest_training_distance(train_images),
                         "real test images": nearest_training_distance(test_images),
                         **{name: nearest_training_distance(images) for name, images in samples.items()}}
            plt.figure(figsize=(7, 3.2))
            for label, d in distances.items():
                plt.hist(d, bins=30, alpha=0.5, label=label)
            plt.xlabel("pixel distance to the nearest training image")
            plt.legend(fontsize=8)
            plt.title(f"nearest neighbours among {len(train_images)} training images", fontsize=10);
            """
        ),
        code(
            """
            if names:
                fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.9), squeeze=False)
                for ax, name in zip(axes[0], names):
                    show_images(samples[name][:36], f"{name}\\nIS {results[name]['IS']:.2f}, "
                                f"FID {results[name]['FID']:.1f}", ax=ax)
            """
        ),
        md(
            """
            ## The TF-Hub Inception (on Colab)

            For natural images the standard is TF-GAN's Inception-v3 from TF-Hub, ganzoo's
            default (`classifier=None`): 299 × 299 × 3 inputs in [-1, 1] (ganzoo repeats grayscale
            to three channels and resizes with `tf.image.resize`), 1008 logits (1001 ImageNet
            classes and 7 unused ones; the softmax is over all 1008, as in Salimans' and TF-GAN's
            code) and 2048 `pool_3` features. Scores are only comparable with the same network, the
            same resizing and the same number of images. Offline, `load_classifier` fails within
            seconds with a message naming the alternatives; on Colab, the next cell scores real
            Fashion-MNIST with it.
            """
        ),
        code(
            """
            if IN_COLAB or not FAST:
                try:
                    inception = ganzoo.metrics.load_classifier()  # TF-GAN's Inception from TF-Hub
                    num = 200 if FAST else 1000
                    score, spread = ganzoo.metrics.inception_score(test_images[:num], classifier=inception)
                    print(f"Inception IS of {num} real Fashion-MNIST test images: {score:.2f} ± {spread:.2f}")
                except ganzoo.metrics.ClassifierUnavailableError as error:
                    print("TF-Hub is out of reach here:\\n", error)
            else:
                print("Skipped (FAST run outside Colab).")
            """
        ),
        md(
            """
            ## As callbacks during training

            `ganzoo.callbacks.InceptionScore`, `FrechetDistance` and `KernelDistance` score the
            generator at the end of epochs and write `inception_score`, `fid` and `kid` into the
            logs, so `ModelCheckpoint(monitor="inception_score", mode="max")`, `EarlyStopping` and
            `CSVLogger` use them like any metric. They share one draw of samples and one
            classifier pass per epoch, and compute the real statistics once. List them **before**
            the callbacks that read their values.
            """
        ),
        code(
            """
            EPOCHS, STEPS_PER_EPOCH = (2, 5) if FAST else (4, 75)
            keras.utils.set_random_seed(0)
            generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), latent_dim=64)
            gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=64, seed=0)
            gan.compile()
            data = ganzoo.data.load("fashion_mnist", batch_size=64, seed=0, repeat=True)
            num_samples = 200 if FAST else 1000
            history = gan.fit(data, epochs=EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, verbose=0, callbacks=[
                ganzoo.callbacks.InceptionScore(classifier="fashion_mnist", num_samples=num_samples),
                ganzoo.callbacks.FrechetDistance(real=test_images, classifier="fashion_mnist", num_samples=num_samples),
                ganzoo.callbacks.KernelDistance(real=test_images, classifier="fashion_mnist", num_samples=num_samples),
                keras.callbacks.ModelCheckpoint(os.path.join(WORKDIR, "best.keras"), monitor="inception_score",
                                                mode="max", save_best_only=True),
            ]).history
            for epoch in range(EPOCHS):
                print(f"step {(epoch + 1) * STEPS_PER_EPOCH:4d}: IS {history['inception_score'][epoch]:.2f}, "
                      f"FID {history['fid'][epoch]:7.2f}, KID {history['kid'][epoch]:.3f}")
            print("best checkpoint:", os.path.exists(os.path.join(WORKDIR, "best.keras")))
            """
        ),
        md(
            """
            ## What to report

            * IS with the classifier, the number of images (fewer images give a lower score) and
              the splits (Salimans: 50 000 images, 10 splits), and the real data's IS beside it;
            * FID or KID beside it, computed against held-out real images: IS is blind to
              memorisation and to missing variety within a class (Barratt & Sharma 2018, "A Note
              on the Inception Score");
            * for a claim of novelty, nearest training neighbours.

            `python -m ganzoo.evaluate --model=<zoo name | .keras | SavedModel>` computes IS, FID
            and KID from the command line and writes them to JSON; it made the numbers on the zoo's
            cards.
            """
        ),
    ]


NOTEBOOKS = [quickstart, minimax_game, wasserstein, mode_collapse, inception_score]


def build(prefixes=None):
    """Writes the notebooks (those whose file name starts with one of
    ``prefixes``, or all) without outputs; returns their paths."""
    paths = []
    for make in NOTEBOOKS:
        file, cells = make()
        if prefixes and not file.startswith(tuple(prefixes)):
            continue
        notebook = nbformat.v4.new_notebook(cells=cells)
        notebook.metadata.update({
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "accelerator": "GPU",
            "colab": {"provenance": [], "name": file},
        })
        nbformat.validate(notebook)
        path = os.path.join(COLAB_DIR, file)
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def execute(path):
    """Runs a notebook in place with FAST unset (the committed outputs)."""
    from nbclient import NotebookClient

    env_fast = os.environ.pop("FAST", None)
    try:
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": COLAB_DIR}}).execute()
        nbformat.write(notebook, path)
        return time.perf_counter() - start
    finally:
        if env_fast is not None:
            os.environ["FAST"] = env_fast


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook in place (FAST unset)")
    parser.add_argument("--only", default=None, help="comma-separated prefixes, e.g. 01,04")
    args = parser.parse_args(argv)
    prefixes = args.only.split(",") if args.only else None
    for path in build(prefixes):
        name = os.path.basename(path)
        if args.execute:
            print(f"{name}: executed in {execute(path):.0f} s", flush=True)
        else:
            print(f"{name}: written")


if __name__ == "__main__":
    sys.exit(main())
