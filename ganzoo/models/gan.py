"""The base class of every GAN in ganzoo: Goodfellow et al. 2014, Algorithm 1.

For each training step: ``d_steps`` times, draw z, make fakes, and take one
gradient step of D on its loss; then draw z once more and take one gradient
step of G on its loss, D held fixed. `GAN.train_step` below is that loop;
everything a variant changes is a hook, each receiving the batch's condition
(class labels, Keras' ``y``; None for unconditional data):

* ``discriminator_loss(real_logits, fake_logits, condition=None)``::

      def discriminator_loss(self, real_logits, fake_logits, condition=None):
          return ganzoo.losses.hinge_discriminator_loss(real_logits, fake_logits)

* ``generator_loss(fake_logits, condition=None)``::

      def generator_loss(self, fake_logits, condition=None):
          return ganzoo.losses.hinge_generator_loss(fake_logits)

* ``discriminate(real_images, fake_images, training, condition=None)``: D's
  outputs on both batches (merged, or per half for a batch-norm D).
  ``real_images`` is None in the G step when D's verdict on fakes does not
  depend on the reals. ``augment=`` (DiffAugment) is applied here.

* ``discriminator_regularizers(real_images, fake_images, real_logits,
  fake_logits, input_tape, condition=None)``: extra D terms as
  ``{name: scalar}``, each logged under its name. ``input_tape`` watched both
  image batches while D ran, so R1 needs no second forward pass::

      def discriminator_regularizers(self, real_images, fake_images, real_logits, fake_logits, input_tape, condition=None):
          grads = input_tape.gradient(real_logits, real_images)  # ∇ₓD(x), per image
          return {"r1": 5.0 * tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))}

* ``generator_objective(real_images, fake_images, condition=None)``: G's whole
  loss when it needs more than D's logits on fakes::

      def generator_objective(self, real_images, fake_images, condition=None):
          loss, fake_logits = super().generator_objective(real_images, fake_images, condition)
          return loss + 0.1 * tf.reduce_mean(tf.abs(fake_images)), fake_logits

* ``after_discriminator_step()``: e.g. weight clipping (one device; see `WGAN`)::

      def after_discriminator_step(self):
          for v in self.discriminator.trainable_variables:
              v.assign(tf.clip_by_value(v, -0.01, 0.01))

* ``default_optimizers()``: the paper's ``(d_optimizer, g_optimizer)``::

      @classmethod
      def default_optimizers(cls):
          return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)

G and D may take the condition as a second input (``[z, labels]``, ``[images,
labels]``); D may return a structure whose first element is the logit (e.g.
``(logit, class_logits)``). Randomness comes from `draw_random`. For
tf.distribute and mixed precision see `ganzoo.distribute`.
"""

import keras
import numpy as np
import tensorflow as tf

from ganzoo import distribute
from ganzoo.models import fitting
from ganzoo.models.batches import check_images, discriminator_slice, unpack_batch
from ganzoo.models.sampling import SamplingMixin
from ganzoo.models.serialization import SerializationMixin
from ganzoo.models.stabilizers import StabilizersMixin
from ganzoo.models.networks import check_networks, couples_batch, first_output, net_inputs, takes_condition
from ganzoo.architectures.defaults import default_networks
from ganzoo.architectures.normalization import uses_batch_statistics

# Meters reported by every GAN when ``track_meters=True``.
METER_NAMES = ("d_grad_norm", "g_grad_norm", "d_real", "d_fake")


@keras.saving.register_keras_serializable(package="ganzoo")
class GAN(StabilizersMixin, SamplingMixin, SerializationMixin, keras.Model):
    """A generator G and a discriminator D trained by alternating updates.

    Args:
        generator: a built `keras.Model` mapping z of shape (batch, latent_dim)
            (or ``[z, condition]``) to images in [-1, 1] (channels last).
        discriminator: a built `keras.Model` mapping images (or ``[images,
            condition]``) to one logit per image, shape (batch, 1), or to a
            structure whose first element is that logit. Real is 1.
        latent_dim: size of z ~ N(0, I).
        d_steps: D updates per G update; ``None`` takes the variant's default
            (1 here, 5 for the Wasserstein family).
        seed: integer seed of the `keras.random.SeedGenerator` that draws the
            step's randomness. ``None`` draws a random one.
        track_meters: report gradient norms of G and D and the mean D outputs
            on real and fake (``d_grad_norm``, ``g_grad_norm``, ``d_real``,
            ``d_fake``). Switch off for speed.
        fresh_real_batches: with ``d_steps > 1``, each D update trains on its
            own real batch (WGAN's and WGAN-GP's Algorithm 1); False reuses
            the step's batch for every D update. ``None`` takes the variant's
            default (True for the Wasserstein family).
        r1_gamma, r2_gamma, regularize_every, augment: R1/R2 penalties (lazy
            every k D steps) and DiffAugment (`ganzoo.models.stabilizers`).

    What one ``fit`` step and one epoch mean: a step is one G update and
    ``d_steps`` D updates. ``batch_size`` (or a dataset's batch) is the batch
    of one D update. With fresh real batches a step reads ``d_steps`` batches
    (``fit`` groups a dataset's batches, and multiplies ``batch_size`` for
    arrays), so one epoch over finite data, one pass, has 1/d_steps as many
    steps; ``steps_per_epoch`` counts G updates. `ganzoo.train` keeps
    ``count // batch_size`` steps per epoch, so its epochs pass ``d_steps``
    times over the data and the number of updates is the same either way.

    Example:

    ```python
    gan = ganzoo.VanillaGAN(generator=g, discriminator=d, latent_dim=128)
    gan.compile()                      # the variant's default optimizers
    gan.fit(ganzoo.data.load("fashion_mnist", batch_size=128), epochs=1)
    images = gan.generate(16, seed=0)  # float32 in [-1, 1]
    ```
    """

    # Whether D's outputs are logits of P(real); then d_real/d_fake report σ.
    outputs_are_logits = True
    default_d_steps = 1
    default_fresh_real_batches = False

    def __init__(self, generator, discriminator, latent_dim, d_steps=None, seed=None, track_meters=True,
                 fresh_real_batches=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = check_networks(generator, discriminator, latent_dim)  # (H, W, C) or (dims,)
        d_steps = self.default_d_steps if d_steps is None else d_steps
        if not isinstance(d_steps, (int, np.integer)) or isinstance(d_steps, bool) or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer; got {d_steps!r}")
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be an integer or None; got {seed!r}")
        fresh = self.default_fresh_real_batches if fresh_real_batches is None else fresh_real_batches
        if not isinstance(fresh, (bool, np.bool_)):
            raise ValueError(f"fresh_real_batches must be True, False or None; got {fresh_real_batches!r}")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.d_steps, self.seed = int(latent_dim), int(d_steps), seed
        self.track_meters, self.fresh_real_batches = bool(track_meters), bool(fresh)
        # Batch norm: D sees the real and the fake half in two calls.
        self.discriminator_sees_halves = uses_batch_statistics(discriminator)
        self._discriminator_couples_batch = couples_batch(discriminator)
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ("d_loss", "g_loss") + (METER_NAMES if self.track_meters else ())
        self._trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self._regularizer_names = None  # found by `fit` before the step is traced
        self.d_optimizer = self.g_optimizer = None
        self.built = True  # G and D are built: every variable exists (save_weights needs it)

    @property
    def fakes_need_reals(self):
        """Whether D's verdict on fakes depends on the reals: a merged batch
        through a batch-coupled D (minibatch discrimination on one call)."""
        return self._discriminator_couples_batch and not self.discriminator_sees_halves

    @property
    def real_batches_per_step(self):
        """Real batches one step reads: ``d_steps`` with fresh batches, else 1."""
        return self.d_steps if self.fresh_real_batches else 1

    # ------------------------------------------------------- Algorithm 1
    def train_step(self, data):
        real_images, condition = unpack_batch(data)
        real_images = check_images(real_images, self.image_shape)
        slices = self.real_batches_per_step
        for i in range(self.d_steps):
            real_i = discriminator_slice(real_images, i % slices, slices)
            d_values = self._discriminator_step(real_i, discriminator_slice(condition, i % slices, slices))
        g_values = self._generator_step(
            discriminator_slice(real_images, 0, slices), discriminator_slice(condition, 0, slices)
        )
        return self._log({**d_values, **g_values})

    def _discriminator_step(self, real_images, condition):
        z = self.sample_latent(_batch_size(real_images))
        fake_images = self.apply_generator(z, condition, training=True)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            loss, extras, real_logits, fake_logits = self._discriminator_objective(
                real_images, fake_images, condition
            )
            total = loss + tf.add_n(list(extras.values())) if extras else loss
            scaled = self.d_optimizer.scale_loss(total / distribute.num_replicas())
        gradients = tape.gradient(scaled, variables)
        self.d_optimizer.apply(distribute.agree_on_finiteness(self.d_optimizer, gradients), variables)
        self.after_discriminator_step()
        values = {"d_loss": total, **extras}
        if self.track_meters:
            values["d_grad_norm"] = distribute.gradient_norm(self.d_optimizer, gradients)
            values["d_real"], values["d_fake"] = self._outputs_meter(real_logits, fake_logits)
        return values

    def _discriminator_objective(self, real_images, fake_images, condition):
        """D's loss, its regularizers, and D's outputs on both batches."""
        with tf.GradientTape(persistent=True, watch_accessed_variables=False) as input_tape:
            input_tape.watch([real_images, fake_images])
            real_logits, fake_logits = self.discriminate(real_images, fake_images, True, condition=condition)
        loss = tf.cast(self.discriminator_loss(real_logits, fake_logits, condition=condition), tf.float32)
        extras = {**self.stabilizer_regularizers(real_images, fake_images, real_logits, fake_logits, input_tape),
                  **self.discriminator_regularizers(real_images, fake_images, real_logits, fake_logits, input_tape,
                                                    condition=condition)}
        extras = {name: tf.cast(term, tf.float32) for name, term in extras.items()}
        return loss, extras, real_logits, fake_logits

    def _generator_step(self, real_images, condition):
        z = self.sample_latent(_batch_size(real_images))
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake_images = self.apply_generator(z, condition, training=True)
            loss, _ = self.generator_objective(real_images, fake_images, condition=condition)
            loss = tf.cast(loss, tf.float32)
            scaled = self.g_optimizer.scale_loss(loss / distribute.num_replicas())
        gradients = tape.gradient(scaled, variables)
        self.g_optimizer.apply(distribute.agree_on_finiteness(self.g_optimizer, gradients), variables)
        values = {"g_loss": loss}
        if self.track_meters:
            values["g_grad_norm"] = distribute.gradient_norm(self.g_optimizer, gradients)
        return values

    # ------------------------------------------------------------- hooks
    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        """The loss D minimises, a float32 scalar (mean over the batch)."""
        raise NotImplementedError

    def generator_loss(self, fake_logits, condition=None):
        """The loss G minimises from D's outputs on fakes, a float32 scalar."""
        raise NotImplementedError

    def discriminate(self, real_images, fake_images, training, condition=None):
        """``(real_logits, fake_logits)``: D's outputs on the two batches.

        D without batch statistics sees one merged batch, reals then fakes,
        in one call. D with batch normalization is called once per half, so
        that each half is normalized by its own statistics, as in the DCGAN
        reference code (Radford et al. 2016): merged, BN statistics mix real
        and fake examples and training collapses (merged IS 1.83, per half
        3.24 after 500 steps: ``python benchmarks/merged_batch_norm.py``). The
        loss and the single D update are the same either way. Both halves
        share ``condition`` (fakes are made for the reals' labels).

        ``real_images=None`` scores the fakes alone (``real_logits`` is then
        None); the G step does it unless `fakes_need_reals`. Under
        tf.distribute D sees the replica's examples only.
        """
        real_images, fake_images = self.prepare_for_discriminator(real_images, fake_images, training)
        if real_images is None:
            return None, self.apply_discriminator(fake_images, condition, training)
        fake_images = tf.cast(fake_images, real_images.dtype)
        if self.discriminator_sees_halves:  # batch norm: each half by its own statistics
            return (
                self.apply_discriminator(real_images, condition, training),
                self.apply_discriminator(fake_images, condition, training),
            )
        both = tf.concat([condition, condition], axis=0) if takes_condition(self.discriminator) else None
        outputs = self.apply_discriminator(tf.concat([real_images, fake_images], axis=0), both, training)
        return (
            keras.tree.map_structure(lambda t: tf.split(t, 2, axis=0)[0], outputs),
            keras.tree.map_structure(lambda t: tf.split(t, 2, axis=0)[1], outputs),
        )

    def discriminator_regularizers(self, real_images, fake_images, real_logits, fake_logits, input_tape,
                                   condition=None):
        """Extra terms added to D's loss, as ``{name: float32 scalar}``.

        Each is logged under its name (the names are found before training
        starts). ``input_tape`` is a persistent `tf.GradientTape` that watched
        ``real_images`` and ``fake_images`` while D computed ``real_logits``
        and ``fake_logits``: ``input_tape.gradient(real_logits, real_images)``
        (the gradient of their sum; each logit depends on its own image) is
        ∇ₓD(x) for R1 without another forward pass. Terms built on the
        outputs must start from them, not from ops taken after the tape
        closed. Under tf.distribute the terms are per replica; draw
        randomness with `draw_random` to keep a step independent of the
        replica count.
        """
        return {}

    def generator_objective(self, real_images, fake_images, condition=None):
        """G's loss and D's outputs on the fakes: ``(loss, fake_logits)``.

        D is held fixed: only G's variables receive this gradient. D scores
        the fakes as in its own update (``discriminate``), but without the
        reals unless `fakes_need_reals` (a merged, batch-coupled D): a
        per-half or per-example D gives the fakes the same verdict alone,
        so the reals' forward pass (and its batch-norm update) is skipped.
        """
        _, fake_logits = self.discriminate(
            real_images if self.fakes_need_reals else None, fake_images, True, condition=condition
        )
        return self.generator_loss(fake_logits, condition=condition), fake_logits

    def after_discriminator_step(self):
        """Runs after every D update (e.g. weight clipping)."""
        return None

    @classmethod
    def default_optimizers(cls):
        """``(d_optimizer, g_optimizer)``: Adam(2e-4, β1 = 0.5), the DCGAN paper's."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)

    @classmethod
    def build_networks(cls, data_shape, latent_dim):
        """`ganzoo.architectures.default_networks` for this variant."""
        return default_networks(cls, data_shape, latent_dim)

    # ---------------------------------------------- networks and randomness
    def apply_generator(self, z, condition=None, training=False):
        """G(z), or G(z, condition) when G takes a condition."""
        return self.generator(net_inputs(self.generator, z, condition), training=training)

    def apply_discriminator(self, images, condition=None, training=False):
        """D(images), or D(images, condition) when D takes a condition."""
        return self.discriminator(net_inputs(self.discriminator, images, condition), training=training)

    def draw_random(self, batch_size, shape=(), distribution="normal"):
        """Random float32 values of shape (batch_size, *shape) for a step.

        One seed is taken from the SeedGenerator per call; under tf.distribute
        each replica keeps its rows of the global batch's values
        (`ganzoo.distribute.replica_rows`). ``distribution``: "normal" for
        N(0, 1) or "uniform" for U[0, 1).
        """
        samplers = {"normal": tf.random.stateless_normal, "uniform": tf.random.stateless_uniform}
        if distribution not in samplers:
            raise ValueError(f"Unknown distribution {distribution!r}; expected one of {sorted(samplers)}")
        return distribute.replica_rows(samplers[distribution], batch_size, shape, self.seed_generator.next())

    def sample_latent(self, batch_size):
        """z ~ N(0, I), (batch_size, latent_dim), for a step."""
        return self.draw_random(batch_size, (self.latent_dim,))

    # -------------------------------------------------------- evaluation
    def test_step(self, data):
        """D's and G's losses on held-out data (``gan.evaluate(data)``).

        z comes from a fixed stateless seed (the training stream is left
        alone); the nets run in inference mode; D's regularizers are not
        included, and G's loss is ``generator_loss`` on D's outputs on fakes.
        """
        real_images, condition = unpack_batch(data)
        real_images = check_images(real_images, self.image_shape)
        z = distribute.replica_rows(
            tf.random.stateless_normal, _batch_size(real_images), (self.latent_dim,), [self.seed or 0, 2]
        )
        fake_images = self.apply_generator(z, condition, training=False)
        real_logits, fake_logits = self.discriminate(real_images, fake_images, False, condition=condition)
        return self._log({
            "d_loss": self.discriminator_loss(real_logits, fake_logits, condition=condition),
            "g_loss": self.generator_loss(fake_logits, condition=condition),
        })

    # ------------------------------------------------------------ logging
    @property
    def metrics(self):
        return list(self._trackers.values())

    def _outputs_meter(self, real_logits, fake_logits):
        real, fake = (tf.cast(first_output(t), tf.float32) for t in (real_logits, fake_logits))
        if self.outputs_are_logits:
            real, fake = tf.sigmoid(real), tf.sigmoid(fake)
        return tf.reduce_mean(real), tf.reduce_mean(fake)

    def _log(self, values):
        """Averages ``values`` over replicas into their trackers; the logs."""
        return fitting.update_trackers(self._trackers, values)

    # ----------------------------------------------------- fit and compile
    def fit(self, x=None, y=None, batch_size=None, *args, **kwargs):
        """`keras.Model.fit`, grouping ``d_steps`` real batches per step under
        fresh real batches (see the class docstring), creating a tracker per
        regularizer, and refusing data without a single batch."""
        x, batch_size, kwargs = fitting.prepare(self, x, y, batch_size, kwargs)
        history = super().fit(x, y, batch_size, *args, **kwargs)
        if history.epoch and not history.history:
            raise ValueError(f"fit ran {len(history.epoch)} epoch(s) without a single batch: the dataset is empty")
        fitting.finalize_ema(self)
        return history

    def compile(self, d_optimizer=None, g_optimizer=None, jit_compile=False, **kwargs):
        """Sets the two optimizers (strings, configs or instances).

        There is no ``loss`` or ``metrics``: the losses are the variant's
        hooks (``VanillaGAN(loss=...)``), and image metrics are callbacks
        (`ganzoo.callbacks.GeneratorMetrics`). ``jit_compile`` defaults to
        False (XLA makes the DCGAN step slower on CPU). Under a
        ``mixed_float16`` policy both optimizers get loss scaling.
        """
        fitting.refuse_compile_arguments(kwargs)
        d_optimizer, g_optimizer = fitting.resolve_optimizers(self, d_optimizer, g_optimizer)
        super().compile(optimizer=None, jit_compile=jit_compile, **kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        # Built now: a loaded model restores their state, and no variable is
        # created inside a traced step.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)


def _batch_size(images):
    """The static batch size when known (TPU needs static shapes), else dynamic."""
    return images.shape[0] if images.shape[0] is not None else tf.shape(images)[0]
