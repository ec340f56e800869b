"""Offline Fashion-MNIST from the IDX files of Debian's `dataset-fashion-mnist`.

tfds can find these files through ``DownloadConfig(manual_dir=...)`` but
rejects them on checksum: Debian recompressed the .gz files, the contents are
the same. So ganzoo reads the IDX format itself (LeCun et al., "THE MNIST
DATABASE", file format section) and builds the element structure that
``tfds.load("fashion_mnist")`` gives: ``{"image": uint8 (28, 28, 1),
"label": int64}``, 60000 train and 10000 test examples.
"""

import gzip
import os

import numpy as np

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
ENV_VAR = "GANZOO_FASHION_MNIST_DIR"
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# IDX type code 0x08 = unsigned byte; the 4th magic byte is the rank.
_UBYTE = 0x08


def _open(path):
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            return gzip.open(candidate, "rb") if candidate.endswith(".gz") else open(candidate, "rb")
    raise FileNotFoundError(f"No IDX file {path}[.gz]")


def read_idx(path):
    """Reads an IDX file of unsigned bytes (optionally .gz) into a numpy array."""
    with _open(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != _UBYTE:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic {data[:4]!r})")
    rank = data[3]
    header = 4 + 4 * rank
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    expected = int(np.prod(shape))
    if len(data) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupted: header says shape {shape} "
            f"({expected} bytes) but holds {len(data) - header} bytes"
        )
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def find_dir(directory=None):
    """The directory holding the IDX files: ``directory``, then
    $GANZOO_FASHION_MNIST_DIR, then Debian's. None if there is none."""
    for candidate in (directory, os.environ.get(ENV_VAR), DEBIAN_DIR):
        if candidate and all(
            os.path.exists(os.path.join(candidate, f)) or os.path.exists(os.path.join(candidate, f + ".gz"))
            for f in FILES["train"] + FILES["test"]
        ):
            return candidate
    if directory:
        raise FileNotFoundError(
            f"No Fashion-MNIST IDX files in {directory!r}; expected "
            f"{sorted(f + '[.gz]' for pair in FILES.values() for f in pair)}"
        )
    return None


def load_arrays(split, directory):
    """Returns ``(images uint8 (n, 28, 28, 1), labels int64 (n,))``."""
    if split not in FILES:
        raise ValueError(f"Unknown split {split!r} for offline Fashion-MNIST; available: {sorted(FILES)}")
    image_file, label_file = FILES[split]
    images = read_idx(os.path.join(directory, image_file))
    labels = read_idx(os.path.join(directory, label_file)).astype(np.int64)
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(
            f"Inconsistent IDX files in {directory!r}: images {images.shape}, labels {labels.shape}"
        )
    return images[..., None], labels
