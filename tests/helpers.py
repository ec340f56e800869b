"""Shared test helpers: tiny nets, a tiny fit, round trips, a loopback server."""

import contextlib
import functools
import http.server
import os
import threading

import keras
import numpy as np
import tensorflow as tf

import ganzoo

IMAGE_SHAPE = (28, 28, 1)
LATENT_DIM = 8


def tiny_networks(image_shape=IMAGE_SHAPE, latent_dim=LATENT_DIM, normalization="batch"):
    """Small DCGAN nets (8 base filters) that train in a fraction of a second."""
    return (
        ganzoo.architectures.dcgan_generator(
            image_shape, latent_dim, base_filters=8, normalization=normalization
        ),
        ganzoo.architectures.dcgan_discriminator(
            image_shape, base_filters=8, normalization=normalization
        ),
    )


def random_images(num=32, image_shape=IMAGE_SHAPE, seed=0):
    """float32 images in [-1, 1]."""
    return np.random.default_rng(seed).uniform(-1, 1, (num, *image_shape)).astype("float32")


def tiny_fit(gan, images=None, batch_size=8, epochs=1):
    """Compiles ``gan`` if needed and fits it on random images; returns the History."""
    if gan.d_optimizer is None:
        gan.compile()
    images = random_images() if images is None else images
    return gan.fit(images, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=False)


def save_and_reload(model, tmp_path, name="model.keras"):
    """``model.save`` then ``keras.models.load_model`` (safe mode)."""
    path = os.path.join(str(tmp_path), name)
    model.save(path)
    return keras.models.load_model(path, safe_mode=True)


def assert_finite_logs(history, expected_keys):
    assert set(history.history) == set(expected_keys), sorted(history.history)
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)


def tiny_classifier(image_shape=IMAGE_SHAPE, num_classes=10, feature_dim=8, seed=0):
    """A small untrained keras classifier returning ``{"logits", "pool_3"}``,
    a stand-in for Inception in metric tests."""
    images = keras.Input(image_shape)
    x = keras.layers.Conv2D(4, 3, strides=2, kernel_initializer=keras.initializers.GlorotUniform(seed))(images)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(
        feature_dim, activation="tanh", kernel_initializer=keras.initializers.GlorotUniform(seed + 1)
    )(x)
    logits = keras.layers.Dense(
        num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed + 2)
    )(features)
    return keras.Model(images, {"logits": logits, "pool_3": features}, name="tiny_classifier")


def fashion_mnist_images(split="test", num=1000, label=None):
    """The first ``num`` Fashion-MNIST images of ``split`` (of class ``label``
    only, if given), float32 in [-1, 1], from the offline copy via ganzoo.data."""
    kept = []
    for images, labels in ganzoo.data.load(
        "fashion_mnist", split=split, batch_size=500, shuffle=False, with_labels=True
    ):
        images = images.numpy()
        kept.append(images if label is None else images[labels.numpy() == label])
        if sum(map(len, kept)) >= num:
            break
    return np.concatenate(kept)[:num]


def tiny_point_gan(seed=0, cls=None):
    """A compiled VanillaGAN (or ``cls``) on 2-D points with 16-unit MLPs, seeded."""
    keras.utils.set_random_seed(seed)
    generator = ganzoo.architectures.mlp_generator(2, 2, hidden_units=(16,))
    discriminator = ganzoo.architectures.mlp_discriminator(2, hidden_units=(16,))
    cls = ganzoo.VanillaGAN if cls is None else cls
    gan = cls(generator=generator, discriminator=discriminator, latent_dim=2, seed=seed)
    gan.compile()
    return gan


class PoisonedLossGAN(ganzoo.VanillaGAN):
    """Both losses times the batch's condition (1, or NaN in a poisoned batch).

    A non-finite step from finite data: GAN steps refuse NaN in the images
    themselves (`ganzoo.data.check_batch`), so divergence tests poison the
    loss instead. Feed ``poisoned_batches``."""

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        return super().discriminator_loss(real_logits, fake_logits) * tf.reduce_mean(condition)

    def generator_loss(self, fake_logits, condition=None):
        return super().generator_loss(fake_logits) * tf.reduce_mean(condition)


def poisoned_batches(batches, poisoned):
    """A dataset of ``(points, poison)`` batches from ``batches`` (steps,
    batch, dims); ``poison`` is NaN for the step indices in ``poisoned``."""
    poison = np.ones(batches.shape[:2], "float32")
    poison[list(poisoned)] = np.nan
    return tf.data.Dataset.from_tensor_slices((batches, poison))


def assert_round_trip_keeps_outputs(gan, tmp_path):
    """Saves and reloads ``gan``; G and D give identical outputs. Returns the copy."""
    z = np.random.default_rng(0).normal(size=(2, gan.latent_dim)).astype("float32")
    images = gan(z)  # builds the model
    again = save_and_reload(gan, tmp_path)
    assert type(again) is type(gan)
    np.testing.assert_array_equal(images, again(z))
    np.testing.assert_array_equal(gan.discriminator(images), again.discriminator(images))
    return again


def tiny_zoo_model(directory, name="tiny_model", with_gan=True, seed=0):
    """Writes a zoo model directory of a tiny untrained VanillaGAN, as
    ``python -m ganzoo.publish`` does: ``generator/``, ``gan.keras`` (with
    ``with_gan``) and a card. Returns the GAN."""
    generator, discriminator = tiny_networks()
    gan = ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, seed=seed)
    gan(np.zeros((1, LATENT_DIM), "float32"))  # builds the model
    os.makedirs(directory, exist_ok=True)
    ganzoo.export.export_generator(gan, os.path.join(str(directory), "generator"))
    if with_gan:
        gan.save(os.path.join(str(directory), "gan.keras"))
    ganzoo.cards.write_card(str(directory), {"name": name, "latent_dim": LATENT_DIM, "image_shape": list(IMAGE_SHAPE)})
    return gan


def tiny_gan(cls=None, nets=None, normalization="batch", seed=1, compiled=False, **kwargs):
    """The shared GAN factory: ``cls`` (VanillaGAN by default) on `tiny_networks`
    (or ``nets``), latent size ``LATENT_DIM``, seeded; compiled with the
    variant's optimizers when ``compiled``. ``kwargs`` go to ``cls``."""
    cls = ganzoo.VanillaGAN if cls is None else cls
    if nets is None:
        keras.utils.set_random_seed(seed)
        nets = tiny_networks(normalization=normalization)
    generator, discriminator = nets
    latent_dim = kwargs.pop("latent_dim", generator.inputs[0].shape[-1])
    gan = cls(generator=generator, discriminator=discriminator, latent_dim=latent_dim, seed=seed, **kwargs)
    if compiled:
        gan.compile()
    return gan


def tiny_conditional_networks(num_classes=3, image_shape=(4, 4, 1), latent_dim=LATENT_DIM, seed=0):
    """A class-conditional G(z, y) and D(x, y) of dense layers (labels are
    int32 class ids, embedded), small enough for exact comparisons."""
    init = keras.initializers.GlorotUniform(seed)
    z, y = keras.Input((latent_dim,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([z, keras.layers.Embedding(num_classes, 4)(y)])
    h = keras.layers.Dense(int(np.prod(image_shape)), activation="tanh", kernel_initializer=init)(h)
    generator = keras.Model([z, y], keras.layers.Reshape(image_shape)(h), name="conditional_generator")
    x, label = keras.Input(image_shape), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([keras.layers.Flatten()(x), keras.layers.Embedding(num_classes, 4)(label)])
    h = keras.layers.Dense(8, activation="relu", kernel_initializer=init)(h)
    discriminator = keras.Model([x, label], keras.layers.Dense(1, kernel_initializer=init)(h), name="conditional_d")
    return generator, discriminator


# ------------------------------------------------ class-conditional GANs
NUM_CLASSES = 4


def tiny_conditional_gan(cls=None, image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, seed=0, **kwargs):
    """A compiled class-conditional GAN (``ganzoo.ConditionalGAN`` by default)
    on small conditional DCGAN nets (points for a 1-D ``image_shape``), seeded."""
    cls = cls or ganzoo.ConditionalGAN
    keras.utils.set_random_seed(seed)
    conditioning = "auxiliary" if issubclass(cls, ganzoo.ACGAN) else kwargs.pop("conditioning", "projection")
    if len(image_shape) == 3:
        generator = ganzoo.architectures.conditional_dcgan_generator(
            image_shape, LATENT_DIM, num_classes, embedding_dim=4, base_filters=8
        )
        discriminator = ganzoo.architectures.conditional_dcgan_discriminator(
            image_shape, num_classes, conditioning, embedding_dim=4, base_filters=8
        )
    else:
        generator = ganzoo.architectures.conditional_mlp_generator(
            LATENT_DIM, image_shape[0], num_classes, embedding_dim=4, hidden_units=(16,)
        )
        discriminator = ganzoo.architectures.conditional_mlp_discriminator(
            image_shape[0], num_classes, conditioning, embedding_dim=4, hidden_units=(16,)
        )
    gan = cls(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, num_classes=num_classes,
              seed=seed, **kwargs)
    gan.compile()
    return gan


def random_labels(num=32, num_classes=NUM_CLASSES, seed=0):
    """int64 labels in [0, num_classes), as `ganzoo.data.load` yields them."""
    return np.random.default_rng(seed).integers(0, num_classes, num).astype("int64")


def run_train_cli(*args):
    """Parses ``args`` as `python -m ganzoo.train` flags and runs the job in
    this process; returns its metrics dict."""
    from absl import flags

    from ganzoo import train

    flags.FLAGS.unparse_flags()
    flags.FLAGS(["ganzoo.train", "--verbose=0", "--num_samples=16", *args])
    try:
        return train.train(flags.FLAGS)
    finally:
        flags.FLAGS.unparse_flags()


_MIRRORED_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import ganzoo
from helpers import tiny_conditional_gan, random_labels

cls = ganzoo.models.MODELS[sys.argv[1]]
points = np.random.default_rng(1).uniform(-1, 1, (16, 2)).astype("float32")
labels = random_labels(16)
def make():
    gan = tiny_conditional_gan(cls, image_shape=(2,), seed=3)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    return gan
def weights(gan):
    return gan.generator.get_weights() + gan.discriminator.get_weights()
single = make()
initial = weights(single)
single.fit(points, labels, batch_size=16, epochs=1, verbose=0, shuffle=False)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = make()
    mirrored.generator.set_weights(initial[: len(mirrored.generator.weights)])
    mirrored.discriminator.set_weights(initial[len(mirrored.generator.weights) :])
mirrored.fit(points, labels, batch_size=16, epochs=1, verbose=0, shuffle=False)
pairs = list(zip(weights(single), weights(mirrored)))
print(json.dumps({
    "max_weight_diff": max(float(np.abs(a - b).max()) for a, b in pairs),
    "moved": max(float(np.abs(a - b).max()) for a, b in zip(initial, weights(single))),
    "replicas": strategy.num_replicas_in_sync,
}))
"""


def mirrored_and_single_device_steps(model_name):
    """Trains ``ganzoo.models.MODELS[model_name]`` (tiny conditional MLPs on
    labelled points) one step on one device and one step under
    MirroredStrategy on 2 logical CPUs, in a fresh process; returns
    ``{"max_weight_diff", "moved", "replicas"}``."""
    import json
    import subprocess
    import sys

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.abspath(__file__)), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-c", _MIRRORED_SCRIPT, model_name], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def loopback_server(root):
    """Serves the directory ``root`` over HTTP on 127.0.0.1; yields
    ``(base_url, requests)``, the paths asked for so far."""
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
