"""python -m ganzoo.evaluate on .keras files, generator SavedModels and zoo names."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ganzoo
from ganzoo import evaluate, export, metrics
from ganzoo.classifiers import fashion_mnist
from helpers import LATENT_DIM, random_images, tiny_classifier, tiny_networks


@pytest.fixture(scope="module")
def gan():
    generator, discriminator = tiny_networks()
    return ganzoo.VanillaGAN(generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, seed=0)


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("classifier") / "tiny")
    fashion_mnist.export(tiny_classifier(), path)
    return path


@pytest.fixture(scope="module")
def generator_dir(gan, tmp_path_factory):
    return export.export_generator(gan, str(tmp_path_factory.mktemp("export") / "generator"))


def test_keras_file_scores_match_the_metrics(gan, classifier_dir, tmp_path):
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    expected = metrics.inception_score(gan.generate(30, seed=0), classifier=classifier_dir, splits=3)
    result = evaluate.evaluate(path, ["is"], classifier_dir, num_samples=30, splits=3)
    assert (result["inception_score"], result["inception_score_std"]) == pytest.approx(expected, rel=1e-5)
    assert "fid" not in result and result["num_samples"] == 30


def test_fid_and_kid_against_fashion_mnist_by_default(generator_dir, classifier_dir):
    result = evaluate.evaluate(None, ["fid", "kid"], classifier_dir, num_samples=40, model_dir=generator_dir, trust=True)
    assert result["real_dataset"] == "fashion_mnist" and result["real_samples"] == 40
    assert result["fid"] > 0 and np.isfinite(result["kid"])
    assert "inception_score" not in result


def test_generator_saved_model_samples_like_generate(gan, generator_dir):
    sample = evaluate.load_sampler(model_dir=generator_dir, trust=True)
    np.testing.assert_allclose(sample(10, 3), gan.generate(10, seed=3), atol=1e-5)


def test_zoo_names(generator_dir, tmp_path, monkeypatch):
    from ganzoo import sample, zoo

    assert evaluate.load_sampler is sample.load_sampler  # one loader for both CLIs
    np.testing.assert_allclose(evaluate.load_sampler("grid25_vanilla")(4, 1), zoo.load("grid25_vanilla").sample(4, 1))
    with pytest.raises(ValueError, match=r"Unknown zoo model 'nope'; available: \[.*'grid25_vanilla'"):
        evaluate.load_sampler("nope")
    monkeypatch.chdir(os.path.dirname(generator_dir))
    with pytest.raises(ValueError, match=r"never looked up as paths.*--model_dir=generator --trust"):
        evaluate.load_sampler("generator")


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="No .keras file"):
        evaluate.load_sampler(str(tmp_path / "missing.keras"))
    with pytest.raises(ValueError, match="neither a SavedModel .no saved_model.pb. nor a zoo model"):
        evaluate.load_sampler(model_dir=str(tmp_path), trust=True)
    with pytest.raises(ValueError, match="Pass one of model"):
        evaluate.load_sampler()
    with pytest.raises(ValueError, match=r"Unknown metrics \['fd'\]"):
        evaluate.evaluate("whatever", ["is", "fd"])


def test_command_line_prints_and_writes_json(generator_dir, classifier_dir, tmp_path):
    output = str(tmp_path / "metrics.json")
    command = [
        sys.executable, "-m", "ganzoo.evaluate", f"--model_dir={generator_dir}", "--trust", "--metrics=is",
        f"--classifier={classifier_dir}", "--num_samples=20", "--splits=2", f"--output={output}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(output) as f:
        written = json.load(f)
    assert written["num_samples"] == 20 and 1.0 <= written["inception_score"] <= 10.0
    assert '"inception_score"' in done.stdout
    assert written["command"].startswith("python -m ganzoo.evaluate --model_dir=")
    assert written["model"] == generator_dir


def test_modes_scores_a_point_generator_with_the_pacgan_protocol(tmp_path):
    from ganzoo.callbacks import mixture_coverage
    from helpers import tiny_point_gan

    point_gan = tiny_point_gan()
    path = export.export_generator(point_gan, str(tmp_path / "points"))
    result = evaluate.evaluate(None, None, num_samples=500, real_dataset="grid25", seed=3, model_dir=path, trust=True)
    expected = mixture_coverage(point_gan.generate(500, seed=3), "grid25")
    assert result["modes"] == expected["modes"] and result["real_dataset"] == "grid25"
    assert result["high_quality"] == pytest.approx(expected["high_quality"])
    with pytest.raises(ValueError, match=r"needs --real_dataset, the mixture: one of \['grid25', 'ring8'\]; got None"):
        evaluate.evaluate(None, ["modes"], num_samples=10, model_dir=path, trust=True)
    with pytest.raises(ValueError, match=r"only --metrics=modes applies; got \['is'\]"):
        evaluate.evaluate(None, ["is"], num_samples=10, real_dataset="grid25", model_dir=path, trust=True)


def test_modes_is_refused_for_images(generator_dir):
    with pytest.raises(ValueError, match=r"--metrics=modes scores 2-D mixture points"):
        evaluate.evaluate(None, ["modes"], num_samples=4, model_dir=generator_dir, trust=True)


@pytest.mark.parametrize(
    "shape, metrics_asked, real_dataset, message",
    [
        ((2,), ["is"], "grid25", r"only --metrics=modes applies"),
        ((2,), ["modes"], None, r"needs --real_dataset"),
        ((28, 28, 1), ["modes"], None, r"--metrics=modes scores 2-D mixture points"),
    ],
)
def test_a_metric_that_does_not_apply_is_refused_before_the_sampling(
    monkeypatch, shape, metrics_asked, real_dataset, message
):
    asked = []

    def sample(num, seed):
        asked.append(num)
        return np.zeros((num, *shape), np.float32)

    monkeypatch.setattr(evaluate, "load_sampler", lambda *args, **kwargs: sample)
    with pytest.raises(ValueError, match=message):
        evaluate.evaluate("some_model", metrics_asked, num_samples=50_000, real_dataset=real_dataset)
    assert asked == [1]  # one sample to learn the shape, never the 50 000
