import gzip
import os
import time

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.data import datasets, idx

needs_fashion_mnist = pytest.mark.skipif(
    idx.find_dir() is None, reason="apt-get install dataset-fashion-mnist"
)


@needs_fashion_mnist
@pytest.mark.parametrize("split,count", [("train", 60000), ("test", 10000)])
def test_offline_fashion_mnist_matches_tfds_structure_and_counts(split, count):
    raw, n = ganzoo.data.load_raw("fashion_mnist", split)
    assert n == count
    assert raw.element_spec == {
        "image": tf.TensorSpec((28, 28, 1), tf.uint8),
        "label": tf.TensorSpec((), tf.int64),
    }
    labels = np.concatenate([b["label"].numpy() for b in raw.batch(10000)])
    assert len(labels) == count
    np.testing.assert_array_equal(np.bincount(labels), [count // 10] * 10)


@needs_fashion_mnist
def test_load_gives_float_batches_in_range():
    ds = ganzoo.data.load("fashion_mnist", split="test", batch_size=128, seed=0)
    assert ds.element_spec == tf.TensorSpec((128, 28, 28, 1), tf.float32)
    batches = list(ds)
    assert len(batches) == 10000 // 128  # drop_remainder
    images = np.concatenate(batches)
    assert images.min() == -1.0 and images.max() == 1.0
    # Fashion-MNIST is mostly black background: the mean is well below 0.
    assert -0.6 < images.mean() < -0.3


@needs_fashion_mnist
def test_load_with_labels_and_seeded_shuffle():
    a = ganzoo.data.load("fashion_mnist", "test", batch_size=64, seed=1, with_labels=True)
    b = ganzoo.data.load("fashion_mnist", "test", batch_size=64, seed=1, with_labels=True)
    (xa, ya), (xb, yb) = next(iter(a)), next(iter(b))
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(ya, yb)
    assert ya.dtype == tf.int64 and len(set(ya.numpy())) > 3  # shuffled, not sorted


@pytest.mark.parametrize(
    "name,modes,std,radius", [("ring8", 8, 0.01, 1.0), ("grid25", 25, 0.05, None)]
)
def test_mixture_statistics(name, modes, std, radius):
    mixture = ganzoo.data.MIXTURES[name]
    assert mixture.num_modes == modes and mixture.std == std
    points = mixture.sample(50_000, seed=0)
    index, distance = mixture.nearest_mode(points)
    # Every mode equally likely (each ≈ 1/modes of the samples).
    np.testing.assert_allclose(np.bincount(index, minlength=modes) / len(points), 1 / modes, atol=0.01)
    # Per-axis spread around the mode is σ.
    offsets = points - mixture.centers[index]
    np.testing.assert_allclose(offsets.std(axis=0), std, rtol=0.03)
    # Within 3σ of a mode: P(chi_2 < 9) = 1 - exp(-4.5) ≈ 0.989.
    assert abs(np.mean(distance < 3 * std) - (1 - np.exp(-4.5))) < 0.005
    if radius:
        np.testing.assert_allclose(np.linalg.norm(mixture.centers, axis=1), radius)
    else:
        assert sorted(set(mixture.centers[:, 0])) == [-4, -2, 0, 2, 4]


def test_mixture_dataset_batches():
    ds = ganzoo.data.load("grid25", batch_size=100, num_samples=1000, seed=0)
    batches = list(ds)
    assert len(batches) == 10 and batches[0].shape == (100, 2)


def test_unknown_dataset_lists_available():
    with pytest.raises(ValueError, match=r"Unknown dataset 'no_such_data'.*ring8"):
        ganzoo.data.load("no_such_data")


def test_batch_size_larger_than_dataset_is_refused():
    with pytest.raises(ValueError, match="fewer than batch_size"):
        ganzoo.data.load("ring8", batch_size=64, num_samples=10)


def test_no_network_and_no_local_data_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "DEBIAN_DIR", str(tmp_path / "missing"))
    monkeypatch.delenv(idx.ENV_VAR, raising=False)
    # The .invalid TLD never resolves (RFC 2606): what an offline machine sees.
    monkeypatch.setattr(datasets, "_TFDS_HOST", ("tfds-host.invalid", 443))
    start = time.time()
    with pytest.raises(RuntimeError, match="apt-get install dataset-fashion-mnist"):
        ganzoo.data.load("fashion_mnist", data_dir=str(tmp_path / "tfds"))
    assert time.time() - start < 15


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_directory_can_be_passed_and_truncation_is_caught(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 300), ("test", 200)):
        images_file, labels_file = idx.FILES[split]
        _write_idx(tmp_path / f"{images_file}.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{labels_file}.gz", rng.integers(0, 10, (n,)))
    raw, n = ganzoo.data.load_raw("fashion_mnist", "test", data_dir=str(tmp_path))
    assert n == 200
    images = ganzoo.data.load("fashion_mnist", "test", batch_size=50, data_dir=str(tmp_path), shuffle=False)
    first = next(iter(raw.batch(50)))["image"].numpy()
    np.testing.assert_allclose(next(iter(images)), first / 127.5 - 1.0, atol=1e-6)
    # Cut the labels file short: a clear error, not a silent short dataset.
    labels_path = tmp_path / f"{idx.FILES['test'][1]}.gz"
    with gzip.open(labels_path, "rb") as f:
        data = f.read()
    with gzip.open(labels_path, "wb") as f:
        f.write(data[:-7])
    with pytest.raises(ValueError, match="truncated"):
        ganzoo.data.load_raw("fashion_mnist", "test", data_dir=str(tmp_path))


def test_to_model_range_and_back():
    pixels = np.array([0, 127, 128, 255], np.uint8)
    floats = ganzoo.data.to_model_range(pixels).numpy()
    np.testing.assert_allclose(floats, [-1.0, 127 / 127.5 - 1, 128 / 127.5 - 1, 1.0], atol=1e-6)
    np.testing.assert_array_equal(ganzoo.data.to_uint8(floats), pixels)
    with pytest.raises(ValueError, match="uint8"):
        ganzoo.data.to_model_range(floats)
