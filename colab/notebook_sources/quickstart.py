"""01 · Quickstart: the zoo, sampling, your own GAN, export."""

from notebook_sources.common import PLOT_SETUP, code, header, md


def cells():
    file = "01_quickstart.ipynb"
    return file, [
        *header(
            file,
            "01 · Quickstart: pretrained GANs, sampling, your own GAN, export, fine-tuning",
            """
            ganzoo is a Keras 3 / TensorFlow model zoo of generative adversarial networks. This
            notebook takes the shortest path through it:

            1. list the pretrained generators of the zoo and load one (its files are verified
               against the registry inside the package first);
            2. sample a grid, walk the latent space, and use the exported SavedModel with plain
               TensorFlow, without ganzoo;
            3. train a small GAN yourself with `model.fit`, save it to `.keras`, reload it and keep
               training, then export its generator and reload that;
            4. fine-tune a whole GAN, generator and discriminator, on new data.
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

            `ganzoo.zoo.list_models()` lists the pretrained generators that ship inside the ganzoo
            package. Each holds a generator SavedModel, a sample grid and `model_card.json`: how the
            model was trained (the exact command, steps, wall time, machine) and its scores.
            `ganzoo.zoo.load` checks every file against the sha256 and size that the registry
            inside the package pins before TensorFlow reads anything: the card is information, the
            registry is the proof. `python -m ganzoo.zoo` prints the zoo as a table.
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
                model = ganzoo.zoo.load(name)  # refuses a file that differs from the registry's pins
                card = model.card
                training, metrics = card["training"], card["evaluation"]["metrics"]
                print(f"{name}: {card['variant']} on {card['dataset']}, latent_dim {model.latent_dim}")
                print(f"trained by: {training['command']}")
                print(f"           {training['steps']} steps of batch {training['batch_size']} in "
                      f"{training['wall_time_s'] / 60:.1f} min on {training['machine']}")
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

            A few hundred steps on a CPU give blurry shapes; the zoo's Fashion-MNIST models trained
            for many epochs with `python -m ganzoo.train` (the card above gives the command and the
            time it took).
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
            show_images(gan.generate(64, seed=0), f"your GAN after {TRAIN_STEPS} steps");
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
            ## Fine-tune a zoo GAN

            `ganzoo.zoo.load_gan(name)` returns a zoo model's whole GAN, generator, discriminator
            and config, as keras-hub's `from_preset` does: `compile` it and `fit` it on new data.
            A model published with `python -m ganzoo.publish` ships the GAN as `gan.keras`
            (weights, no optimizer state); `ganzoo.zoo.gan_models()` lists the zoo's models that
            do. Here the zoo's class-conditional GAN is fine-tuned on one class of Fashion-MNIST,
            sneakers: its batches are `(image, label)` pairs, and the label reaches G and D.
            """
        ),
        code(
            """
            FINE_TUNE_STEPS = 2 if FAST else 100
            SNEAKER = 7

            print("Zoo models with a whole GAN:", ganzoo.zoo.gan_models())
            whole = ganzoo.zoo.load_gan("fashion_mnist_conditional")
            print(f"{type(whole).__name__}: G {whole.generator.count_params()} and "
                  f"D {whole.discriminator.count_params()} parameters")
            show_images(whole.generate(32, seed=0, labels=SNEAKER), "sneakers before fine-tuning")

            examples, _ = ganzoo.data.load_examples("fashion_mnist", with_labels=True)
            sneakers = (examples.filter(lambda image, label: label == SNEAKER)
                        .shuffle(6000, seed=0).batch(64, drop_remainder=True).repeat())
            whole.compile()
            whole.fit(sneakers, epochs=1, steps_per_epoch=FINE_TUNE_STEPS, verbose=0)
            show_images(whole.generate(32, seed=0, labels=SNEAKER), f"after {FINE_TUNE_STEPS} steps on sneakers");
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
