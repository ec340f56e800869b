r"""Dead units: the features of a layer that are the same on every image.

A unit that is exactly 0 on every real image (a dead ReLU) adds nothing to
FID, KID or k-NN distances: the feature vector is shorter than it looks. This
measures, for every layer of the shipped Fashion-MNIST classifier, how many
units are dead on the 10 000 real test images, to choose the layer that
scores are computed from ("pool_3"):

    python -m ganzoo.classifiers.dead_units \
        --classifier_dir=saved_models/fashion_mnist_classifier

A unit of a dense layer is one output; a unit of a convolutional layer is one
channel, dead when it is 0 at every position of every image.
"""

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS


def dead_units(features, atol=0.0):
    """Which units are dead: ``|value| ≤ atol`` on every row.

    Args:
        features: (N, d) activations, or (N, H, W, d) for a convolutional
            layer (a channel is dead when it is dead at every position).
        atol: tolerance; 0 means exactly zero.

    Returns:
        A boolean (d,) array, True for dead units.
    """
    features = np.asarray(features)
    if features.ndim < 2 or len(features) == 0:
        raise ValueError(f"Expected activations (num_images, ..., units); got shape {features.shape}")
    magnitude = np.abs(features).reshape(-1, features.shape[-1])  # (N·H·W, d)
    return np.all(magnitude <= atol, axis=0)


def layer_report(model, images, batch_size=500):
    """Dead units of every layer of ``model`` with an output on ``images``.

    Dropout layers (the identity at inference) and the input are skipped.

    Returns:
        A list of ``(layer name, output shape, units, dead units)``, in order.
    """
    import keras

    layers = [
        layer for layer in model.layers
        if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Dropout))
    ]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    dead = None
    for start in range(0, len(images), batch_size):
        outputs = probe([images[start : start + batch_size]], training=False)
        alive_here = [~dead_units(keras.ops.convert_to_numpy(out)) for out in outputs]
        dead = [~a for a in alive_here] if dead is None else [d & ~a for d, a in zip(dead, alive_here)]
    return [
        (layer.name, tuple(layer.output.shape[1:]), int(mask.size), int(mask.sum()))
        for layer, mask in zip(layers, dead)
    ]


def real_test_images(data_dir=None):
    """The 10 000 Fashion-MNIST test images, float32 in [-1, 1]."""
    from ganzoo import data

    batches = data.load("fashion_mnist", split="test", batch_size=500, shuffle=False, data_dir=data_dir)
    return np.concatenate([batch.numpy() for batch in batches])


def main(argv):
    del argv
    from ganzoo.classifiers import fashion_mnist

    model = fashion_mnist.build_model()
    fashion_mnist.load_weights_from_saved_model(model, FLAGS.classifier_dir)
    images = real_test_images(FLAGS.data_dir)
    print(f"Dead units on {len(images)} Fashion-MNIST test images ({FLAGS.classifier_dir}):")
    print(f"{'layer':<24}{'output':>16}{'units':>8}{'dead':>7}{'dead %':>9}")
    for name, shape, units, dead in layer_report(model, images):
        print(f"{name:<24}{str(shape):>16}{units:>8}{dead:>7}{100 * dead / units:>8.1f}%")


if __name__ == "__main__":
    flags.DEFINE_string("classifier_dir", "saved_models/fashion_mnist_classifier", "Exported classifier.")
    flags.DEFINE_string("data_dir", None, "Directory of the Fashion-MNIST IDX files (default: ganzoo's search).")
    app.run(main)
