"""Trains and exports the Fashion-MNIST classifier that scores GANs offline.

The Inception network (Szegedy et al. 2016) behind IS and FID knows ImageNet,
not 28×28 clothes, and needs a download. TF-GAN scored MNIST GANs with a small
MNIST classifier instead; this is the same idea for Fashion-MNIST. A small CNN
(3 conv blocks, a 128-unit dense layer, 10 logits) is trained on the
60 000 training images and exported as a SavedModel with TF-Hub's calling
convention:

    obj = hub.load("saved_models/fashion_mnist_classifier")
    out = obj(images)       # images: float32 (N, 28, 28, 1) in [-1, 1]
    out["logits"]           # (N, 10)
    out["pool_3"]           # (N, 128) features, the analogue of Inception's pool_3

The features are the dense layer's pre-activations, before its ReLU. After
the ReLU, 61 of the 128 units are exactly 0 on every one of the 10 000 test
images (dead ReLUs), so FID and KID measured there would use half a feature
vector; before it, no unit is constant (`ganzoo.classifiers.dead_units`
measures every layer). The logits, and so the Inception Score, are the same
either way. Scores from these features are not comparable with scores from
the earlier post-ReLU features, nor with Inception's.

The SavedModel is plain TensorFlow: it loads without ganzoo or Keras. Next to
it, ``model_card.json`` records the test accuracy, the Inception Score of the
real test set (the ceiling a generator can approach), the FID and KID between
the real train and test sets (the floor), and how it was made.

Usage:

    python -m ganzoo.classifiers.fashion_mnist \\
        --output_dir=saved_models/fashion_mnist_classifier
"""

import json
import os
import platform
import sys
import time

from absl import app, flags

from ganzoo import cards

FLAGS = flags.FLAGS

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FEATURE_DIM = 128
CARD = "model_card.json"
# Salimans et al. 2016 / Bińkowski et al. 2018 settings for the card's scores.
IS_SPLITS = 10
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000


def build_model(seed=0):
    """The CNN: ``images → (logits (N, 10), features (N, 128))``.

    (conv 3×3, batch norm, ReLU, max pool) with 32, 64, 128 filters:
    28 → 14 → 7 → 3, then dropout, a 128-unit dense layer whose output before
    its ReLU is the features ("pool_3"), the ReLU, dropout and the 10 logits.
    """
    import keras

    layers = keras.layers
    images = keras.Input(IMAGE_SHAPE, name="images")
    x = images
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    # The ReLU is a layer of its own so that the features are taken before it:
    # after it, about half of the units are dead on real data.
    features = layers.Dense(FEATURE_DIM, name="pool_3")(x)
    x = layers.ReLU(name="pool_3_relu")(features)
    x = layers.Dropout(0.4, seed=seed + 1)(x)
    logits = layers.Dense(NUM_CLASSES, name="logits")(x)
    return keras.Model(images, [logits, features], name="fashion_mnist_classifier")


def train(model, epochs, batch_size, learning_rate, seed, data_dir=None):
    """Fits ``model`` on the training split with a cross-entropy on the logits."""
    import keras

    from ganzoo import data

    train_ds = data.load(
        "fashion_mnist", split="train", batch_size=batch_size, shuffle=True, seed=seed,
        with_labels=True, data_dir=data_dir,
    )
    steps = epochs * (60_000 // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), None],
        metrics=[["accuracy"], []],
    )
    model.fit(train_ds, epochs=epochs, verbose=2)


def export(model, output_dir):
    """Writes a SavedModel whose ``__call__`` and ``serving_default`` map
    float32 images (N, 28, 28, 1) in [-1, 1] to ``{"logits", "pool_3"}``.

    ``model`` returns ``[logits, features]`` or a dict with those two keys.
    """
    import tensorflow as tf

    class Classifier(tf.Module):
        def __init__(self, model):
            super().__init__(name="fashion_mnist_classifier")
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32, name="images")])
        def __call__(self, images):
            outputs = self.model(images, training=False)
            if isinstance(outputs, dict):
                return {"logits": outputs["logits"], "pool_3": outputs["pool_3"]}
            logits, features = outputs
            return {"logits": logits, "pool_3": features}

    module = Classifier(model)
    tf.saved_model.save(module, output_dir, signatures={"serving_default": module.__call__})


def load_weights_from_saved_model(model, saved_model_dir):
    """Copies the variables of an exported classifier into ``model`` (from
    `build_model`), matching them layer by layer: the i-th layer with weights
    takes the i-th variable scope of the SavedModel's serving signature, each
    weight by its name (kernel, bias, gamma, beta, moving_mean, ...).

    This is how a new `export` can change which tensor is "pool_3" without
    retraining: layers without weights (such as the ReLU) do not count.

    Raises:
        ValueError: the layers or shapes do not match.
    """
    import tensorflow as tf

    loaded = tf.saved_model.load(saved_model_dir)  # keeps the variables alive
    signature = loaded.signatures["serving_default"]
    scopes = {}  # "conv2d" → {"kernel": variable}, in the order of the graph
    for variable in signature.variables:
        scope, name = variable.name.split(":")[0].rsplit("/", 1)
        scopes.setdefault(scope, {})[name] = variable
    layers = [layer for layer in model.layers if layer.weights]
    if len(layers) != len(scopes):
        raise ValueError(
            f"{saved_model_dir!r} has {len(scopes)} layers with variables ({list(scopes)}); "
            f"the model has {len(layers)} ({[layer.name for layer in layers]})"
        )
    for layer, (scope, variables) in zip(layers, scopes.items()):
        for weight in layer.weights:
            name = weight.path.rsplit("/", 1)[-1]
            saved = variables.get(name)
            if saved is None or tuple(saved.shape) != tuple(weight.shape):
                raise ValueError(
                    f"Layer {layer.name!r} weight {name!r} {tuple(weight.shape)} has no match in "
                    f"{saved_model_dir!r} scope {scope!r}: {sorted(variables)}"
                )
            weight.assign(saved.numpy())


def test_accuracy(classifier_path, data_dir=None):
    """Top-1 accuracy of the exported model on the 10 000 test images."""
    import numpy as np

    from ganzoo import data
    from ganzoo.metrics.classifier import load_local_saved_model

    loaded = load_local_saved_model(classifier_path)
    correct = total = 0
    test_ds = data.load(
        "fashion_mnist", split="test", batch_size=500, shuffle=False, with_labels=True,
        data_dir=data_dir,
    )
    for images, labels in test_ds:
        predictions = np.argmax(loaded(images)["logits"].numpy(), axis=1)
        correct += int(np.sum(predictions == labels.numpy()))
        total += len(predictions)
    return correct / total


def reference_scores(classifier_path, seed, data_dir=None):
    """IS of the real test set (ceiling); FID and KID of real train vs test (floor)."""
    import numpy as np
    import tensorflow as tf

    from ganzoo import data, metrics

    def images(split):
        batches = data.load(
            "fashion_mnist", split=split, batch_size=500, shuffle=False, data_dir=data_dir
        )
        return np.concatenate([b.numpy() for b in batches])

    from ganzoo.classifiers.dead_units import dead_units

    # Loaded directly, not by name: the card being written cannot verify yet.
    loaded = tf.saved_model.load(classifier_path)
    classifier = metrics.Classifier(loaded, IMAGE_SHAPE, name=classifier_path)
    train_out = metrics.classify(images("train"), classifier)
    test_out = metrics.classify(images("test"), classifier)
    is_mean, is_std = metrics.inception_score_from_logits(test_out["logits"], splits=IS_SPLITS)
    fid = metrics.frechet_distance_from_features(train_out["pool_3"], test_out["pool_3"])
    kid_mean, kid_std = metrics.kernel_distance_from_features(
        train_out["pool_3"], test_out["pool_3"], num_subsets=KID_SUBSETS,
        subset_size=KID_SUBSET_SIZE, seed=seed,
    )
    return {
        # Units of pool_3 that are exactly 0 on every test image (see dead_units).
        "pool_3_dead_units_test": int(dead_units(test_out["pool_3"]).sum()),
        "inception_score_test": {"mean": is_mean, "std": is_std, "splits": IS_SPLITS},
        "fid_train_vs_test": fid,
        "kid_train_vs_test": {
            "mean": kid_mean, "std": kid_std, "num_subsets": KID_SUBSETS,
            "subset_size": KID_SUBSET_SIZE,
        },
    }


def reexport(output_dir, seed, data_dir=None):
    """Exports the trained weights in ``output_dir`` again through today's
    `build_model` and `export`, after checking that the logits do not change
    and that the old features are the ReLU of the new ones; returns the
    record for the card."""
    import numpy as np
    import tensorflow as tf

    from ganzoo.classifiers.dead_units import real_test_images

    images = real_test_images(data_dir)[:1000]
    before = tf.saved_model.load(output_dir)(images)
    before = {key: value.numpy() for key, value in before.items()}
    model = build_model(seed)
    load_weights_from_saved_model(model, output_dir)
    logits, features = (np.asarray(out) for out in model(images, training=False))
    if not np.allclose(logits, before["logits"], atol=1e-4):
        raise ValueError("The reloaded weights change the logits; not re-exporting")
    export(model, output_dir)
    return {
        "command": " ".join(["python -m ganzoo.classifiers.fashion_mnist"] + sys.argv[1:]),
        "weights": "unchanged (logits equal before and after)",
        "old_pool_3_equals_relu_of_new": bool(np.allclose(before["pool_3"], np.maximum(features, 0), atol=1e-4)),
    }


def machine():
    import tensorflow as tf

    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def define_flags():
    """The command-line flags, defined only when run as a script so that
    importing this module never clashes with other ganzoo CLIs' flags."""
    flags.DEFINE_string("output_dir", "saved_models/fashion_mnist_classifier", "Where to export.")
    flags.DEFINE_integer("epochs", 12, "Training epochs over the 60 000 training images.")
    flags.DEFINE_integer("batch_size", 128, "Training batch size.")
    flags.DEFINE_float("learning_rate", 2e-3, "Peak Adam learning rate (cosine decay to 0).")
    flags.DEFINE_integer("seed", 0, "Seed of weights, dropout and shuffling.")
    flags.DEFINE_string("data_dir", None, "Directory of the Fashion-MNIST IDX files (default: ganzoo's search).")
    flags.DEFINE_bool(
        "card_only", False, "Skip training: recompute model_card.json for the model in --output_dir."
    )
    flags.DEFINE_bool(
        "reexport", False, "Skip training: load the trained weights of the SavedModel in --output_dir "
        "into build_model(), export it again (with today's choice of pool_3) and recompute the card."
    )


def main(argv):
    del argv
    import keras

    output_dir = FLAGS.output_dir
    card_path = os.path.join(output_dir, CARD)
    previous = {}
    if FLAGS.card_only or FLAGS.reexport:
        with open(card_path) as f:
            previous = json.load(f)
        training = previous["training"]
    if FLAGS.reexport:
        training = {**training, "reexported": reexport(output_dir, FLAGS.seed, FLAGS.data_dir)}
        with open(card_path, "w") as f:  # as after training: --card_only can finish the job
            json.dump({"training": training}, f, indent=2)
    elif not FLAGS.card_only:
        keras.utils.set_random_seed(FLAGS.seed)
        start = time.time()
        model = build_model(FLAGS.seed)
        train(model, FLAGS.epochs, FLAGS.batch_size, FLAGS.learning_rate, FLAGS.seed, FLAGS.data_dir)
        export(model, output_dir)
        training = {
            "command": " ".join(["python -m ganzoo.classifiers.fashion_mnist"] + sys.argv[1:]),
            "seed": FLAGS.seed,
            "epochs": FLAGS.epochs,
            "batch_size": FLAGS.batch_size,
            "learning_rate": FLAGS.learning_rate,
            "parameters": int(model.count_params()),
            "wall_time_s": round(time.time() - start, 1),
            "machine": machine(),
        }
        # A card without scores yet, so that --card_only can finish the job.
        with open(card_path, "w") as f:
            json.dump({"training": training}, f, indent=2)
    start = time.time()
    card = {
        "name": "fashion_mnist_classifier",
        "inputs": "float32 images (N, 28, 28, 1) in [-1, 1]",
        "outputs": {
            "logits": f"(N, {NUM_CLASSES})",
            "pool_3": f"(N, {FEATURE_DIM}) features: the dense layer's pre-activations, before its ReLU",
        },
        "test_accuracy": test_accuracy(output_dir, FLAGS.data_dir),
        **reference_scores(output_dir, FLAGS.seed, FLAGS.data_dir),
        "training": training,
        "scoring_wall_time_s": round(time.time() - start, 1),
    }
    card = cards.write_card(output_dir, card)  # adds the sha256 of every file
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    define_flags()
    app.run(main)
