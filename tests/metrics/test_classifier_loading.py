"""One loader for every classifier handle: a hub URL via hub.load, a local
SavedModel without tensorflow_hub, keras, callables, and a clear offline error
for hub URLs."""

import os
import subprocess
import sys
import tarfile
import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub

from ganzoo import metrics
from ganzoo.metrics import classifier as classifier_lib
from helpers import loopback_server, random_images, tiny_classifier

NUM_CLASSES, FEATURE_DIM = 10, 6


def save_tiny_saved_model(path):
    """A plain-TF classifier: images (N, 28, 28, 1) → {"logits", "pool_3"}.
    Returns a numpy function computing the same outputs."""
    rng = np.random.default_rng(0)
    w_features = rng.normal(scale=0.05, size=(784, FEATURE_DIM)).astype(np.float32)
    w_logits = rng.normal(size=(FEATURE_DIM, NUM_CLASSES)).astype(np.float32)

    class Tiny(tf.Module):
        def __init__(self):
            super().__init__()
            self.w_features = tf.Variable(w_features)
            self.w_logits = tf.Variable(w_logits)

        @tf.function(input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32, name="images")])
        def __call__(self, images):
            features = tf.tanh(tf.reshape(images, (-1, 784)) @ self.w_features)
            return {"logits": features @ self.w_logits, "pool_3": features}

    module = Tiny()
    tf.saved_model.save(module, path, signatures={"serving_default": module.__call__})

    def numpy_outputs(images):
        features = np.tanh(images.reshape(-1, 784).astype(np.float64) @ w_features)
        return {"logits": features @ w_logits, "pool_3": features}

    return numpy_outputs


def test_a_local_saved_model_scores_without_tensorflow_hub(tmp_path, monkeypatch):
    path = str(tmp_path / "classifier")
    numpy_outputs = save_tiny_saved_model(path)

    def refuse(*args, **kwargs):
        raise AssertionError("a local directory must not need tensorflow_hub")

    monkeypatch.setattr(hub, "load", refuse)
    classifier = metrics.load_classifier(path)
    assert classifier.input_shape == (28, 28, 1)  # read from the signature
    real, fake = random_images(40, seed=1), random_images(40, seed=2) * 0.5
    expected_real, expected_fake = numpy_outputs(real), numpy_outputs(fake)

    is_mean, is_std = metrics.inception_score(fake, classifier=path, splits=4)
    ref = metrics.inception_score_from_logits(expected_fake["logits"], splits=4)
    np.testing.assert_allclose((is_mean, is_std), ref, rtol=1e-5)
    fid = metrics.frechet_distance(real, fake, classifier=path)
    ref_fid = metrics.frechet_distance_from_features(expected_real["pool_3"], expected_fake["pool_3"])
    assert fid == pytest.approx(ref_fid, rel=1e-4) and fid > 0
    kid = metrics.kernel_distance(real, fake, classifier=path, num_subsets=3, subset_size=20)
    ref_kid = metrics.kernel_distance_from_features(
        expected_real["pool_3"], expected_fake["pool_3"], num_subsets=3, subset_size=20
    )
    np.testing.assert_allclose(kid, ref_kid, rtol=1e-3, atol=1e-7)


def test_a_hub_url_downloads_through_hub_load_from_a_loopback_server(tmp_path, monkeypatch):
    module = str(tmp_path / "module")
    numpy_outputs = save_tiny_saved_model(module)
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "tiny.tar.gz", "w:gz") as archive:
        archive.add(module, arcname=".")
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "hub_cache"))
    calls = []
    real_load = hub.load
    monkeypatch.setattr(hub, "load", lambda handle, *a, **k: calls.append(handle) or real_load(handle, *a, **k))
    with loopback_server(served) as (base, requests):
        classifier = metrics.load_classifier(f"{base}/tiny.tar.gz")
    assert calls == [f"{base}/tiny.tar.gz"] and [r.split("?")[0] for r in requests] == ["/tiny.tar.gz"]
    images = random_images(8, seed=3)
    expected = numpy_outputs(images)["logits"]
    np.testing.assert_allclose(classifier(images)["logits"].numpy(), expected, rtol=1e-4, atol=1e-5)


def test_the_shipped_classifier_loads_where_setuptools_has_no_pkg_resources():
    # setuptools >= 81 has no pkg_resources, which tensorflow_hub imports; pip
    # installs such a setuptools beside ganzoo when another package asks for it.
    code = (
        "import sys; sys.modules['pkg_resources'] = None\n"
        "import numpy as np\n"
        "from ganzoo import metrics\n"
        "outputs = metrics.classify(np.zeros((3, 28, 28, 1), np.float32), 'fashion_mnist')\n"
        "print(outputs['logits'].shape, 'tensorflow_hub' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[-2] == "(3, 10) False"


def test_signature_only_saved_model_is_called_through_its_signature(tmp_path):
    # A SavedModel that is not callable, like TF1 hub modules: only signatures.
    class SignatureOnly(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((None, 8, 8, 3), tf.float32, name="x")])
        def serve(self, x):
            pooled = tf.reduce_mean(x, axis=[1, 2])  # (N, 3)
            return {"logits": pooled * 5.0, "pool_3": tf.reshape(pooled, (-1, 1, 1, 3))}

    module = SignatureOnly()
    path = str(tmp_path / "signature_only")
    tf.saved_model.save(module, path, signatures={"serving_default": module.serve})
    classifier = metrics.load_classifier(path)
    assert classifier.input_shape == (8, 8, 3)
    images = random_images(6, (28, 28, 1))  # grayscale 28×28 → RGB 8×8
    outputs = classifier(images)
    assert outputs["logits"].shape == (6, 3) and outputs["pool_3"].shape == (6, 3)  # flattened
    expected = tf.reduce_mean(tf.image.resize(tf.repeat(images, 3, axis=-1), (8, 8)), axis=[1, 2]).numpy()
    np.testing.assert_allclose(outputs["pool_3"].numpy(), expected, atol=1e-6)


def test_unreachable_hub_handle_fails_fast_and_names_the_alternatives(monkeypatch, tmp_path):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "empty_cache"))
    # 10.255.255.1 is unroutable: a connection attempt hangs until the probe's timeout.
    handle = "https://10.255.255.1/tensorflow/tfgan/eval/inception/1"
    start = time.monotonic()
    with pytest.raises(metrics.ClassifierUnavailableError) as error:
        metrics.inception_score(random_images(10), classifier=handle)
    assert time.monotonic() - start <= 30
    message = str(error.value)
    assert "10.255.255.1" in message
    for alternative in ("local SavedModel directory", "TFHUB_CACHE_DIR", str(tmp_path / "empty_cache"),
                        "'fashion_mnist'", "saved_models/fashion_mnist_classifier"):
        assert alternative in message


def test_missing_local_path_is_a_clear_error(tmp_path):
    with pytest.raises(metrics.ClassifierUnavailableError, match="neither an http.s. URL nor a SavedModel"):
        metrics.load_classifier(str(tmp_path / "nowhere"))


def test_reachable_probe_sees_a_listening_socket():
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        port = server.getsockname()[1]
        assert classifier_lib.reachable("127.0.0.1", port, timeout=2)
    finally:
        server.close()
    assert not classifier_lib.reachable("127.0.0.1", port, timeout=2)


def test_keras_model_and_callables_are_normalised():
    model = tiny_classifier(feature_dim=5)
    images = random_images(7)
    from_keras = metrics.load_classifier(model)
    assert from_keras.input_shape == (28, 28, 1)
    outputs = from_keras(images)
    assert outputs["logits"].shape == (7, 10) and outputs["pool_3"].shape == (7, 5)

    def pair(x):
        return model(x)["logits"], model(x)["pool_3"]

    np.testing.assert_allclose(metrics.load_classifier(pair)(images)["pool_3"], outputs["pool_3"], atol=1e-6)
    logits_only = metrics.load_classifier(lambda x: model(x)["logits"])
    assert sorted(logits_only(images)) == ["logits"]
    with pytest.raises(ValueError, match="not 'pool_3'"):
        metrics.frechet_distance(images, images, classifier=logits_only)
    with pytest.raises(ValueError, match="without 'logits'.*keys: \\['features'\\]"):
        metrics.load_classifier(lambda x: {"features": x})(images)
    with pytest.raises(TypeError, match="got int"):
        metrics.load_classifier(3)


def test_default_handle_and_shipped_classifier_constants():
    assert metrics.DEFAULT_HANDLE == "https://tfhub.dev/tensorflow/tfgan/eval/inception/1"
    assert classifier_lib.INCEPTION_INPUT_SHAPE == (299, 299, 3)
    assert metrics.default_classifier((28, 28, 1)) == "fashion_mnist"
    assert metrics.default_classifier((32, 32, 3)) == metrics.DEFAULT_HANDLE
    assert metrics.SHIPPED_CLASSIFIER.endswith(os.path.join("saved_models", "fashion_mnist_classifier"))


def test_resizing_to_inception_input():
    seen = []
    classifier = metrics.Classifier(lambda x: seen.append(tuple(x.shape[1:])) or tf.reduce_mean(x, [1, 2]),
                                    input_shape=(299, 299, 3))
    classifier(random_images(2))
    assert seen == [(299, 299, 3)]
    with pytest.raises(ValueError, match="expects 1-channel images; got 3"):
        metrics.Classifier(lambda x: x, input_shape=(28, 28, 1))(random_images(2, (28, 28, 3)))
