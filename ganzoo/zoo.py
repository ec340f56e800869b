"""Pretrained generators: ``ganzoo.zoo.load("fashion_mnist_dcgan").sample(16)``.

Each model lives in ``saved_models/<name>/``: a generator SavedModel
(``generator/``, see `ganzoo.export`), ``model_card.json`` (how it was made,
its scores, the sha256 of every file) and ``samples.png``. Every file is
verified against the card before TensorFlow loads anything.

The zoo directory is ``$GANZOO_ZOO_DIR`` if set, else the repository's
``saved_models/``.
"""

import dataclasses
import os

import numpy as np

from ganzoo import cards

ENV_VAR = "GANZOO_ZOO_DIR"


def zoo_dir():
    default = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "saved_models")
    return os.environ.get(ENV_VAR, default)


def list_models():
    """Names of the pretrained generators in the zoo directory."""
    root = zoo_dir()
    if not os.path.isdir(root):
        return []
    names = []
    for name in sorted(os.listdir(root)):
        card_path = os.path.join(root, name, cards.CARD_NAME)
        if os.path.exists(card_path) and os.path.isdir(os.path.join(root, name, "generator")):
            names.append(name)
    return names


@dataclasses.dataclass
class ZooModel:
    """A loaded pretrained generator.

    Attributes:
        name: the zoo name (or the directory for a path).
        card: the model card as a dict.
        saved_model: the raw `tf.saved_model.load` object (signatures
            "serving_default", "uint8", "sample").
    """

    name: str
    card: dict
    saved_model: object

    @property
    def latent_dim(self):
        return int(self.card["latent_dim"])

    def sample(self, num, seed=0):
        """``num`` images (float32 numpy in [-1, 1]); same seed, same images."""
        if not isinstance(num, (int, np.integer)) or num < 1:
            raise ValueError(f"num must be a positive integer; got {num!r}")
        return self.saved_model.sample(num=int(num), seed=int(seed))["images"].numpy()

    def generate(self, z):
        """Images for the latent codes ``z`` of shape (num, latent_dim)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (num, {self.latent_dim}); got {z.shape}")
        return self.saved_model.serving_default(z)["images"].numpy()


def resolve(name_or_path):
    """The directory of a zoo name or a path to a model directory."""
    if os.path.isdir(name_or_path):
        return name_or_path
    available = list_models()
    if name_or_path not in available:
        raise ValueError(f"Unknown zoo model {name_or_path!r}; available: {available}")
    return os.path.join(zoo_dir(), name_or_path)


def load(name_or_path):
    """Verifies and loads a pretrained generator by zoo name or directory."""
    directory = resolve(name_or_path)
    card = cards.verify(directory)
    import tensorflow as tf

    saved_model = tf.saved_model.load(os.path.join(directory, "generator"))
    return ZooModel(name=os.path.basename(os.path.normpath(directory)), card=card, saved_model=saved_model)
