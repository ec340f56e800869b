r"""Sample a picture from a pretrained or exported generator.

    python -m ganzoo.sample --model=fashion_mnist_vanilla --num=64 --seed=0 --out=grid.png
    python -m ganzoo.sample --model_dir=runs/default/generator --trust --out=grid.png
    python -m ganzoo.sample --model=fashion_mnist_conditional --labels=7   # 64 sneakers
    python -m ganzoo.sample --model=fashion_mnist_conditional --labels=all # one row per class

``--model`` is a zoo name (`ganzoo.zoo.list_models()`), an http(s) URL of a
model archive with ``--sha256``, or a ``.keras`` file (loaded in Keras' safe
mode). A zoo name is never looked up as a path. A directory is passed as
``--model_dir`` (a zoo model directory, a generator SavedModel or a ``.tar.gz``
archive of a model); outside the registry inside ganzoo it loads only with
``--trust`` or, for an archive, ``--sha256`` (see ``README.md``, "The trust
model").

`load_sampler` is the one loader of generators, shared with
``python -m ganzoo.evaluate``.
"""

import os

from absl import app, flags

FLAGS = flags.FLAGS


def define_flags():
    """Defined only when run as a program, so that importing this module
    never clashes with another CLI's flags."""
    flags.DEFINE_string("model", None, "Zoo name, http(s) URL of a model archive (with --sha256) or .keras file.")
    flags.DEFINE_string("model_dir", None, "Model directory, generator SavedModel or .tar.gz model archive.")
    flags.DEFINE_bool("trust", False, "Load a --model_dir outside ganzoo's registry, checked only against its card.")
    flags.DEFINE_string("sha256", None, "Pinned sha256 of the model archive (--model URL or --model_dir archive).")
    flags.DEFINE_integer("num", 64, "Number of samples.")
    flags.DEFINE_integer("seed", 0, "Seed of z; the same seed gives the same picture.")
    flags.DEFINE_string("out", "grid.png", "PNG file to write.")
    flags.DEFINE_string("labels", None, "Class-conditional generators: one label for all samples (7), one per "
                        "sample (1,2,3), or 'all': one row per class. Default: sample i gets label i mod classes.")


def load_sampler(model=None, *, model_dir=None, trust=False, sha256=None):
    """Returns ``sample(num, seed) -> float32 numpy samples`` (images in [-1, 1]
    or 2-D points) of a generator.

    Args:
        model: a zoo name, an http(s) URL of a model archive (with
            ``sha256``) or a ``.keras`` file of a ganzoo GAN or a generator.
        model_dir: a zoo model directory (card + ``generator/``), a generator
            SavedModel directory (`ganzoo.export`) or a ``.tar.gz`` model archive.
        trust: load a ``model_dir`` that the registry inside ganzoo does not pin.
        sha256: the pinned sha256 of an archive.

    Raises:
        ValueError: neither or both of ``model`` and ``model_dir``, an unknown
            name, or a directory given as ``model``.
        IntegrityError: a model that fails its checks (`ganzoo.trust`).
    """
    from ganzoo import remote, zoo

    if (model is None) == (model_dir is None):
        raise ValueError(
            f"Pass one of model (a zoo name, URL or .keras file) and model_dir; got {model!r}, {model_dir!r}"
        )
    if model is not None:
        if model.endswith(".keras"):
            return _keras_sampler(model)
        if not remote.is_url(model) and model not in zoo.list_models() and os.path.isdir(model):
            raise ValueError(
                f"--model={model!r} is not a zoo name (available: {zoo.list_models()}); names are never looked up "
                f"as paths. To load the directory {model!r}, pass --model_dir={model} --trust (in Python: "
                f"model_dir={model!r}, trust=True) if you trust it"
            )
        return zoo.load(model, sha256=sha256).sample
    model_dir = os.fspath(model_dir)
    if remote.is_archive(model_dir):
        return zoo.load(path=model_dir, sha256=sha256, trust=trust).sample
    if not os.path.isdir(model_dir):
        raise FileNotFoundError(f"--model_dir={model_dir!r} is not a directory")
    if os.path.exists(os.path.join(model_dir, "generator", "saved_model.pb")):
        return zoo.load(path=model_dir, trust=trust).sample  # a zoo model directory: card + generator/
    if not os.path.exists(os.path.join(model_dir, "saved_model.pb")):
        raise ValueError(
            f"{model_dir!r} is a directory but neither a SavedModel (no saved_model.pb) nor a "
            f"zoo model directory (no generator/saved_model.pb)"
        )
    if not trust:
        raise zoo.trust_error(model_dir)
    from ganzoo import trust as trust_lib

    trust_lib.scan(model_dir)  # no symlink, FIFO or device is read
    return _saved_model_sampler(model_dir)


def _keras_sampler(path):
    import tensorflow as tf

    from ganzoo import saving

    loaded = saving.load_keras(path, compile=False)  # safe mode, integrity checked
    if hasattr(loaded, "generate"):
        return loaded.generate
    latent_dim = loaded.input_shape[-1]

    def sample(num, seed):
        z = tf.random.stateless_normal((num, latent_dim), seed=[seed, 0])
        return tf.cast(loaded.predict(z, verbose=0), tf.float32).numpy()

    return sample


def _saved_model_sampler(path, batch_size=250):
    """A generator SavedModel whose ``serving_default`` maps ``z`` float32
    (None, latent_dim) to ``{"images"}``; latent_dim is read from the signature."""
    import numpy as np
    import tensorflow as tf

    from ganzoo import saving

    loaded = saving.load_saved_model(path)
    signatures = getattr(loaded, "signatures", {})
    if "serving_default" not in signatures:
        raise ValueError(f"The SavedModel {path!r} has no serving_default signature; got {sorted(signatures)}")
    signature = signatures["serving_default"]
    _, inputs = signature.structured_input_signature
    # A class-conditional generator also takes labels and tells its num_classes().
    num_classes = int(loaded.num_classes()["num_classes"]) if "num_classes" in signatures else None
    if set(inputs) != ({"z"} if num_classes is None else {"z", "labels"}):
        raise ValueError(
            f"The serving_default signature of {path!r} takes {sorted(inputs)}; expected a "
            f"generator taking 'z', or 'z' and 'labels' with a num_classes signature (see ganzoo.export)"
        )
    latent_dim = inputs["z"].shape[-1]

    def generate(z, labels):
        outputs = signature(z=z) if labels is None else signature(z=z, labels=labels)
        if "images" not in outputs:
            raise ValueError(f"The generator {path!r} returns {sorted(outputs)}, not 'images'")
        return tf.cast(outputs["images"], tf.float32).numpy()

    def sample(num, seed, labels=None):
        if num_classes is not None:
            from ganzoo.models.conditional_gan import check_class_labels

            labels = check_class_labels(np.arange(num) % num_classes if labels is None else labels, num, num_classes)
        elif labels is not None:
            raise ValueError(f"The generator {path!r} is not class-conditional; it takes no labels")
        z = tf.random.stateless_normal((num, latent_dim), seed=[seed, 0])
        return np.concatenate([
            generate(z[i : i + batch_size], None if labels is None else tf.constant(labels[i : i + batch_size]))
            for i in range(0, num, batch_size)
        ])

    sample.loaded = loaded
    sample.num_classes = num_classes
    return sample


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if (FLAGS.model is None) == (FLAGS.model_dir is None):
        from ganzoo import zoo

        raise app.UsageError(f"Pass one of --model (zoo models: {zoo.list_models()}) and --model_dir")
    import numpy as np

    from ganzoo import command_checks
    from ganzoo.cli import FlagError
    from ganzoo.utils.image_grid import image_grid, samples_picture, write_png

    command_checks.check_sample_flags(FLAGS)  # before the model is loaded

    sample = load_sampler(FLAGS.model, model_dir=FLAGS.model_dir, trust=FLAGS.trust, sha256=FLAGS.sha256)
    num, labels, columns = FLAGS.num, None, None
    if FLAGS.labels is not None:
        # The sampler is a function, or a bound method of a ZooModel or a GAN.
        num_classes = getattr(getattr(sample, "__self__", sample), "num_classes", None)
        if num_classes is None:
            raise FlagError(f"--labels={FLAGS.labels}: this generator is not class-conditional")
        if FLAGS.labels == "all":  # one row per class
            columns = max(1, num // num_classes)
            labels, num = np.repeat(np.arange(num_classes), columns), columns * num_classes
        else:
            try:
                labels = [int(label) for label in FLAGS.labels.split(",")]
            except ValueError:
                raise FlagError(f"--labels must be an integer, integers joined by commas, or 'all'; "
                                     f"got {FLAGS.labels!r}") from None
    try:
        samples = sample(num, FLAGS.seed) if labels is None else sample(num, FLAGS.seed, labels=labels)
    except ValueError as error:
        raise FlagError(f"--labels={FLAGS.labels}: {error}") if labels is not None else error
    picture = samples_picture(samples) if columns is None else image_grid(samples, columns=columns)
    write_png(FLAGS.out, picture)
    print(f"Wrote {num} samples to {FLAGS.out}")


if __name__ == "__main__":
    from ganzoo import cli

    define_flags()
    cli.run(main, expected=(cli.FlagError,))
