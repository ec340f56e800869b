"""05 · The Inception Score, its pitfalls, FID, KID, precision/recall and density/coverage."""

from notebook_sources.common import PLOT_SETUP, code, header, md


def cells():
    file = "05_inception_score.ipynb"
    return file, [
        *header(
            file,
            "05 · The Inception Score, taken apart, with FID, KID, precision and recall beside it",
            """
            How good is a generator? Salimans et al. (2016) proposed the **Inception Score**: run a
            classifier on generated images, and reward images that the classifier labels
            confidently (*salient* images) and labels that spread over all the classes
            (*diversity*):

            $$\\mathrm{IS}(G) = \\exp\\Big(\\mathbb{E}_{x \\sim G}\\, \\mathrm{KL}\\big(p(y \\mid x) \\,\\|\\, p(y)\\big)\\Big), \\qquad p(y) = \\mathbb{E}_{x \\sim G}\\, p(y \\mid x).$$

            This notebook takes the formula apart, shows its pitfalls (a generator that memorises
            the training set, a generator that makes one image per class), scores images with the
            TF-Hub Inception on Colab and with ganzoo's shipped Fashion-MNIST classifier offline,
            and puts FID and KID beside it, and then precision/recall and density/coverage, which
            tell the two pitfalls apart where IS cannot.
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
            data's IS (with the shipped classifier even a little more than the test set's, since it
            was trained on these very images), and FID and KID against held-out real images (here
            the N test images) near their floor. None of the three can tell copying from generating. A nearest-neighbour
            check can: the distance from each sample to its closest training image is 0 for a copy.
            (FID is biased upward at small N, so compare rows at the same N, not with the card's
            floor, which used all 60 000 training and 10 000 test images.)
            """
        ),
        code(
            """
            # The real side, classified once: the N held-out test images' pool_3 features.
            reference = ganzoo.metrics.classify(test_images, classifier, outputs=("pool_3",))["pool_3"]


            def scores(images):
                \"\"\"IS, FID, KID and the k-NN scores of images (one pass); all but IS against test images.\"\"\"
                out = ganzoo.metrics.classify(images, classifier)  # {"logits", "pool_3"}
                is_mean, _ = ganzoo.metrics.inception_score_from_logits(out["logits"])
                fid = ganzoo.metrics.frechet_distance_from_features(reference, out["pool_3"])
                kid, _ = ganzoo.metrics.kernel_distance_from_features(reference, out["pool_3"],
                                                                      num_subsets=20 if FAST else 100)
                knn = ganzoo.metrics.knn_scores(real=reference, fake=out["pool_3"])  # keywords: no swap
                return {"IS": is_mean, "FID": fid, "KID": kid, **knn}


            def nearest_training_distance(images, num=200):
                \"\"\"Pixel L2 distance from each of num images to its nearest image of train_images.\"\"\"
                a = images[:num].reshape(num, -1).astype(np.float64)
                b = train_images.reshape(len(train_images), -1).astype(np.float64)
                squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2 * a @ b.T
                return np.sqrt(np.maximum(squared.min(axis=1), 0))


            results = {"memoriser (training images)": scores(train_images)}
            for row, values in results.items():
                print(f"{row:30s}", {k: round(v, 3) for k, v in values.items() if k in ("IS", "FID", "KID")})
            """
        ),
        md(
            """
            ## Pitfall 2: one image per class

            IS rewards a generator that draws **one** perfect image per class, over and over: the
            classifier is sure of every image (salience) and the labels spread evenly (diversity).
            It can even beat real data. FID and KID compare the spread of the features with real
            images and punish it hard (KID is printed raw, the MMD² itself, as everywhere in
            ganzoo; many papers print it ×10³).
            """
        ),
        code(
            """
            logits = ganzoo.metrics.classify(test_images, classifier)["logits"]
            confident = [np.flatnonzero(test_labels == c)[np.argmax(logits[test_labels == c, c])] for c in range(K)]
            # np.tile, not np.repeat: IS's 10 splits are consecutive parts, and a part holding a single
            # class would score 1 (one more pitfall: shuffle before scoring).
            one_per_class = np.tile(test_images[confident], (N // K, 1, 1, 1))
            results["one image per class"] = scores(one_per_class)

            show_images(test_images[confident], "the 10 images, each repeated N/10 times", columns=10);
            for row, values in results.items():
                print(f"{row:30s}", {k: round(v, 3) for k, v in values.items() if k in ("IS", "FID", "KID")})
            """
        ),
        md(
            """
            ## Precision, recall, density and coverage: quality and diversity apart

            FID and KID say *that* the one-image-per-class generator is wrong, not *how*. Two pairs
            of metrics say how, from the k nearest neighbours of `pool_3` features:

            * **precision** (Kynkäänniemi et al. 2019): the fraction of generated images inside
              the real manifold, the union of balls around each real image reaching its k-th
              (k = 3) nearest real neighbour: *are the images realistic?*
            * **recall**: the fraction of real images inside the generated manifold (balls around
              the generated images): *does the generator cover the real data?*
            * **density** (Naeem et al. 2020, k = 5): how many real balls contain each generated
              image, / k; about 1 for real-like samples, above 1 where samples crowd real regions;
            * **coverage**: the fraction of real images whose own ball holds at least one
              generated image; unlike recall it ignores the generated outliers' balls.

            `ganzoo.metrics.knn_scores(real=..., fake=...)` computes all four (keywords only:
            swapped sets swap precision and recall). A memoriser of all N distinct training images
            is, to every distribution metric, real data (only pitfall 1's nearest-neighbour check
            exposes it); in practice a GAN memorises *a few* images and returns them again and
            again. Below, one that returns 100 training images, each N/100 times.
            """
        ),
        code(
            """
            KNN = ("precision", "recall", "density", "coverage")
            results["memoriser (100 training images)"] = scores(np.tile(train_images[:100], (N // 100, 1, 1, 1)))
            print(f"{'':34s}{'IS':>6s}" + "".join(f"{k:>10s}" for k in KNN))
            for row, values in results.items():  # the first row is real data against real data
                print(f"{row:34s}{values['IS']:6.2f}" + "".join(f"{values[k]:10.3f}" for k in KNN))

            fig, ax = plt.subplots(figsize=(8, 3.2))
            for i, (label, values) in enumerate(results.items()):
                heights = [values["IS"] / K] + [min(values[k], 2) for k in KNN]
                ax.bar(np.arange(5) + 0.27 * (i - 1), heights, width=0.27, label=label)
            ax.set_xticks(np.arange(5), ["IS / 10", *KNN])
            ax.axhline(1, color="gray", lw=0.5)
            ax.legend(fontsize=8)
            ax.set_title("IS cannot tell the failures from real data; recall and coverage can "
                         "(density clipped at 2)", fontsize=9);
            """
        ),
        md(
            """
            Both failures keep an IS near or above the real data's, and a high precision (every
            image is a real garment), but their recall and coverage collapse to almost 0: 10 or
            100 distinct images cannot cover the real test set. Density, like precision, speaks of
            quality (about 1 for real images), not of variety. Report a pair: precision or density
            for quality, recall or coverage for diversity.
            """
        ),
        md(
            """
            ## Scoring the zoo

            The zoo's Fashion-MNIST generators, scored the same way, beside the reference rows
            (their cards score against 10 000 *training* images, so the numbers differ). The
            nearest-neighbour distances show that they do not copy training images.
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

            width = max(map(len, results)) + 2
            print(f"{'':{width}s}{'IS':>7s}{'FID':>9s}{'KID':>9s}" + "".join(f"{k[:6]:>7s}" for k in KNN))
            for row, values in results.items():
                print(f"{row:{width}s}{values['IS']:7.2f}{values['FID']:9.2f}{values['KID']:9.3f}"
                      + "".join(f"{values[k]:7.3f}" for k in KNN))

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
                                f"FID {results[name]['FID']:.1f}, recall {results[name]['recall']:.2f}", ax=ax)
            """
        ),
        md(
            """
            ## The TF-Hub Inception (on Colab)

            For natural images the standard is TF-GAN's Inception-v3 from TF-Hub, ganzoo's
            default (`classifier=None`): 299 × 299 × 3 inputs in [-1, 1] (ganzoo repeats grayscale
            to three channels and resizes with `tf.image.resize`, bilinear, as TF-GAN), 1008 logits (1001 ImageNet
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
                    print("TF-Hub is out of reach here:\\n", str(error).split(" Alternatives")[0])
            else:
                print("Skipped (FAST run outside Colab).")
            """
        ),
        md(
            """
            ## As callbacks during training

            `ganzoo.callbacks.GeneratorMetrics(metrics=(...))` scores the generator at the end of
            epochs and writes `inception_score`, `fid`, `kid`, `precision`, `recall`, `density`
            and `coverage` (those asked for) into the logs, so
            `ModelCheckpoint(monitor="inception_score", mode="max")`, `EarlyStopping` and
            `CSVLogger` use them like any metric. One draw of samples and one classifier pass per
            evaluation serve all of them, and the real statistics are computed once. List it
            **before** the callbacks that read its values.
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
                ganzoo.callbacks.GeneratorMetrics(metrics=("is", "fid", "kid", "precision", "recall"),
                                                  real=test_images, classifier="fashion_mnist",
                                                  num_samples=num_samples),
                keras.callbacks.ModelCheckpoint(os.path.join(WORKDIR, "best.keras"), monitor="inception_score",
                                                mode="max", save_best_only=True),
            ]).history
            for epoch in range(EPOCHS):
                print(f"step {(epoch + 1) * STEPS_PER_EPOCH:4d}: IS {history['inception_score'][epoch]:.2f}, "
                      f"FID {history['fid'][epoch]:7.2f}, KID {history['kid'][epoch]:.3f}, "
                      f"precision {history['precision'][epoch]:.3f}, recall {history['recall'][epoch]:.3f}")
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
            * precision and recall (or density and coverage), to say whether a poor FID comes
              from poor images or from missing ones;
            * the feature extractor: scores from different classifiers (or layers) never compare;
            * for a claim of novelty, nearest training neighbours.

            `python -m ganzoo.evaluate --model=<zoo name | .keras file>`, or `--model_dir=DIR --trust`
            for a generator SavedModel or zoo model directory of your own, computes any of
            `--metrics=is,fid,kid,precision,recall,density,coverage` from the command line and
            writes them to JSON; it made the numbers on the zoo's cards. The real side is cached in
            `$KERAS_HOME`, so a second evaluation against the same real images skips it.
            """
        ),
    ]
