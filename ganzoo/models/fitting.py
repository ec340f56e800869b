"""Where `GAN.fit` and `GAN.compile` depart from Keras'.

* ``fit`` groups ``d_steps`` real batches per step when the GAN trains each
  D update on its own real batch (`ganzoo.models.batches.group_batches`);
* it creates one tracker per name a D regularizer returns, found by tracing
  the D objective once on the data's spec, before Keras traces the step (a
  tracker's variables cannot be created inside it);
* it refuses data without a single batch (Keras would train nothing);
* the step's values reach the logs through one `keras.metrics.Mean` each;
* at its end it applies a ``use_ema`` optimizer's averages to its net;
* ``compile`` refuses ``loss``/``metrics`` and adds loss scaling under
  ``mixed_float16``.
"""

import keras
import tensorflow as tf

from ganzoo import distribute
from ganzoo.models.batches import group_batches, unpack_batch

_NO_COMPILE_ARGUMENTS = ("loss", "metrics", "loss_weights", "weighted_metrics")


def prepare(gan, x, y, batch_size, kwargs):
    """``(x, batch_size, kwargs)`` for `keras.Model.fit`; creates trackers."""
    groups = gan.real_batches_per_step
    if isinstance(x, tf.data.Dataset):
        if int(x.cardinality()) == 0:
            raise ValueError(
                "The dataset passed to fit is empty (cardinality 0); nothing to train on. "
                "A batch(..., drop_remainder=True) with more rows than the data drops everything."
            )
        spec = x.element_spec
        if groups > 1:
            x = group_batches(x, groups)
    elif x is not None and all(hasattr(leaf, "shape") for leaf in tf.nest.flatten(x if y is None else (x, y))):
        shape = tuple(tf.nest.flatten(x)[0].shape)
        if len(shape) > 0 and shape[0] == 0:
            raise ValueError(f"The data passed to fit is empty (shape {shape})")
        spec = tf.nest.map_structure(_spec_of, x if y is None else (x, y))
        if groups > 1:
            validation = kwargs.get("validation_data")
            if validation is not None and not isinstance(validation, tf.data.Dataset):
                kwargs.setdefault("validation_batch_size", batch_size or 32)
            batch_size = (batch_size or 32) * groups
    else:
        spec = None
        if groups > 1:
            raise ValueError(
                f"With fresh_real_batches each step reads d_steps={gan.d_steps} batches; fit can group "
                f"them for arrays or a tf.data.Dataset, not for {type(x).__name__}. Build the GAN with "
                f"fresh_real_batches=False to reuse one batch."
            )
    _create_regularizer_trackers(gan, spec)
    return x, batch_size, kwargs


def _spec_of(array):
    dtype = tf.as_dtype(array.dtype)
    if dtype.is_floating:
        dtype = tf.float32  # Keras feeds float arrays as floatx
    return tf.TensorSpec((None, *array.shape[1:]), dtype)


def _create_regularizer_trackers(gan, spec):
    """Adds a `keras.metrics.Mean` per name ``discriminator_regularizers``
    returns (once per GAN), after ``g_loss``."""
    if gan._regularizer_names is not None:
        return
    from ganzoo.models.gan import GAN, METER_NAMES

    if type(gan).discriminator_regularizers is GAN.discriminator_regularizers and not (gan.r1_gamma or gan.r2_gamma):
        gan._regularizer_names = ()
        return
    if spec is None:
        raise ValueError(
            f"{type(gan).__name__} logs its regularizers, whose names are read from the data's shape: "
            f"fit it on arrays or a tf.data.Dataset"
        )
    images_spec, condition_spec = unpack_batch(spec)
    found = []

    def trace(real_images, condition):
        fake_images = gan.apply_generator(gan.sample_latent(tf.shape(real_images)[0]), condition, training=True)
        _, extras, _, _ = gan._discriminator_objective(real_images, fake_images, condition)
        found.extend(extras)
        return tf.constant(0)

    with gan.distribute_strategy.scope():
        # Traced, never run: no variable (seed, batch-norm statistics) moves.
        tf.function(trace).get_concrete_function(images_spec, condition_spec)
        own = ("d_loss", "g_loss", *METER_NAMES)
        clashes = sorted(set(found) & set(own))
        if clashes:
            raise ValueError(f"Regularizer names {clashes} clash with the GAN's own logs {list(own)}")
        trackers = dict(gan._trackers)
        # A tracker made by a train_step called by hand is replaced.
        new = {name: keras.metrics.Mean(name=name) for name in found}
        for name in new:
            trackers.pop(name, None)
    head = {name: trackers.pop(name) for name in ("d_loss", "g_loss")}
    gan._trackers = {**head, **new, **trackers}
    gan._regularizer_names = tuple(found)


def update_trackers(trackers, values):
    """Averages the scalars ``values`` over replicas into ``trackers`` (a
    dict by name); returns the logs, the trackers' running means."""
    unknown = sorted(set(values) - set(trackers))
    if unknown and tf.executing_eagerly() and distribute.num_replicas() == 1:
        trackers.update({name: keras.metrics.Mean(name=name) for name in unknown})  # train_step called by hand
    elif unknown:
        raise ValueError(f"No tracker for {unknown}: train with fit, which creates one per regularizer")
    names = [name for name in trackers if name in values]
    means = distribute.mean_over_replicas([tf.cast(values[name], tf.float32) for name in names])
    for name, value in zip(names, means):
        trackers[name].update_state(value)
    logs = {name: trackers[name].result() for name in names}
    if distribute.is_multi_worker():
        # Keras reduces logs over workers with strategy.reduce(MEAN, axis=0),
        # which fails on scalars (tensorflow#72388): (1,) vectors reduce.
        logs = {name: tf.reshape(value, (1,)) for name, value in logs.items()}
    return logs


def finalize_ema(gan):
    """What `keras.Model.fit` does for its one optimizer, for both nets: an
    optimizer built with ``use_ema=True`` replaces its net's weights by their
    exponential moving average at the end of ``fit``.

    The EMA generator of Yazıcı et al. 2019, "The Unusual Effectiveness of
    Averaging in GAN Training": θ_EMA ← m·θ_EMA + (1 − m)·θ after every G
    update, e.g. ``g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5,
    use_ema=True, ema_momentum=0.999)``.
    """
    for optimizer, net in ((gan.d_optimizer, gan.discriminator), (gan.g_optimizer, gan.generator)):
        # An optimizer that never stepped holds zeros as its averages.
        if getattr(optimizer, "use_ema", False) and int(optimizer.iterations.numpy()) > 0:
            optimizer.finalize_variable_values(net.trainable_variables)


def resolve_optimizers(gan, d_optimizer, g_optimizer):
    """The two optimizers ``compile`` sets: given ones (strings, configs or
    instances) or the variant's defaults; loss-scaled under ``mixed_float16``."""
    default_d, default_g = gan.default_optimizers()
    d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else default_d
    g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else default_g
    if d_optimizer is g_optimizer:
        raise ValueError("d_optimizer and g_optimizer must be two different optimizer objects")
    if gan.dtype_policy.name == "mixed_float16":
        return tuple(
            o if isinstance(o, keras.optimizers.LossScaleOptimizer) else keras.optimizers.LossScaleOptimizer(o)
            for o in (d_optimizer, g_optimizer)
        )
    return d_optimizer, g_optimizer


def refuse_compile_arguments(kwargs):
    """Raises for the `keras.Model.compile` arguments a GAN has no use for."""
    given = [name for name in _NO_COMPILE_ARGUMENTS if kwargs.get(name) is not None]
    if given:
        raise ValueError(
            f"GAN.compile takes no {', '.join(given)}: a GAN's losses are its hooks "
            f"(discriminator_loss/generator_loss, or e.g. VanillaGAN(loss='hinge')), its regularizers "
            f"are logged from discriminator_regularizers, and image metrics are callbacks "
            f"(ganzoo.callbacks.GeneratorMetrics(metrics=('is', 'fid'))). Pass d_optimizer and g_optimizer."
        )
