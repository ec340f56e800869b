r"""Pretrained GANs: ``ganzoo.zoo.load("fashion_mnist_vanilla").sample(16)``.

The zoo ships inside the package (``ganzoo/saved_models`` in a wheel, the
repository's ``saved_models/`` in a clone). Each model directory holds a
generator SavedModel (``generator/``, see `ganzoo.export`), ``model_card.json``
(how it was made, its scores) and ``samples.png``; a model published with its
discriminator also holds ``gan.keras`` (`load_gan`).

Trust (``README.md``, "The trust model"):

* A zoo name is looked up in the registry inside the package
  (`ganzoo.registry`), which pins every file's sha256 and size, then in a user
  registry of remote archives (`ganzoo.remote`). Never in the current
  directory: a path is passed as ``path=``.
* A directory outside the registry loads only with ``trust=True`` (its own
  card is then checked, which proves integrity, not origin); an archive (a
  ``.tar.gz`` path or an http(s) URL) loads with its ``sha256=`` pinned.
* Before anything is read the directory is scanned (`ganzoo.trust`): symlinks,
  FIFOs and devices are refused, and a file larger than its pin is not read.

``$GANZOO_ZOO_DIR`` replaces the shipped zoo by a directory of your own (e.g.
to publish into): setting it is your ``trust=True`` for the models in it.

``python -m ganzoo.zoo`` prints the table of the zoo (`ganzoo.zoo.__main__`).
"""

import contextlib
import dataclasses
import os

import numpy as np

from ganzoo import cards, registry, remote, trust

ENV_VAR = "GANZOO_ZOO_DIR"
GAN_FILE = "gan.keras"


def zoo_dir():
    """The directory of the zoo's models: ``$GANZOO_ZOO_DIR`` or the shipped one."""
    return os.environ.get(ENV_VAR) or registry.shipped_root()


def _own_zoo_models():
    root = os.environ[ENV_VAR]
    if not os.path.isdir(root):
        return []
    return sorted(
        name for name in os.listdir(root)
        if os.path.isfile(os.path.join(root, name, cards.CARD_NAME))
        and os.path.isdir(os.path.join(root, name, "generator"))
    )


def list_models(registry_file=None):
    """Names of the zoo's generators: shipped (or in ``$GANZOO_ZOO_DIR``),
    then those of a user registry (``registry_file`` or ``$GANZOO_REGISTRY``)."""
    local = _own_zoo_models() if os.environ.get(ENV_VAR) else registry.names("generator")
    return local + sorted(set(remote.user_registry(registry_file)) - set(local))


def resolve(name):
    """The directory of the local zoo model ``name`` (never a path in the
    current directory)."""
    if os.environ.get(ENV_VAR):
        if name not in _own_zoo_models():
            raise ValueError(f"Unknown zoo model {name!r}; available: {_own_zoo_models()} (in ${ENV_VAR})")
        return os.path.join(os.environ[ENV_VAR], name)
    if name not in registry.names("generator"):
        raise ValueError(_unknown(name))
    return registry.shipped_dir(name)


def _unknown(name, registry_file=None):
    message = f"Unknown zoo model {name!r}; available: {list_models(registry_file)}."
    if isinstance(name, str) and os.path.isdir(name):
        message += (
            f" {name!r} is also a directory here: names are never looked up as paths; load it with "
            f"path={name!r}, trust=True if you trust it."
        )
    return message


@contextlib.contextmanager
def open_model(name=None, *, path=None, sha256=None, trust=False, registry_file=None):
    """Verifies a model and yields ``(directory, card)``; see `load` for the
    arguments. A remote or archived model is extracted to a temporary
    directory that is removed on exit."""
    if (name is None) == (path is None):
        raise ValueError(f"Pass a zoo name or path=, not both or neither; got name={name!r}, path={path!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"A zoo name is a str; got {type(name).__name__}. Pass a directory as path=")
    if path is not None:
        path = os.fspath(path)
        if remote.is_archive(path):
            if not trust:
                remote.check_sha256(sha256, f"The archive {path!r}")
            with remote.extracted(path, sha256 or trust_sha256(path)) as directory:
                yield directory, cards.verify(directory)
            return
        if sha256 is not None:
            raise ValueError(
                f"sha256= pins an archive; {path!r} is a directory. Archive it (python -m ganzoo.publish "
                f"--archive) or pass trust=True"
            )
        if not trust:
            raise trust_error(path)
        yield path, cards.verify(path)
        return
    if remote.is_url(name):
        with remote.extracted(remote.download(name, sha256), sha256) as directory:
            yield directory, cards.verify(directory)
        return
    if os.environ.get(ENV_VAR) and name in _own_zoo_models():
        directory = resolve(name)
        yield directory, cards.verify(directory)
        return
    if not os.environ.get(ENV_VAR) and name in registry.names("generator"):
        yield registry.shipped_dir(name), registry.verify_shipped(name)
        return
    entry = remote.user_registry(registry_file).get(name)
    if entry is None:
        raise ValueError(_unknown(name, registry_file))
    with remote.extracted(remote.download(entry["origin"], entry["sha256"]), entry["sha256"]) as directory:
        yield directory, cards.verify(directory)


def trust_sha256(path):
    """The sha256 of a file the user trusts (``trust=True`` without a pin)."""
    return trust.sha256(path)


def trust_error(path):
    return trust.IntegrityError(
        f"{path!r} is not in the registry inside ganzoo, so nothing vouches for it (its model card is written "
        f"by whoever wrote the files). Load it with trust=True (CLIs: --trust) if you trust its origin, or "
        f"archive it and pin the archive: load(path='model.tar.gz', sha256=...)."
    )


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


def load(name=None, *, path=None, sha256=None, trust=False, registry_file=None):
    """Verifies, then loads a pretrained generator.

    Args:
        name: a zoo name (`list_models`), a name of the user registry, or an
            http(s) URL of a model archive (with ``sha256``). Never a path.
        path: a model directory or a ``.tar.gz`` archive of one.
        sha256: the pinned sha256 of the archive (URL or ``path``).
        trust: load a directory outside the registry, checked only against its
            own card.
        registry_file: a user registry (dict or JSON file) of remote models;
            default ``$GANZOO_REGISTRY``.

    Raises:
        IntegrityError: an unsafe file, or one that differs from its pins.
        ValueError: an unknown name, or a path without trust or a pin.

    Example:
        >>> model = ganzoo.zoo.load("fashion_mnist_vanilla")
        >>> model.sample(16, seed=0).shape
        (16, 28, 28, 1)
    """
    from ganzoo import saving

    with open_model(name, path=path, sha256=sha256, trust=trust, registry_file=registry_file) as (directory, card):
        saved_model = saving.load_saved_model(os.path.join(directory, "generator"))
    label = name if name is not None else os.path.basename(os.path.normpath(os.fspath(path)))
    return ZooModel(name=label, card=card, saved_model=saved_model)


def load_gan(name=None, *, path=None, sha256=None, trust=False, registry_file=None):
    """The zoo model's whole GAN (generator, discriminator, config), ready to
    ``compile`` and ``fit`` on new data, as keras-hub's ``from_preset``.

    Takes the arguments of `load`. The model directory must hold ``gan.keras``
    (weights and config, no optimizer state), which ``python -m
    ganzoo.publish`` writes.

    Example:
        >>> gan = ganzoo.zoo.load_gan("my_model")
        >>> gan.compile()
        >>> gan.fit(images, epochs=1)
    """
    from ganzoo import saving

    with open_model(name, path=path, sha256=sha256, trust=trust, registry_file=registry_file) as (directory, card):
        gan_path = os.path.join(directory, GAN_FILE)
        if not os.path.isfile(gan_path):
            raise ValueError(
                f"{name or path!r} ships only its generator, not {GAN_FILE} (the discriminator and config) that "
                f"load_gan needs; zoo models that have it: {gan_models()}"
            )
        return saving.load_keras(gan_path, compile=False)


def gan_models():
    """Shipped zoo models that `load_gan` can load."""
    return [n for n in registry.names("generator") if f"{GAN_FILE}" in registry.load_registry()[n]["files"]]
