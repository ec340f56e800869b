"""The base class of every GAN in ganzoo: the alternating training process.

Goodfellow et al. 2014, Algorithm 1: for each training step, update the
discriminator ``d_steps`` times, then the generator once, each by one gradient
step on its own objective while the other network is held fixed.

A variant is a subclass that overrides small hooks, never ``train_step``:

* ``discriminator_loss(real_logits, fake_logits)`` and
  ``generator_loss(fake_logits)``: the objective;
* ``discriminate(real, fake, training)``: how D sees the batch of real and
  generated images (default: one merged call, or one call per half for a
  batch-norm D);
* ``discriminator_regularizers(real, fake)``: extra D terms (gradient penalty);
* ``generator_objective(real, fake)``: the whole G loss when it needs more
  than D's logits on fakes (feature matching);
* ``after_discriminator_step()``: e.g. weight clipping;
* ``default_optimizers()``: the paper's optimisers;
* ``build_networks(data_shape, latent_dim)``: default nets for the CLI.

Distribution (`tf.distribute`: Mirrored, MultiWorkerMirrored, TPU; see
`ganzoo.distribute`). Build and compile the GAN inside ``strategy.scope()``.

* Losses are means over the replica's batch divided by the number of
  replicas, so that summing gradients over replicas (what Keras optimizers
  do) gives the gradient of the mean over the **global** batch.
* Each replica draws its own z: every draw takes one seed from the
  SeedGenerator, draws the values of the whole global batch and keeps the
  replica's rows (`GAN.draw_random`). One step on N replicas therefore sees
  exactly the z one device sees for the same global batch. The seed state is
  a per-replica variable (aggregation "none") advanced by the same constant
  on every replica, so its copies never diverge and need no synchronisation.
* Terms computed per replica, on the replica's examples only: the gradient
  penalty (a per-example term, so its mean over replicas is the global-batch
  mean), minibatch discrimination and batch norm (their statistics come from
  the replica's batch; use ``normalization="sync_batch"`` for global-batch
  statistics). Batch means inside a nonlinearity (feature matching) are
  global when computed with `cross_replica_mean`.
* Logged values are averaged over replicas inside the step, so every
  replica (and TPU's "first replica" reduction) reports the global mean.
  ``d_grad_norm``/``g_grad_norm`` are then the mean over replicas of each
  replica's gradient norm, not the norm of the all-reduced gradient.

Mixed precision: losses, regularizers and logged values are float32 whatever
the policy; the nets' output layers are float32 (logits, images). Under
``mixed_float16`` both optimizers get loss scaling (see ``compile``).
"""

import keras
import numpy as np
import tensorflow as tf

from ganzoo.architectures.normalization import uses_batch_statistics

# Meters reported by every GAN when ``track_meters=True``.
METER_NAMES = ("d_grad_norm", "g_grad_norm", "d_real", "d_fake")


def _num_replicas():
    if tf.distribute.in_cross_replica_context():
        return 1
    return tf.distribute.get_strategy().num_replicas_in_sync


def _multi_worker():
    strategy = tf.distribute.get_strategy()
    return isinstance(
        strategy, tf.distribute.MultiWorkerMirroredStrategy
    ) and strategy.extended._in_multi_worker_mode()


def _replica_id():
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def cross_replica_mean(value):
    """The mean of ``value`` over all replicas (identity on one replica).

    Differentiable: under N replicas, a loss built from it and divided by N
    (as the base class does) yields gradients that sum over replicas to the
    gradient of the same loss computed on the global batch. Use it for batch
    means that enter a nonlinearity, e.g. the feature means of feature
    matching; per-example terms need nothing.
    """
    if _num_replicas() == 1:
        return value
    return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.MEAN, value)


def _gradient_norm(optimizer, gradients):
    norm = tf.linalg.global_norm([g for g in gradients if g is not None])
    # A LossScaleOptimizer sees scaled gradients; report the true norm.
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        norm = norm / tf.cast(optimizer.dynamic_scale, norm.dtype)
    return norm * tf.cast(_num_replicas(), norm.dtype)


def _mean_over_replicas(scalars):
    """Float32 scalars averaged over replicas in one all-reduce."""
    if _num_replicas() == 1:
        return scalars
    stacked = tf.stack(scalars)
    mean = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.MEAN, stacked)
    return tf.unstack(mean)


def _agree_on_finiteness(optimizer, gradients):
    """Under loss scaling on several replicas, makes every replica see
    non-finite gradients when any replica has them.

    Keras' LossScaleOptimizer decides to skip a step from the *first*
    replica's local gradients, then applies the all-reduced ones: an overflow
    on another replica would reach the weights. One scalar all-reduce fixes it.
    """
    if _num_replicas() == 1 or not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return gradients
    local_bad = tf.cast(tf.logical_not(optimizer.check_finite(gradients)), tf.float32)
    any_bad = tf.distribute.get_replica_context().all_reduce(
        tf.distribute.ReduceOp.SUM, local_bad
    ) > 0
    return [
        None if g is None else tf.where(any_bad, tf.constant(float("nan"), g.dtype), g)
        for g in gradients
    ]


@keras.saving.register_keras_serializable(package="ganzoo")
class GAN(keras.Model):
    """A generator G and a discriminator D trained by alternating updates.

    Args:
        generator: a built `keras.Model` mapping z of shape (batch, latent_dim)
            to images in [-1, 1] (channels last).
        discriminator: a built `keras.Model` mapping images to one logit per
            image, shape (batch, 1). Real is 1.
        latent_dim: size of z ~ N(0, I).
        d_steps: discriminator updates per generator update. ``None`` takes the
            variant's default (1 here, 5 for the Wasserstein family). Each D
            update draws fresh z and reuses the step's real batch.
        seed: integer seed of the `keras.random.SeedGenerator` that draws z
            during training. ``None`` draws a random one.
        track_meters: report gradient norms of G and D and the mean
            discriminator outputs on real and fake (``d_grad_norm``,
            ``g_grad_norm``, ``d_real``, ``d_fake``). Switch off for speed.

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
    # Names of extra scalars that hooks return, each tracked by a Mean.
    extra_metric_names = ()

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        d_steps=None,
        seed=None,
        track_meters=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_networks(generator, discriminator, latent_dim)
        d_steps = self.default_d_steps if d_steps is None else d_steps
        if not isinstance(d_steps, (int, np.integer)) or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer; got {d_steps!r}")
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be an integer or None; got {seed!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.d_steps = int(d_steps)
        self.seed = seed
        self.track_meters = bool(track_meters)
        self.image_shape = tuple(generator.output_shape[1:])
        self._separate_halves = uses_batch_statistics(discriminator)
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ("d_loss", "g_loss") + tuple(self.extra_metric_names)
        if self.track_meters:
            names += METER_NAMES
        self._trackers = [keras.metrics.Mean(name=n) for n in names]
        self.d_optimizer = None
        self.g_optimizer = None
        # G and D are built, so every variable exists: save_weights and
        # BackupAndRestore refuse an unbuilt model.
        self.built = True

    # ------------------------------------------------------------------ hooks
    def discriminator_loss(self, real_logits, fake_logits):
        """The loss D minimises, a float32 scalar (mean over the batch)."""
        raise NotImplementedError

    def generator_loss(self, fake_logits):
        """The loss G minimises from D's logits on fakes, a float32 scalar."""
        raise NotImplementedError

    def discriminate(self, real_images, fake_images, training):
        """Returns ``(real_logits, fake_logits)``.

        The discriminator batch is the real images (label 1) followed by the
        generated ones (label 0). D without batch statistics sees it as one
        merged batch in one call. D with batch normalization is called once
        per half, so that each half is normalized by its own statistics, as in
        the DCGAN reference code (Radford et al. 2016): with one merged
        batch, BN statistics mix real and fake examples and training
        collapses. Measured with the default nets on Fashion-MNIST, 500
        steps: merged IS 1.83 (classes 1, 5, 7 never generated), per half
        3.24 (``python benchmarks/merged_batch_norm.py``). The loss, the
        labels and the single D update are the same either way.

        Under tf.distribute D sees the replica's examples only: batch-coupled
        layers (batch norm, minibatch discrimination) use per-replica
        statistics unless they synchronise themselves
        (``normalization="sync_batch"``).
        """
        fake_images = tf.cast(fake_images, real_images.dtype)
        if self._separate_halves:
            return (
                self.discriminator(real_images, training=training),
                self.discriminator(fake_images, training=training),
            )
        batch = tf.concat([real_images, fake_images], axis=0)
        logits = self.discriminator(batch, training=training)
        real_logits, fake_logits = tf.split(logits, 2, axis=0)
        return real_logits, fake_logits

    def discriminator_regularizers(self, real_images, fake_images):
        """Extra terms added to D's loss, as ``{name: scalar}``.

        Under tf.distribute they are computed per replica, on the replica's
        examples (the gradient penalty: per-example terms, whose mean over
        replicas is the global-batch mean). Draw their randomness with
        `draw_random` to keep a step independent of the replica count.
        """
        return {}

    def generator_objective(self, real_images, fake_images):
        """G's loss and the fake logits it saw: ``(loss, fake_logits)``.

        D is held fixed here: only G's variables receive this gradient. D sees
        the real and fake batch as in its own update (``discriminate``), so that its
        batch-norm statistics, and hence its verdict on the fakes, are the
        ones it was trained with (a fake-only batch normalizes the fakes by
        their own statistics and D's verdict becomes meaningless).
        """
        _, fake_logits = self.discriminate(real_images, fake_images, training=True)
        return self.generator_loss(fake_logits), fake_logits

    def after_discriminator_step(self):
        """Runs after every D update (e.g. weight clipping)."""
        # An explicit body: AutoGraph cannot convert a docstring-only one.
        return None

    @classmethod
    def build_networks(cls, data_shape, latent_dim):
        """``(generator, discriminator)`` suited to this variant.

        DCGAN nets for images (rank-3 ``data_shape``), MLPs for points. Used by
        ``python -m ganzoo.train``; variants whose D needs a special layer or
        no batch norm override it.
        """
        from ganzoo import architectures

        if len(data_shape) == 3:
            return (
                architectures.dcgan_generator(data_shape, latent_dim),
                architectures.dcgan_discriminator(data_shape),
            )
        return (
            architectures.mlp_generator(latent_dim, data_shape[-1]),
            architectures.mlp_discriminator(data_shape[-1]),
        )

    @classmethod
    def default_optimizers(cls):
        """``(d_optimizer, g_optimizer)`` used by ``compile()`` without them.

        Adam(2e-4, β1 = 0.5), the DCGAN paper's choice (Radford et al. 2016).
        """
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    # -------------------------------------------------------------- sampling
    def draw_random(self, batch_size, shape=(), distribution="normal"):
        """Random float32 values of shape (batch_size, *shape) for a step.

        For any randomness of a variant's step (z, the gradient penalty's
        interpolation weights): reproducible from ``seed`` and correct under
        tf.distribute. One seed is taken from the SeedGenerator per call; the
        values of the whole global batch (batch_size × replicas rows) are drawn
        from it and replica r keeps rows [r·batch_size, (r+1)·batch_size). So
        each replica gets its own values, and N replicas see exactly what one
        device sees for the same global batch. Needs equal per-replica
        batches (``drop_remainder``, as `ganzoo.data.load` does).

        Args:
            batch_size: examples on this replica (an int, or a scalar tensor).
            shape: the shape of each example's values.
            distribution: "normal" for N(0, 1) or "uniform" for U[0, 1).
        """
        samplers = {"normal": tf.random.stateless_normal, "uniform": tf.random.stateless_uniform}
        if distribution not in samplers:
            raise ValueError(
                f"Unknown distribution {distribution!r}; expected one of {sorted(samplers)}"
            )
        # The same seed on every replica: its copies advance in lockstep.
        seed = self.seed_generator.next()
        replicas = _num_replicas()
        if replicas == 1:
            return samplers[distribution]((batch_size, *shape), seed=seed)
        values = samplers[distribution]((batch_size * replicas, *shape), seed=seed)
        begin = [_replica_id() * batch_size] + [0] * len(shape)
        return tf.slice(values, begin, [batch_size, *shape])

    def sample_latent(self, batch_size):
        """Draws z ~ N(0, I) of shape (batch_size, latent_dim) in a step.

        Reproducible from ``seed``; each replica gets its own rows of the
        global batch's z (see `draw_random`).
        """
        return self.draw_random(batch_size, (self.latent_dim,))

    def call(self, inputs, training=False):
        """G(z). Given a data batch instead of z (Keras does this when it
        builds a model), draws one z per image and returns G(z)."""
        if isinstance(inputs, dict):
            inputs = inputs["image"]
        elif isinstance(inputs, (tuple, list)):
            inputs = inputs[0]
        if len(inputs.shape) != 2 or inputs.shape[-1] != self.latent_dim:
            if tuple(inputs.shape[1:]) != self.image_shape:
                raise ValueError(
                    f"Expected z of shape (batch, {self.latent_dim}) or a data batch of shape "
                    f"(batch, {', '.join(map(str, self.image_shape))}); got shape {tuple(inputs.shape)}"
                )
            inputs = self.sample_latent(tf.shape(inputs)[0])
        return self.generator(inputs, training=training)

    def generate(self, num, seed=None, batch_size=256):
        """Samples ``num`` images as a float32 numpy array in [-1, 1].

        The same ``seed`` always gives the same images (z is drawn with a
        stateless op); ``None`` gives fresh ones.
        """
        if not isinstance(num, (int, np.integer)) or num < 1:
            raise ValueError(f"num must be a positive integer; got {num!r}")
        if seed is None:
            seed = np.random.randint(2**31 - 1)
        z = tf.random.stateless_normal((int(num), self.latent_dim), seed=[int(seed), 0])
        chunks = [
            tf.cast(self.generator(z[i : i + batch_size], training=False), tf.float32)
            for i in range(0, int(num), batch_size)
        ]
        return tf.concat(chunks, axis=0).numpy()

    # ------------------------------------------------------------- training
    @property
    def metrics(self):
        return list(self._trackers)

    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit`, refusing data without a single batch (Keras
        would silently train nothing)."""
        if isinstance(x, tf.data.Dataset) and int(x.cardinality()) == 0:
            raise ValueError(
                "The dataset passed to fit is empty (cardinality 0); nothing to train on. "
                "A batch(..., drop_remainder=True) with more rows than the data drops everything."
            )
        first = tf.nest.flatten(x)[0] if x is not None else None
        if hasattr(first, "shape") and len(first.shape) > 0 and first.shape[0] == 0:
            raise ValueError(f"The data passed to fit is empty (shape {tuple(first.shape)})")
        history = super().fit(x, *args, **kwargs)
        if history.epoch and not history.history:
            raise ValueError(
                f"fit ran {len(history.epoch)} epoch(s) without a single batch: the dataset is empty"
            )
        self._finalize_variable_values()
        return history

    def _finalize_variable_values(self):
        """What `keras.Model.fit` does for its one optimizer, for both nets:
        an optimizer built with ``use_ema=True`` replaces its net's weights by
        their exponential moving average at the end of ``fit`` (Keras only
        does it for ``model.optimizer``, which a GAN does not have).

        The EMA generator of Yazıcı et al. 2019, "The Unusual Effectiveness
        of Averaging in GAN Training": θ_EMA ← m·θ_EMA + (1 − m)·θ after every
        G update, e.g. ``g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5,
        use_ema=True, ema_momentum=0.999)``.
        """
        for optimizer, net in ((self.d_optimizer, self.discriminator), (self.g_optimizer, self.generator)):
            # An optimizer that never stepped holds zeros as its averages.
            if getattr(optimizer, "use_ema", False) and int(optimizer.iterations.numpy()) > 0:
                optimizer.finalize_variable_values(net.trainable_variables)

    def compile(self, d_optimizer=None, g_optimizer=None, jit_compile=False, **kwargs):
        """Sets the two optimizers (strings, configs or instances).

        ``jit_compile`` defaults to False: XLA makes the DCGAN step slower on
        CPU. Under a ``mixed_float16`` policy both optimizers get loss scaling.
        """
        default_d, default_g = self.default_optimizers()
        d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else default_d
        g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else default_g
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two different optimizer objects")
        if self.dtype_policy.name == "mixed_float16":
            d_optimizer, g_optimizer = (
                o if isinstance(o, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(o)
                for o in (d_optimizer, g_optimizer)
            )
        super().compile(optimizer=None, jit_compile=jit_compile, **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Build now, so that a loaded model restores their state and the
        # variables are not created inside a traced step.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def train_step(self, data):
        real_images = self._real_images(data)
        # Static when known (TPU needs static shapes), else dynamic.
        batch_size = real_images.shape[0]
        if batch_size is None:
            batch_size = tf.shape(real_images)[0]
        for _ in range(self.d_steps):
            d_values = self._discriminator_step(real_images, batch_size)
        g_values = self._generator_step(real_images, batch_size)
        values = {**d_values, **g_values}
        values = _mean_over_replicas([tf.cast(values[t.name], tf.float32) for t in self._trackers])
        for tracker, value in zip(self._trackers, values):
            tracker.update_state(value)
        logs = {tracker.name: tracker.result() for tracker in self._trackers}
        if _multi_worker():
            # Keras 3 reduces logs over workers with strategy.reduce(MEAN,
            # axis=0), which fails on scalars (tensorflow#72388); a (1,)
            # vector reduces to the scalar.
            logs = {name: tf.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def _discriminator_step(self, real_images, batch_size):
        fake_images = self.generator(self.sample_latent(batch_size), training=True)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self.discriminate(real_images, fake_images, training=True)
            loss = tf.cast(self.discriminator_loss(real_logits, fake_logits), tf.float32)
            extras = {
                name: tf.cast(term, tf.float32)
                for name, term in self.discriminator_regularizers(real_images, fake_images).items()
            }
            total = loss + tf.add_n(list(extras.values())) if extras else loss
            scaled = self.d_optimizer.scale_loss(total / _num_replicas())
        gradients = tape.gradient(scaled, variables)
        self.d_optimizer.apply(_agree_on_finiteness(self.d_optimizer, gradients), variables)
        self.after_discriminator_step()
        values = {"d_loss": total, **extras}
        if self.track_meters:
            values["d_grad_norm"] = _gradient_norm(self.d_optimizer, gradients)
            values["d_real"], values["d_fake"] = self._outputs_meter(real_logits, fake_logits)
        return values

    def _generator_step(self, real_images, batch_size):
        z = self.sample_latent(batch_size)
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake_images = self.generator(z, training=True)
            loss, _ = self.generator_objective(real_images, fake_images)
            loss = tf.cast(loss, tf.float32)
            scaled = self.g_optimizer.scale_loss(loss / _num_replicas())
        gradients = tape.gradient(scaled, variables)
        self.g_optimizer.apply(_agree_on_finiteness(self.g_optimizer, gradients), variables)
        values = {"g_loss": loss}
        if self.track_meters:
            values["g_grad_norm"] = _gradient_norm(self.g_optimizer, gradients)
        return values

    def _outputs_meter(self, real_logits, fake_logits):
        real_logits = tf.cast(real_logits, tf.float32)
        fake_logits = tf.cast(fake_logits, tf.float32)
        if self.outputs_are_logits:
            real_logits, fake_logits = tf.sigmoid(real_logits), tf.sigmoid(fake_logits)
        return tf.reduce_mean(real_logits), tf.reduce_mean(fake_logits)

    def _real_images(self, data):
        """Accepts images, ``(images, labels)`` or a tfds dict with "image"."""
        if isinstance(data, dict):
            if "image" not in data:
                raise ValueError(
                    f"A dict batch must hold an 'image' key; got keys {sorted(data)}"
                )
            images = data["image"]
        elif isinstance(data, (tuple, list)):
            images = data[0]
        else:
            images = data
        check_images(images, self.image_shape)
        return images

    # --------------------------------------------------------- serialization
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.saving.serialize_keras_object(self.dtype_policy),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            "seed": self.seed,
            "track_meters": self.track_meters,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.saving.deserialize_keras_object(config["dtype"])
        return cls(**config)

    # The SeedGenerator is not a Keras saveable: store its state with the
    # model so that a reloaded GAN continues the same random stream.
    _SEED_KEY = "seed_generator_state"

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[self._SEED_KEY] = self.seed_generator.state.numpy()

    def load_own_variables(self, store):
        keys = [k for k in store.keys() if k != self._SEED_KEY]
        if self._SEED_KEY in store.keys():
            self.seed_generator.state.assign(store[self._SEED_KEY])
        super().load_own_variables({k: store[k] for k in keys})

    def get_compile_config(self):
        if self.d_optimizer is None:
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "jit_compile": bool(self.jit_compile),
        }

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            jit_compile=config.get("jit_compile", False),
        )


def _check_networks(generator, discriminator, latent_dim):
    for role, net in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(net, keras.Model):
            raise TypeError(f"{role} must be a keras.Model; got {type(net).__name__}")
        if not net.built:
            raise ValueError(f"{role} {net.name!r} must be built (give it an Input shape)")
    if not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer; got {latent_dim!r}")
    g_input = generator.input_shape
    if g_input[-1] != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator's input shape {g_input}"
        )
    image_shape = tuple(generator.output_shape[1:])
    d_input = tuple(discriminator.input_shape[1:])
    if d_input != image_shape:
        raise ValueError(
            f"The generator makes images of shape {image_shape} but the discriminator "
            f"expects {d_input}"
        )


def check_images(images, image_shape):
    """Raises a ValueError unless ``images`` are float (batch, *image_shape)."""
    if images.dtype == tf.uint8:
        raise ValueError(
            "Got uint8 images; ganzoo models expect float32 images in [-1, 1]. Convert "
            "with ganzoo.data.to_model_range(images) (x / 127.5 - 1) or load them with "
            "ganzoo.data.load(...)."
        )
    if not images.dtype.is_floating:
        raise ValueError(f"Expected float images in [-1, 1]; got dtype {images.dtype.name}")
    shape = tuple(images.shape)
    if len(shape) != len(image_shape) + 1:
        raise ValueError(
            f"Expected a batch of images of shape (batch, {', '.join(map(str, image_shape))}) "
            f"(rank {len(image_shape) + 1}); got shape {shape} (rank {len(shape)})"
        )
    if tuple(shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"Expected images of shape {tuple(image_shape)} (height, width, channels) for "
            f"this model; got {tuple(shape[1:])}"
        )
