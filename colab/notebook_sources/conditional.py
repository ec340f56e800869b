"""06 · Conditional GANs: cGAN, the projection discriminator and AC-GAN."""

from notebook_sources.common import PLOT_SETUP, code, header, md


def cells():
    file = "06_conditional.ipynb"
    return file, [
        *header(
            file,
            "06 · Conditional GANs: ask for a class",
            """
            An unconditional GAN samples "a garment". A **class-conditional** GAN samples "a
            sneaker": the label y goes into the generator with z, and the discriminator checks that
            the image fits its label. This notebook

            1. trains a conditional GAN (Mirza & Osindero 2014) with a **projection discriminator**
               (Miyato & Koyama 2018) on labelled Fashion-MNIST, and an **AC-GAN** (Odena et al.
               2017) beside it;
            2. samples each class, walks z with the class fixed, and changes the class with z fixed;
            3. checks the labels with ganzoo's shipped Fashion-MNIST classifier (label accuracy);
            4. exports the generator and samples a class with plain TensorFlow.
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
            from ganzoo.conditional_metrics import label_accuracy
            from ganzoo.utils.image_grid import image_grid
            """,
            PLOT_SETUP,
            """
            CLASSES = ["T-shirt", "trouser", "pullover", "dress", "coat",
                       "sandal", "shirt", "sneaker", "bag", "boot"]
            """,
        ),
        md(
            """
            ## Three ways to tell D the label

            G is the same in all three: a learned embedding e(y) is concatenated to z, and a DCGAN
            generator maps [z, e(y)] to an image. D differs:

            * **concat** (Mirza & Osindero): e(y) becomes one extra image plane next to the pixels;
            * **projection** (Miyato & Koyama): D computes features φ(x) and scores
              $\\psi(\\phi(x)) + \\langle v(y), \\phi(x) \\rangle$, an unconditional logit plus the
              inner product of the features with a learned vector per class;
            * **auxiliary classifier** (AC-GAN): D sees the image only, and a second head
              classifies it. D's loss adds the class cross-entropy on real and on fake images,
              G's adds it on fakes: G is rewarded for images that D's classifier recognises.

            `ganzoo.data.load(..., with_labels=True)` yields `(images, labels)` batches: Keras'
            `(x, y)`. Every ganzoo GAN passes y to its hooks, so `fit` needs nothing else.
            """
        ),
        code(
            """
            TRAIN_STEPS = 20 if FAST else 1500
            BATCH = 64
            LATENT = 64

            data = ganzoo.data.load("fashion_mnist", batch_size=BATCH, seed=0, with_labels=True, repeat=True)
            images, labels = next(iter(data))
            print("a batch:", images.shape, images.dtype.name, "labels", labels.shape, labels.dtype.name,
                  labels[:8].numpy())


            def conditional_nets(conditioning):
                generator = ganzoo.architectures.conditional_dcgan_generator(
                    (28, 28, 1), LATENT, num_classes=10, base_filters=32)
                discriminator = ganzoo.architectures.conditional_dcgan_discriminator(
                    (28, 28, 1), num_classes=10, conditioning=conditioning, base_filters=32)
                return generator, discriminator


            g, d = conditional_nets("projection")
            cgan = ganzoo.ConditionalGAN(generator=g, discriminator=d, latent_dim=LATENT, num_classes=10, seed=0)
            cgan.compile()
            history = cgan.fit(data, epochs=1, steps_per_epoch=TRAIN_STEPS, verbose=0)
            print("cGAN + projection D:", {k: round(float(v[-1]), 3) for k, v in history.history.items()})

            g, d = conditional_nets("auxiliary")
            acgan = ganzoo.ACGAN(generator=g, discriminator=d, latent_dim=LATENT, num_classes=10, seed=0)
            acgan.compile()
            history = acgan.fit(data, epochs=1, steps_per_epoch=TRAIN_STEPS, verbose=0)
            print("AC-GAN:             ", {k: round(float(v[-1]), 3) for k, v in history.history.items()})
            """
        ),
        md(
            """
            ## One row per class

            `generate(num, seed=..., labels=...)` takes one label for all images or one per image.
            The same seed gives the same z, so column j of every row below starts from the same
            noise vector: what changes down a column is the class alone.
            """
        ),
        code(
            """
            PER_CLASS = 8
            grid_labels = np.repeat(np.arange(10), PER_CLASS)  # 0 0 ... 0 1 1 ... 9
            z = tf.random.stateless_normal((PER_CLASS, LATENT), seed=[0, 0])
            z = tf.tile(z, [10, 1])  # the same 8 z in every row


            def rows_per_class(gan, title):
                grid = gan.apply_generator(z, tf.constant(grid_labels)).numpy()
                ax = show_images(grid, title, columns=PER_CLASS)
                ax.figure.set_size_inches(4, 5)


            rows_per_class(cgan, f"cGAN + projection, {TRAIN_STEPS} steps")
            rows_per_class(acgan, f"AC-GAN, {TRAIN_STEPS} steps")
            print("rows:", ", ".join(CLASSES))
            """
        ),
        md(
            """
            ## Walk z with the class fixed, change the class with z fixed

            With the class fixed, a straight line between two z morphs one sneaker into another:
            z holds the style (shape, thickness, brightness), the label the category.
            """
        ),
        code(
            """
            ends = tf.random.stateless_normal((2, LATENT), seed=[1, 2])
            t = tf.linspace(0.0, 1.0, 10)[:, None]
            walk = (1 - t) * ends[0] + t * ends[1]
            fig, axes = plt.subplots(2, 1, figsize=(10, 2.6))
            sneakers = cgan.apply_generator(walk, tf.fill([10], 7)).numpy()
            show_images(sneakers, "class 7 (sneaker) fixed, z walks", ax=axes[0], columns=10)
            every_class = cgan.apply_generator(tf.tile(ends[:1], [10, 1]), tf.range(10)).numpy()
            show_images(every_class, "z fixed, class 0 … 9", ax=axes[1], columns=10);
            """
        ),
        md(
            """
            ## Are the labels right? Label accuracy

            Generate images for each label and classify them with the shipped Fashion-MNIST
            classifier (92.8 % on real test images, its ceiling here): the fraction classified as
            the label they were made for. `ganzoo.conditional_metrics` also computes the
            **intra-class FID**, the mean over classes of FID between real and generated images of
            that class; from a shell,
            `python -m ganzoo.conditional_metrics --model=run/model.keras`.
            """
        ),
        code(
            """
            PER_LABEL = 20 if FAST else 500
            for name, gan in (("cGAN + projection", cgan), ("AC-GAN", acgan)):
                sample = lambda num, seed, labels, gan=gan: gan.generate(num, seed=seed, labels=labels)
                accuracy, per_class = label_accuracy(sample, 10, num_per_class=PER_LABEL, seed=0)
                worst = min(per_class, key=per_class.get)
                print(f"{name:18s} label accuracy {100 * accuracy:5.1f} % on {10 * PER_LABEL} images; "
                      f"worst class {CLASSES[worst]} {100 * per_class[worst]:.0f} %")
            """
        ),
        md(
            """
            ## Export: sample a class without ganzoo

            A conditional generator's SavedModel takes labels in every signature:
            `serving_default(z, labels)`, `uint8(z, labels)` and `sample(num, seed, labels)`, whose
            labels are one label for all samples or one per sample. Labels outside [0, 10) or of
            the wrong count are refused inside the graph.
            """
        ),
        code(
            """
            path = ganzoo.export.export_generator(acgan, os.path.join(WORKDIR, "generator"))
            plain = tf.saved_model.load(path)
            bags = plain.sample(num=8, seed=3, labels=8)["images"].numpy()
            assert np.array_equal(bags, acgan.generate(8, seed=3, labels=8))  # the same function
            show_images(bags, "plain TensorFlow: sample(num=8, seed=3, labels=8)", columns=8).figure.set_size_inches(6, 1.4)
            try:
                plain.sample(num=2, seed=0, labels=10)
            except tf.errors.InvalidArgumentError as error:
                print("refused:", next(line for line in error.message.splitlines() if "labels must" in line))
            """
        ),
        md(
            """
            ## Next

            * `python -m ganzoo.train --model=conditional` (projection D) or `--model=acgan` trains
              on labelled Fashion-MNIST from a shell; `--dataset=grid25` conditions on the mode of
              the 2-D mixture.
            * [05 · The Inception Score](05_inception_score.ipynb) explains the classifier-based
              scores used above.
            """
        ),
    ]
