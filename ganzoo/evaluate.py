r"""Score a trained generator: ``python -m ganzoo.evaluate``.

    python -m ganzoo.evaluate --model=fashion_mnist_vanilla
    python -m ganzoo.evaluate --model=runs/vanilla-fashion_mnist/model.keras
    python -m ganzoo.evaluate --model_dir=runs/vanilla-fashion_mnist/generator --trust \
        --metrics=is,fid,kid --num_samples=10000 --output=metrics.json

The generator is named as in ``python -m ganzoo.sample`` (one loader,
`ganzoo.sample.load_sampler`): ``--model`` is

* a name from the model zoo (``ganzoo.zoo.list_models()``), verified against
  the registry inside ganzoo; never looked up as a path;
* an http(s) URL of a model archive, with its ``--sha256``;
* a ``.keras`` file of a ganzoo GAN (or of a bare generator), loaded in safe mode;

and ``--model_dir`` a zoo model directory, a ``.tar.gz`` archive of one, or a
generator SavedModel directory (`ganzoo.export`: its ``serving_default``
signature maps ``z`` float32 (None, latent_dim) to ``{"images"}`` in [-1, 1]),
which loads only with ``--trust`` (or an archive's ``--sha256``).

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

# The one loader of generators, shared with python -m ganzoo.sample.
from ganzoo.sample import load_sampler

FLAGS = flags.FLAGS
IMAGE_METRICS = ("is", "fid", "kid")
METRICS = (*IMAGE_METRICS, "modes")


def define_flags():
    """The command-line flags, defined only when run as a script so that
    importing this module never clashes with `ganzoo.train`'s flags."""
    flags.DEFINE_string("model", None, "Zoo name, http(s) URL of a model archive (with --sha256) or .keras file.")
    flags.DEFINE_string("model_dir", None, "Model directory, generator SavedModel or .tar.gz model archive.")
    flags.DEFINE_bool("trust", False, "Load a --model_dir outside ganzoo's registry, checked only against its card.")
    flags.DEFINE_string("sha256", None, "Pinned sha256 of the model archive (--model URL or --model_dir archive).")
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
    flags.DEFINE_string("output", "metrics.json", "JSON file to write ('' for none).")


# ----------------------------------------------------------------- scoring
def evaluate(
    model=None,
    metrics=None,
    classifier=None,
    num_samples=10_000,
    real_dataset=None,
    real_split="train",
    real_samples=None,
    splits=10,
    seed=0,
    batch_size=250,
    *,
    model_dir=None,
    trust=False,
    sha256=None,
):
    """Samples ``num_samples`` images of ``model`` and scores them.

    ``model``, ``model_dir``, ``trust`` and ``sha256`` name the generator as
    in `ganzoo.sample.load_sampler`.

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
    sample = load_sampler(model, model_dir=model_dir, trust=trust, sha256=sha256)
    model = model if model is not None else os.fspath(model_dir)
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
    if (FLAGS.model is None) == (FLAGS.model_dir is None):
        raise app.UsageError("Pass one of --model (a zoo name, URL or .keras file) and --model_dir")
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
        model_dir=FLAGS.model_dir,
        trust=FLAGS.trust,
        sha256=FLAGS.sha256,
    )
    result["command"] = " ".join(["python -m ganzoo.evaluate"] + sys.argv[1:])
    text = json.dumps(result, indent=2)
    print(text)
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    define_flags()
    app.run(main)
