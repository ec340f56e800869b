r"""Scores of a class-conditional generator: label accuracy and intra-class FID.

* **Label accuracy**: generate images for given labels and classify them
  with a fixed classifier (the shipped Fashion-MNIST one by default); the
  fraction classified as the label they were generated for. The classifier's
  own accuracy on real test images bounds what it can report (92.8 % for the
  shipped one).
* **Intra-class FID** (Miyato & Koyama 2018, §5.1): the mean over classes c of
  FID(real images of class c, images generated for label c), each on the
  classifier's "pool_3" features (`ganzoo.metrics.frechet_distance`). Like
  FID it is biased by the number of images: compare at the same number.

From a shell, for a zoo model (by its name, verified against the registry
inside ganzoo; a name is never looked up as a path), a ``.keras`` GAN or an
exported generator SavedModel directory::

    python -m ganzoo.conditional_metrics --model=fashion_mnist_conditional --seed=0 --grid=classes.png
    python -m ganzoo.conditional_metrics --model=runs/conditional/model.keras \
        --num_per_class=1000 --output=conditional_metrics.json
"""

import json
import os
import time

import numpy as np

DEFAULT_CLASSIFIER = "fashion_mnist"


def label_accuracy_from_logits(logits, labels):
    """Fraction of rows whose argmax is their label, and the per-class fractions.

    Args:
        logits: (N, num_classes) classifier outputs.
        labels: (N,) integer labels the images were generated for.

    Returns:
        ``(accuracy, {label: accuracy of that label's rows})``.
    """
    logits, labels = np.asarray(logits), np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (len(logits),):
        raise ValueError(f"Expected logits (N, classes) and labels (N,); got {logits.shape} and {labels.shape}")
    correct = np.argmax(logits, axis=1) == labels
    per_class = {int(c): float(correct[labels == c].mean()) for c in np.unique(labels)}
    return float(correct.mean()), per_class


def balanced_labels(num_classes, num_per_class):
    """(num_classes · num_per_class,) int32 labels: num_per_class of each class."""
    return np.repeat(np.arange(num_classes, dtype=np.int32), num_per_class)


def generate_per_class(sample, num_classes, num_per_class, seed=0):
    """``{label: images}``, ``num_per_class`` images generated for each label.

    ``sample(num, seed, labels)`` returns float32 images in [-1, 1]; every
    class gets the same seed, hence the same z.
    """
    return {c: np.asarray(sample(num_per_class, seed, np.full(num_per_class, c, np.int32))) for c in range(num_classes)}


def class_rows(sample, num_classes, per_class=10, seed=0):
    """``num_classes · per_class`` images, row c generated for label c, the
    same z in every row (column j uses z_j): for ``image_grid(images,
    columns=per_class)``."""
    generated = generate_per_class(sample, num_classes, per_class, seed)
    return np.concatenate([generated[c] for c in range(num_classes)])


def label_accuracy(sample, num_classes, num_per_class=1000, seed=0, classifier=DEFAULT_CLASSIFIER, batch_size=250):
    """The classifier's accuracy on images generated for each label.

    Returns:
        ``(accuracy, per_class)`` as `label_accuracy_from_logits`.
    """
    from ganzoo import metrics

    generated = generate_per_class(sample, num_classes, num_per_class, seed)
    images = np.concatenate([generated[c] for c in range(num_classes)])
    logits = metrics.classify(images, classifier, batch_size, outputs=("logits",))["logits"]
    return label_accuracy_from_logits(logits, balanced_labels(num_classes, num_per_class))


def intra_class_fid(generated, real_images, real_labels, classifier=DEFAULT_CLASSIFIER, batch_size=250):
    """Mean over classes of FID(real of class c, generated for c).

    Args:
        generated: ``{label: images}`` (`generate_per_class`).
        real_images: (N, H, W, C) float32 images in [-1, 1].
        real_labels: (N,) their labels.

    Returns:
        ``(mean, {label: FID})``.
    """
    from ganzoo import metrics

    real_labels = np.asarray(real_labels)
    per_class = {}
    for c, fake in generated.items():
        real = real_images[real_labels == c]
        if len(real) < 2:
            raise ValueError(f"Class {c} has {len(real)} real images; FID needs at least 2")
        features = [metrics.classify(x, classifier, batch_size, outputs=("pool_3",))["pool_3"] for x in (real, fake)]
        per_class[int(c)] = metrics.frechet_distance_from_features(*features)
    return float(np.mean(list(per_class.values()))), per_class


def load_conditional_sampler(path):
    """``(sample(num, seed, labels), num_classes)`` for a conditional zoo model
    (by name, through `ganzoo.zoo.load`), a ``.keras`` conditional GAN or an
    exported conditional generator SavedModel directory (`ganzoo.export`).

    A zoo name always means the zoo model, even where the current directory
    holds a folder of that name; anything else must be a ``.keras`` file or a
    directory.
    """
    import tensorflow as tf

    import ganzoo  # noqa: F401  (registers the GAN classes)
    from ganzoo import saving, zoo

    if not path.endswith(".keras") and path in zoo.list_models():
        model = zoo.load(path)
        if model.num_classes is None:
            raise ValueError(f"The zoo model {path!r} takes no labels; it is not class-conditional")
        return model.sample, model.num_classes
    if not path.endswith(".keras") and not os.path.isdir(path):
        raise ValueError(
            f"--model={path!r} is neither a zoo model (available: {zoo.list_models()}), a .keras file nor a "
            f"generator SavedModel directory"
        )
    if path.endswith(".keras"):
        gan = saving.load_keras(path, compile=False)
        if getattr(gan, "num_classes", None) is None:
            raise ValueError(f"{path!r} is not a class-conditional GAN (it has no num_classes)")
        return (lambda num, seed, labels: gan.generate(num, seed=seed, labels=labels)), gan.num_classes
    loaded = tf.saved_model.load(path)
    if "labels" not in loaded.signatures["serving_default"].structured_input_signature[1]:
        raise ValueError(f"The generator {path!r} takes no labels; it is not class-conditional")
    num_classes = int(loaded.num_classes()["num_classes"]) if "num_classes" in loaded.signatures else None

    def sample(num, seed, labels):
        return loaded.sample(num=num, seed=seed, labels=tf.constant(labels, tf.int32))["images"].numpy()

    return sample, num_classes


def evaluate_conditional(model, num_per_class=1000, seed=0, classifier=DEFAULT_CLASSIFIER, real_dataset="fashion_mnist",
                         real_split="train", num_classes=None, batch_size=250):
    """Label accuracy and intra-class FID of ``model`` (a path), as a JSON-ready dict."""
    import ganzoo

    start = time.time()
    sample, found = load_conditional_sampler(model)
    num_classes = num_classes or found
    if num_classes is None:
        raise ValueError(f"Cannot tell how many classes {model!r} has; pass num_classes")
    generated = generate_per_class(sample, num_classes, num_per_class, seed)
    images = np.concatenate([generated[c] for c in range(num_classes)])
    logits = ganzoo.metrics.classify(images, classifier, batch_size, outputs=("logits",))["logits"]
    accuracy, accuracy_per_class = label_accuracy_from_logits(logits, balanced_labels(num_classes, num_per_class))
    real = ganzoo.data.load(real_dataset, real_split, batch_size=1000, shuffle=False, with_labels=True)
    real_images, real_labels = (np.concatenate(parts) for parts in zip(*[(x.numpy(), y.numpy()) for x, y in real]))
    # The same number of real images per class as generated ones (FID's bias depends on it).
    keep = np.concatenate([np.flatnonzero(real_labels == c)[:num_per_class] for c in range(num_classes)])
    fid, fid_per_class = intra_class_fid(generated, real_images[keep], real_labels[keep], classifier, batch_size)
    return {
        "model": model, "classifier": classifier, "num_per_class": num_per_class, "seed": seed,
        "real_dataset": f"{real_dataset}:{real_split}",
        "label_accuracy": accuracy, "label_accuracy_per_class": accuracy_per_class,
        "intra_class_fid": fid, "intra_class_fid_per_class": fid_per_class,
        "wall_time_s": round(time.time() - start, 1),
    }


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="zoo name, .keras file or generator SavedModel directory")
    parser.add_argument("--num_per_class", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--classifier", default=DEFAULT_CLASSIFIER)
    parser.add_argument("--real_dataset", default="fashion_mnist")
    parser.add_argument("--real_split", default="train")
    parser.add_argument("--num_classes", type=int, default=None)
    parser.add_argument("--output", default="", help="JSON file to write")
    parser.add_argument("--grid", default="", help="PNG file of one row of 10 samples per class (seed --seed)")
    args = parser.parse_args(argv)
    result = evaluate_conditional(args.model, args.num_per_class, args.seed, args.classifier, args.real_dataset,
                                  args.real_split, args.num_classes)
    if args.grid:
        from ganzoo.utils.image_grid import image_grid, write_png

        sample, found = load_conditional_sampler(args.model)
        write_png(args.grid, image_grid(class_rows(sample, args.num_classes or found, 10, args.seed), columns=10))
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    return result


if __name__ == "__main__":
    main()
