r"""Score a trained generator: ``python -m ganzoo.evaluate``.

    python -m ganzoo.evaluate --model=runs/vanilla-fashion_mnist/model.keras
    python -m ganzoo.evaluate --model=runs/vanilla-fashion_mnist/generator \
        --metrics=is,fid,kid --num_samples=10000 --output=evaluation.json

``--model`` is one of

* a ``.keras`` file of a ganzoo GAN (or of a bare generator);
* a generator SavedModel directory (`ganzoo.export`): its ``serving_default``
  signature maps ``z`` float32 (None, latent_dim) to ``{"images"}`` in
  [-1, 1]; latent_dim is read from the signature;
* a name from the model zoo (``ganzoo.zoo.list_models()``) or a zoo model
  directory (its card is verified by ``ganzoo.zoo.load``).

The classifier defaults to the shipped Fashion-MNIST one for 28×28×1 images
and to TF-GAN's Inception otherwise (`ganzoo.metrics.default_classifier`).
FID and KID compare with ``--real_samples`` images of ``--real_dataset``
(default: Fashion-MNIST for 28×28×1 images). Generators of 2-D points are
scored with the PacGAN protocol (`ganzoo.callbacks.mixture_coverage`: modes
covered, % high-quality samples, reverse KL) on the mixture named by
``--real_dataset``:

    python -m ganzoo.evaluate --model=grid25_vanilla --metrics=modes \
        --real_dataset=grid25 --num_samples=2500

The scores are printed and written as JSON.
"""

import json
import os
import sys
import time

from absl import app, flags

FLAGS = flags.FLAGS
IMAGE_METRICS = ("is", "fid", "kid")
METRICS = (*IMAGE_METRICS, "modes")


def define_flags():
    """The command-line flags, defined only when run as a script so that
    importing this module never clashes with `ganzoo.train`'s flags."""
    flags.DEFINE_string("model", None, "Zoo name, .keras file or generator SavedModel directory.")
    flags.DEFINE_list("metrics", None, "Any of is, fid, kid for images; modes for 2-D mixture points "
                      "(default: is,fid,kid for images, modes for points).")
    flags.DEFINE_string("classifier", None, "Hub URL, SavedModel dir or 'fashion_mnist' (default: by image shape).")
    flags.DEFINE_integer("num_samples", 10_000, "Generated images to score.")
    flags.DEFINE_string("real_dataset", None, "Dataset for FID/KID (default: fashion_mnist for 28x28x1), or the "
                        "mixture of --metrics=modes (ring8, grid25).")
    flags.DEFINE_string("real_split", "train", "Split of --real_dataset.")
    flags.DEFINE_integer("real_samples", None, "Real images for FID/KID (default: --num_samples).")
    flags.DEFINE_integer("splits", 10, "Inception Score splits.")
    flags.DEFINE_integer("seed", 0, "Seed of the sampled z.")
    flags.DEFINE_integer("batch_size", 250, "Images per generator and classifier call.")
    flags.DEFINE_string("output", "evaluation.json", "JSON file to write ('' for none); never a training run's file.")
    flags.mark_flag_as_required("model")


# ----------------------------------------------------------------- generators
def load_sampler(model):
    """``sample(num, seed) → float32 numpy images in [-1, 1]`` for a ``.keras``
    file, a generator SavedModel directory or a zoo name."""
    if model.endswith(".keras"):
        if not os.path.isfile(model):
            raise FileNotFoundError(f"No .keras file {model!r}")
        return _keras_sampler(model)
    if os.path.isdir(model):
        if os.path.exists(os.path.join(model, "generator", "saved_model.pb")):
            return _zoo_sampler(model)  # a zoo model directory: card + generator/
        if not os.path.exists(os.path.join(model, "saved_model.pb")):
            raise ValueError(
                f"{model!r} is a directory but neither a SavedModel (no saved_model.pb) nor a "
                f"zoo model directory (no generator/saved_model.pb)"
            )
        return _saved_model_sampler(model)
    return _zoo_sampler(model)


def _keras_sampler(path):
    import tensorflow as tf

    import ganzoo  # noqa: F401  (registers the GAN classes for deserialization)

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
    import numpy as np
    import tensorflow as tf
    import tensorflow_hub as hub

    from ganzoo import saving

    loaded = saving.load_saved_model(path, loader=hub.load)
    signatures = getattr(loaded, "signatures", {})
    if "serving_default" not in signatures:
        raise ValueError(f"The SavedModel {path!r} has no serving_default signature; got {sorted(signatures)}")
    signature = signatures["serving_default"]
    _, inputs = signature.structured_input_signature
    if set(inputs) != {"z"}:
        raise ValueError(
            f"The serving_default signature of {path!r} takes {sorted(inputs)}; expected a "
            f"generator taking 'z' (see ganzoo.export)"
        )
    latent_dim = inputs["z"].shape[-1]

    @tf.function(input_signature=[tf.TensorSpec((None, latent_dim), tf.float32)])
    def generate(z):
        outputs = signature(z=z)
        if "images" not in outputs:
            raise ValueError(f"The generator {path!r} returns {sorted(outputs)}, not 'images'")
        return tf.cast(outputs["images"], tf.float32)

    def sample(num, seed):
        z = tf.random.stateless_normal((num, latent_dim), seed=[seed, 0])
        return np.concatenate([generate(z[i : i + batch_size]).numpy() for i in range(0, num, batch_size)])

    sample.loaded = loaded
    return sample


def _zoo_sampler(name):
    try:
        from ganzoo import zoo
    except ImportError as error:
        raise ValueError(
            f"--model={name!r} is neither a .keras file nor a SavedModel directory, and the "
            f"model zoo (ganzoo.zoo) is not available to look it up: {error}"
        ) from error
    if not (hasattr(zoo, "list_models") and hasattr(zoo, "load")):
        raise ValueError(
            f"--model={name!r} is neither a .keras file nor a SavedModel directory, and "
            f"ganzoo.zoo has no list_models()/load(name) to look it up"
        )
    available = sorted(zoo.list_models())
    if name not in available and not os.path.isdir(name):
        raise ValueError(f"Unknown model {name!r}; available: {available}, a .keras file or a SavedModel directory")
    return zoo.load(name).sample


# ----------------------------------------------------------------- scoring
def evaluate(
    model,
    metrics=None,
    classifier=None,
    num_samples=10_000,
    real_dataset=None,
    real_split="train",
    real_samples=None,
    splits=10,
    seed=0,
    batch_size=250,
):
    """Samples ``num_samples`` images of ``model`` and scores them.

    Returns:
        A JSON-ready dict: the settings, and ``inception_score``,
        ``inception_score_std``, ``fid``, ``kid``, ``kid_std`` as asked; for
        ``modes``, ``modes``, ``high_quality`` and ``reverse_kl``.
    """
    from ganzoo import metrics as metrics_lib

    if metrics is not None:
        metrics = [m.strip().lower() for m in metrics]
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown or not metrics:
            raise ValueError(f"Unknown metrics {unknown or metrics!r}; choose from {list(METRICS)}")
    start = time.time()
    sample = load_sampler(model)
    # One sample tells images from points: a metric that does not apply is
    # refused before the long sampling, not after it.
    image_shape = tuple(sample(1, int(seed)).shape[1:])
    if len(image_shape) == 1:
        _check_point_metrics(image_shape, model, metrics, real_dataset)
        points = sample(int(num_samples), int(seed))
        return _evaluate_points(points, model, real_dataset, num_samples, seed, start)
    metrics = list(IMAGE_METRICS) if metrics is None else metrics
    if "modes" in metrics:
        raise ValueError(f"--metrics=modes scores 2-D mixture points; {model!r} makes images of shape {image_shape}")
    images = sample(int(num_samples), int(seed))
    handle = classifier if classifier else metrics_lib.default_classifier(image_shape)
    loaded = metrics_lib.load_classifier(handle)
    needs_features = bool({"fid", "kid"} & set(metrics))
    outputs = ("logits", "pool_3") if needs_features else ("logits",)
    fake = metrics_lib.classify(images, loaded, batch_size, outputs=outputs)
    result = {
        "model": model,
        "classifier": handle if isinstance(handle, str) else repr(handle),
        "num_samples": int(num_samples),
        "seed": int(seed),
    }
    if "is" in metrics:
        mean, std = metrics_lib.inception_score_from_logits(fake["logits"], splits)
        result.update(inception_score=mean, inception_score_std=std, splits=int(splits))
    if needs_features:
        real = _real_features(image_shape, real_dataset, real_split, real_samples or num_samples, loaded, batch_size)
        result.update(real_dataset=real["name"], real_split=real_split, real_samples=len(real["features"]))
        if "fid" in metrics:
            result["fid"] = metrics_lib.frechet_distance_from_features(real["features"], fake["pool_3"])
        if "kid" in metrics:
            mean, std = metrics_lib.kernel_distance_from_features(real["features"], fake["pool_3"], seed=seed)
            result.update(kid=mean, kid_std=std)
    result["wall_time_s"] = round(time.time() - start, 2)
    return result


def _check_point_metrics(point_shape, model, metrics, mixture):
    from ganzoo.data import MIXTURES

    if metrics not in (None, ["modes"]):
        raise ValueError(f"{model!r} makes points of shape {point_shape}: only --metrics=modes applies; got {metrics}")
    if mixture not in MIXTURES:
        raise ValueError(
            f"--metrics=modes needs --real_dataset, the mixture: one of {sorted(MIXTURES)}; got {mixture!r}"
        )


def _evaluate_points(points, model, mixture, num_samples, seed, start):
    """PacGAN mode coverage of generated 2-D points on ``mixture``."""
    from ganzoo.callbacks.mode_coverage import mixture_coverage

    scores = mixture_coverage(points, mixture)
    return {
        "model": model, "real_dataset": mixture, "num_samples": int(num_samples), "seed": int(seed),
        "modes": int(scores["modes"]), "high_quality": float(scores["high_quality"]),
        "reverse_kl": float(scores["reverse_kl"]), "wall_time_s": round(time.time() - start, 2),
    }


def _real_features(image_shape, name, split, num, classifier, batch_size):
    from ganzoo import data
    from ganzoo.metrics import classify

    if name is None:
        if image_shape != (28, 28, 1):
            raise ValueError(
                f"FID/KID need real images: pass --real_dataset for images of shape {image_shape} "
                f"(only 28x28x1 defaults to fashion_mnist)"
            )
        name = "fashion_mnist"
    size = image_shape[0] if image_shape[:2] != (28, 28) else None
    dataset = data.load(name, split=split, batch_size=batch_size, shuffle=False, image_size=size)
    features = classify(dataset, classifier, batch_size, max_images=num, outputs=("pool_3",))["pool_3"]
    return {"name": name, "features": features}


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from ganzoo import command_checks

    command_checks.check_evaluate_flags(FLAGS)  # before any model or data is loaded
    result = evaluate(
        FLAGS.model,
        FLAGS.metrics,
        FLAGS.classifier,
        FLAGS.num_samples,
        FLAGS.real_dataset,
        FLAGS.real_split,
        FLAGS.real_samples,
        FLAGS.splits,
        FLAGS.seed,
        FLAGS.batch_size,
    )
    result["command"] = " ".join(["python -m ganzoo.evaluate"] + sys.argv[1:])
    text = json.dumps(result, indent=2)
    print(text)
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    from ganzoo import cli

    define_flags()
    cli.run(main, expected=(cli.FlagError,))
