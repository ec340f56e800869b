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

A class-conditional generator (a GAN with ``num_classes``, e.g.
`ganzoo.ConditionalGAN`, or ganzoo's conditional nets, whose G has a
"label_embedding") gets checked class labels instead:

* ``serving_default(z, labels)``: labels int32 (None,), one per z;
* ``uint8(z, labels)``;
* ``sample(num, seed, labels)``: labels int32, one label for all samples
  (a scalar or shape (1,)) or one per sample (shape (num,)); returns
  ``{"images", "z", "labels"}``;
* ``num_classes()``: ``{"num_classes": int32 scalar}``, so that a user (or
  ``ganzoo.sample --labels=all``) knows the labels' range.

Each checks its labels inside the graph (``tf.debugging`` asserts): a label
outside [0, num_classes) or a labels batch of the wrong size fails with an
InvalidArgumentError that says so; a float label is refused by the signature.
"""

import os

import keras
import tensorflow as tf

from ganzoo.data import to_uint8


def _new_archive():
    """An ``ExportArchive`` that stores each weight once.

    ``archive.track(generator)`` is not called: the endpoints' variables are
    tracked on their own by ``add_endpoint``, and tracking the model as well
    writes every weight a second time under other names (keras-team/keras
    #23553: twice the file size, and two buffers per weight once loaded).
    """
    return keras.export.ExportArchive()


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
        num_classes = _num_classes_of(model, generator)
        if num_classes is not None:
            return _export_class_conditional(generator, path, z_spec, num_classes)
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

    return _write_endpoints(path, serving_default=generate, uint8=generate_uint8, sample=sample)


def _write_endpoints(path, **endpoints):
    """Writes a SavedModel at ``path`` with ``endpoints`` (name → tf.function), in order."""
    archive = _new_archive()
    for name, function in endpoints.items():
        archive.add_endpoint(name, function)
    archive.write_out(path, verbose=False)
    return path


def _labelled_image_endpoints(images_of, z_spec, labels_spec):
    """``serving_default(z, labels)`` and ``uint8(z, labels)`` over ``images_of``."""

    @tf.function(input_signature=[z_spec, labels_spec])
    def generate(z, labels):
        return {"images": images_of(z, labels)}

    @tf.function(input_signature=[z_spec, labels_spec])
    def generate_uint8(z, labels):
        return {"images": to_uint8(images_of(z, labels))}

    return generate, generate_uint8


def _export_conditional(generator, path, z_spec):
    """The three signatures of a generator of ``[z, labels]``."""
    condition = generator.inputs[1]
    labels_spec = tf.TensorSpec((None, *condition.shape[1:]), condition.dtype, name="labels")

    def images_of(z, labels):
        return tf.cast(generator([z, labels], training=False), tf.float32)

    generate, generate_uint8 = _labelled_image_endpoints(images_of, z_spec, labels_spec)

    num_seed = [tf.TensorSpec((), tf.int32, name="num"), tf.TensorSpec((), tf.int32, name="seed")]

    @tf.function(input_signature=[*num_seed, labels_spec])
    def sample(num, seed, labels):
        z = tf.random.stateless_normal(tf.stack([num, z_spec.shape[-1]]), seed=tf.stack([seed, 0]))
        return {"images": images_of(z, labels), "z": z}

    return _write_endpoints(path, serving_default=generate, uint8=generate_uint8, sample=sample)


# ----------------------------------------------------- conditional generators
def _num_classes_of(model, generator):
    """The GAN's ``num_classes``, else the size of G's "label_embedding"
    (ganzoo's conditional nets), else None (a condition other than labels)."""
    num_classes = getattr(model, "num_classes", None)
    if num_classes is None:
        embedding = next((l for l in generator.layers if l.name == "label_embedding"), None)
        num_classes = getattr(embedding, "input_dim", None)
    return None if num_classes is None else int(num_classes)


def check_labels_in_graph(labels, num_classes, batch_size=None):
    """``labels`` as int32 after graph-side checks: every label in [0,
    num_classes), and (when ``batch_size`` is given) one label per example."""
    labels = tf.convert_to_tensor(labels)
    checks = [
        tf.debugging.assert_greater_equal(labels, 0, message=f"labels must be in [0, {num_classes})"),
        tf.debugging.assert_less(labels, num_classes, message=f"labels must be in [0, {num_classes})"),
    ]
    if batch_size is not None:
        checks.append(tf.debugging.assert_equal(
            tf.shape(labels)[0], batch_size, message="labels must hold one label per z (same batch size)"
        ))
    with tf.control_dependencies(checks):
        return tf.identity(labels)


def _export_class_conditional(generator, path, z_spec, num_classes):
    """`export_generator` for G(z, labels) with class labels, checked in the graph."""
    latent_dim = z_spec.shape[-1]

    def images_of(z, labels):
        labels = check_labels_in_graph(labels, num_classes, tf.shape(z)[0])
        return tf.cast(generator([z, labels], training=False), tf.float32)

    labels_spec = tf.TensorSpec((None,), tf.int32, name="labels")

    generate, generate_uint8 = _labelled_image_endpoints(images_of, z_spec, labels_spec)

    @tf.function(input_signature=[
        tf.TensorSpec((), tf.int32, name="num"),
        tf.TensorSpec((), tf.int32, name="seed"),
        tf.TensorSpec(None, tf.int32, name="labels"),  # a scalar, (1,) or (num,)
    ])
    def sample(num, seed, labels):
        size = tf.size(labels)
        checks = [
            tf.debugging.assert_less_equal(tf.rank(labels), 1, message="labels must be a scalar or a vector"),
            tf.debugging.assert_equal(
                tf.logical_or(tf.equal(size, 1), tf.equal(size, num)), True,
                message="labels must hold one label for all samples or one label per sample (num of them)",
            ),
        ]
        with tf.control_dependencies(checks):
            labels = tf.broadcast_to(tf.reshape(labels, [-1]), tf.reshape(num, [1]))
        z = tf.random.stateless_normal(tf.stack([num, latent_dim]), seed=tf.stack([seed, 0]))
        return {"images": images_of(z, labels), "z": z, "labels": labels}

    @tf.function(input_signature=[])
    def classes():
        return {"num_classes": tf.constant(num_classes, tf.int32)}

    return _write_endpoints(
        path, serving_default=generate, uint8=generate_uint8, sample=sample, num_classes=classes
    )
