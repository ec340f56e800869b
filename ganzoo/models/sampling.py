"""Sampling from a trained GAN: ``gan(z)``, ``gan.predict(z)`` and
``gan.generate(num, seed=...)``. None of them touches the training
SeedGenerator, so sampling between ``fit`` calls never changes training."""

import numpy as np
import tensorflow as tf

from ganzoo.models.batches import unpack_batch
from ganzoo.models.networks import takes_condition


class SamplingMixin:
    """``call`` and ``generate`` of `ganzoo.GAN` (which provides
    ``apply_generator``, ``latent_dim``, ``image_shape`` and ``seed``)."""

    def call(self, inputs, training=False):
        """G(z) or G(z, condition); given a data batch (images, ``(images,
        labels)`` or a dict), G of one z per image. That z comes from a fixed
        stateless seed: neither ``call`` nor ``predict`` advances the training
        SeedGenerator. Use `generate` for fresh samples."""
        first, condition = unpack_batch(inputs)
        if len(first.shape) == 2 and first.shape[-1] == self.latent_dim:
            return self.apply_generator(first, condition, training)
        if tuple(first.shape[1:]) != tuple(self.image_shape):
            raise ValueError(
                f"Expected z of shape (batch, {self.latent_dim}) or a data batch of shape "
                f"(batch, {', '.join(map(str, self.image_shape))}); got shape {tuple(first.shape)}"
            )
        z = tf.random.stateless_normal((tf.shape(first)[0], self.latent_dim), seed=[self.seed or 0, 1])
        return self.apply_generator(z, condition, training)

    def generate(self, num, seed=None, batch_size=256, labels=None):
        """Samples ``num`` images as a float32 numpy array in [-1, 1].

        The same ``seed`` always gives the same images (z is drawn with a
        stateless op); ``None`` gives fresh ones. ``labels``: the condition
        of each image (``num`` rows) when G takes one.
        """
        if not isinstance(num, (int, np.integer)) or num < 1:
            raise ValueError(f"num must be a positive integer; got {num!r}")
        if labels is not None:
            if not takes_condition(self.generator):
                raise ValueError(f"labels given, but the generator {self.generator.name!r} takes no condition")
            labels = np.asarray(labels)
            if labels.shape[:1] != (num,):
                raise ValueError(f"labels must have num={num} rows; got shape {labels.shape}")
            labels = tf.cast(labels, self.generator.inputs[1].dtype)
        if seed is None:
            seed = np.random.randint(2**31 - 1)
        z = tf.random.stateless_normal((int(num), self.latent_dim), seed=[int(seed), 0])
        chunks = [
            tf.cast(self.apply_generator(
                z[i : i + batch_size], None if labels is None else labels[i : i + batch_size], training=False
            ), tf.float32)
            for i in range(0, int(num), batch_size)
        ]
        return tf.concat(chunks, axis=0).numpy()

