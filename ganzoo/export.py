"""SavedModel export of generators, loadable without ganzoo.

The SavedModel has three signatures, all usable through
``tf.saved_model.load(path).signatures[...]`` or ``hub.load(path)``:

* ``serving_default(z)``: z float32 (None, latent_dim) → ``{"images": float32
  in [-1, 1]}``;
* ``uint8(z)``: the same images as uint8 in [0, 255], ready for PNG;
* ``sample(num, seed)``: draws z ~ N(0, I) with a stateless seed and returns
  ``{"images", "z"}``, so that a user needs no latent size to sample.

The loaded object also has them as plain functions:
``loaded.serving_default(z)``, ``loaded.uint8(z)`` and ``loaded.sample(num,
seed)``.

A conditional generator (inputs ``[z, labels]``) gets the same three
signatures, each with a ``labels`` argument after the others (``sample(num,
seed, labels)`` takes one label per image).
"""

import os

import keras
import tensorflow as tf

from ganzoo.data import to_uint8


def _generator_of(model):
    generator = getattr(model, "generator", model)
    if not isinstance(generator, keras.Model):
        raise TypeError(f"Expected a ganzoo GAN or a generator keras.Model; got {type(model).__name__}")
    return generator


def export_generator(model, path):
    """Writes the generator of ``model`` (a GAN or a generator) to ``path``.

    Returns ``path``. Refuses to overwrite a non-empty directory that is not a
    SavedModel, so a wrong path never deletes a user's files.
    """
    generator = _generator_of(model)
    latent_dim = generator.inputs[0].shape[-1]
    if os.path.isdir(path) and os.listdir(path) and not os.path.exists(os.path.join(path, "saved_model.pb")):
        raise FileExistsError(f"{path!r} is a non-empty directory that is not a SavedModel; not overwriting it")

    z_spec = tf.TensorSpec((None, latent_dim), tf.float32, name="z")
    if len(generator.inputs) > 1:
        return _export_conditional(generator, path, z_spec)

    def images_of(z):
        return tf.cast(generator(z, training=False), tf.float32)

    @tf.function(input_signature=[z_spec])
    def generate(z):
        return {"images": images_of(z)}

    @tf.function(input_signature=[z_spec])
    def generate_uint8(z):
        return {"images": to_uint8(images_of(z))}

    @tf.function(
        input_signature=[tf.TensorSpec((), tf.int32, name="num"), tf.TensorSpec((), tf.int32, name="seed")]
    )
    def sample(num, seed):
        z = tf.random.stateless_normal(tf.stack([num, latent_dim]), seed=tf.stack([seed, 0]))
        return {"images": images_of(z), "z": z}

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint("serving_default", generate)
    archive.add_endpoint("uint8", generate_uint8)
    archive.add_endpoint("sample", sample)
    archive.write_out(path, verbose=False)
    return path


def _export_conditional(generator, path, z_spec):
    """The three signatures of a generator of ``[z, labels]``."""
    condition = generator.inputs[1]
    labels_spec = tf.TensorSpec((None, *condition.shape[1:]), condition.dtype, name="labels")

    def images_of(z, labels):
        return tf.cast(generator([z, labels], training=False), tf.float32)

    @tf.function(input_signature=[z_spec, labels_spec])
    def generate(z, labels):
        return {"images": images_of(z, labels)}

    @tf.function(input_signature=[z_spec, labels_spec])
    def generate_uint8(z, labels):
        return {"images": to_uint8(images_of(z, labels))}

    num_seed = [tf.TensorSpec((), tf.int32, name="num"), tf.TensorSpec((), tf.int32, name="seed")]

    @tf.function(input_signature=[*num_seed, labels_spec])
    def sample(num, seed, labels):
        z = tf.random.stateless_normal(tf.stack([num, z_spec.shape[-1]]), seed=tf.stack([seed, 0]))
        return {"images": images_of(z, labels), "z": z}

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint("serving_default", generate)
    archive.add_endpoint("uint8", generate_uint8)
    archive.add_endpoint("sample", sample)
    archive.write_out(path, verbose=False)
    return path
