"""Options every GAN takes: R1/R2 penalties (with lazy regularisation),
DiffAugment, and the batch-size check of a packed discriminator.

* ``r1_gamma=γ``, ``r2_gamma=γ``: Mescheder, Geiger & Nowozin 2018, "Which
  Training Methods for GANs do actually Converge?", §4.1. D minimises its
  loss plus

      R1 = γ/2 · E_{x~p_data} ‖∇_x D(x)‖²,   R2 = γ/2 · E_{x~p_G} ‖∇_x D(x)‖²,

  logged as ``r1`` and ``r2``. The gradient is read from the base class's
  input tape (``input_tape.gradient(real_logits, real_images)``), so a
  non-lazy penalty costs a double backward pass but no extra forward pass.
  The expectation is over D's outputs: with a packed D (PacGAN) ‖∇‖² is that
  of a whole pack (the sum over its m samples). With batch norm in D the
  gradient of the summed logits includes the cross-example terms, as in
  reference code that differentiates the summed output.
* ``regularize_every=k``: lazy regularisation (Karras et al. 2020,
  "Analyzing and Improving the Image Quality of StyleGAN"): the penalties
  are evaluated on every k-th D update only (a `tf.cond` on D's optimizer's
  ``iterations``, saved with the model) and multiplied by k, so their
  expected gradient is unchanged. ganzoo departs from StyleGAN2 in one
  point: it does not rescale Adam's hyper-parameters by k/(k+1)
  (`ganzoo.regularizers.lazy_adam_hyperparameters` gives them).
* ``augment="color,translation,cutout"``: DiffAugment (Zhao et al. 2020,
  "Differentiable Augmentation for Data-Efficient GAN Training"): D only
  ever sees augmented images, real and fake, in D's and in G's steps (the
  augmentations are differentiable, so G's gradient passes through them).
  Each image gets its own draws from `GAN.draw_random` (the model's
  SeedGenerator; replica-consistent). Evaluation (``test_step``) scores
  unaugmented images. Images only (rank-3 samples).
"""

import numbers

import tensorflow as tf

from ganzoo import regularizers
from ganzoo.layers.diff_augment import diff_augment, num_uniforms, parse_policy
from ganzoo.layers.packing import Pack


class StabilizersMixin:
    """The constructor options ``r1_gamma``, ``r2_gamma``,
    ``regularize_every`` and ``augment`` (see the module docstring)."""

    def __init__(self, *args, r1_gamma=0.0, r2_gamma=0.0, regularize_every=1, augment=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, gamma in (("r1_gamma", r1_gamma), ("r2_gamma", r2_gamma)):
            if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or gamma < 0:
                raise ValueError(f"{name} must be a number ≥ 0 (0 switches it off); got {gamma!r}")
        if isinstance(regularize_every, bool) or not isinstance(regularize_every, numbers.Integral) \
                or regularize_every < 1:
            raise ValueError(f"regularize_every must be a positive integer (k of lazy regularisation); "
                             f"got {regularize_every!r}")
        self.r1_gamma, self.r2_gamma = float(r1_gamma), float(r2_gamma)
        self.regularize_every = int(regularize_every)
        self.augment = None if augment in (None, "") else ",".join(parse_policy(augment))

    def get_config(self):
        return {**super().get_config(), "r1_gamma": self.r1_gamma, "r2_gamma": self.r2_gamma,
                "regularize_every": self.regularize_every, "augment": self.augment}

    @property
    def packing(self):
        """m of the discriminator's `ganzoo.layers.Pack` layer (1 without one)."""
        packs = [layer for layer in _all_layers(self.discriminator) if isinstance(layer, Pack)]
        return packs[0].packing if packs else 1

    def stabilizer_regularizers(self, real_images, fake_images, real_logits, fake_logits, input_tape):
        """``{"r1": ..., "r2": ...}`` for the penalties switched on (γ > 0)."""
        terms = {}
        for name, gamma, images, logits in (("r1", self.r1_gamma, real_images, real_logits),
                                            ("r2", self.r2_gamma, fake_images, fake_logits)):
            if gamma and logits is not None:
                terms[name] = regularizers.lazy_regularization(
                    lambda g=gamma, x=images, y=logits: _penalty(input_tape, y, x, g),
                    self.d_optimizer.iterations, self.regularize_every,
                )
        return terms

    def prepare_for_discriminator(self, real_images, fake_images, training):
        """Checks a packed D's batches and applies DiffAugment in training."""
        if self.packing > 1:
            for images in (real_images, fake_images):
                if images is not None:
                    _check_multiple(images, self.packing)
        if not (self.augment and training):
            return real_images, fake_images
        if len(self.image_shape) != 3:
            raise ValueError(f"augment={self.augment!r} needs images (height, width, channels); "
                             f"this GAN's samples have shape {self.image_shape}")
        return tuple(None if x is None else self._augment(x) for x in (real_images, fake_images))

    def _augment(self, images):
        uniforms = self.draw_random(tf.shape(images)[0], (num_uniforms(self.augment),), "uniform")
        return diff_augment(images, self.augment, uniforms=tf.cast(uniforms, tf.float32))


def _penalty(input_tape, logits, images, gamma):
    """γ/2 · E‖∇_x D‖², the mean over D's outputs (one per pack)."""
    logits = tf.cast(logits[0] if isinstance(logits, (tuple, list)) else logits, tf.float32)
    gradients = tf.cast(input_tape.gradient(logits, images), tf.float32)
    total = tf.reduce_sum(tf.square(gradients))
    return 0.5 * gamma * total / tf.cast(tf.shape(logits)[0], tf.float32)


def _check_multiple(images, packing):
    batch = images.shape[0]
    if batch is not None:
        if batch % packing:
            raise ValueError(f"The discriminator packs {packing} samples: batches of real and of fake "
                             f"samples must be multiples of {packing}; got a batch of {batch}")
        return
    tf.debugging.assert_equal(tf.shape(images)[0] % packing, 0, message=(
        f"The discriminator packs {packing} samples: batches must be multiples of {packing}"))


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
