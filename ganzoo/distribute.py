"""Scale out and speed up: `tf.distribute` strategies and mixed precision.

`python -m ganzoo.train --strategy=... --mixed_precision` calls
`get_strategy` and `set_mixed_precision`, then builds and compiles the GAN
inside ``strategy.scope()``. Every GAN variant trains unchanged under any of
them. The second half of this module is the per-replica plumbing the GAN's
training step uses; what it makes global and what stays per replica:

* Losses are means over the replica's batch divided by the number of
  replicas (`num_replicas`), so that summing gradients over replicas (what
  Keras optimizers do) gives the gradient of the mean over the **global**
  batch.
* Each replica draws its own random values (`replica_rows`): one seed per
  draw, the values of the whole global batch, the replica's rows kept. One
  step on N replicas therefore sees exactly what one device sees for the same
  global batch. The SeedGenerator state is a per-replica variable advanced
  by the same constant on every replica, so its copies never diverge.
* Per-example terms (gradient penalties, R1) need nothing: their mean over
  replicas is the global-batch mean. Batch-coupled layers (batch norm,
  minibatch discrimination) use the replica's batch unless they synchronise
  themselves (``normalization="sync_batch"``). Batch means inside a
  nonlinearity (feature matching) are global with `cross_replica_mean`.
* Logged values are averaged over replicas inside the step
  (`mean_over_replicas`), so every replica reports the global mean;
  ``d_grad_norm``/``g_grad_norm`` are the mean over replicas of each
  replica's gradient norm.

Example:

```python
ganzoo.distribute.set_mixed_precision(True)      # before building the nets
strategy = ganzoo.distribute.get_strategy("mirrored")
with strategy.scope():
    g, d = ganzoo.VanillaGAN.build_networks((28, 28, 1), latent_dim=128)
    gan = ganzoo.VanillaGAN(generator=g, discriminator=d, latent_dim=128)
    gan.compile()
gan.fit(ganzoo.data.load("fashion_mnist", batch_size=256), epochs=1)
```

The batch size given to the data is the **global** batch; each of the N
replicas trains on 1/N of it.
"""

import os
import warnings

import keras
import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def get_strategy(name, tpu=None):
    """The `tf.distribute.Strategy` called ``name``.

    Args:
        name: one of
            * "default": no distribution (the current default strategy);
            * "mirrored": `MirroredStrategy` over all local GPUs (the CPU
              when there is none);
            * "multi_worker": `MultiWorkerMirroredStrategy`; the cluster and
              this worker's role come from the ``TF_CONFIG`` environment
              variable. Create it at the start of the program, before any
              other TensorFlow op;
            * "tpu": `TPUStrategy` on the TPU found by `TPUClusterResolver`
              (a Cloud TPU VM, or the ``TPU_NAME`` environment variable).
        tpu: for "tpu", the TPU's name or grpc address ("local" on a TPU VM);
            None lets the resolver find it.

    Raises:
        ValueError: for an unknown ``name``.
        RuntimeError: for "tpu" when no TPU can be reached.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        return _tpu_strategy(tpu)
    raise ValueError(f"Unknown strategy {name!r}; available: {list(STRATEGIES)}")


def is_chief(strategy):
    """Whether this process writes the run's outputs.

    True on one machine and under Mirrored or TPU strategies; under
    `MultiWorkerMirroredStrategy` only on the chief (the "chief" task, or
    worker 0 when the cluster has none).
    """
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def worker_output_dir(strategy, output_dir):
    """The directory this process writes to: ``output_dir`` on the chief.

    Every worker of a `MultiWorkerMirroredStrategy` must take part in saving
    (saving reads variables collectively), but only the chief's files are the
    run's. The others write to ``<output_dir>/workertemp_<task id>``, a fixed
    path so that a restarted worker finds its own backup, which the caller
    removes once the run is over (the pattern of Keras' BackupAndRestore).
    """
    if is_chief(strategy):
        return output_dir
    task_id = strategy.cluster_resolver.task_id
    return os.path.join(output_dir, f"workertemp_{task_id}")


def _tpu_strategy(tpu):
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError) as error:
        raise RuntimeError(
            f"No TPU available for --strategy=tpu (tpu={tpu!r}): "
            f"{str(error).splitlines()[0]} Run on a Cloud TPU VM, set $TPU_NAME, or "
            f"pick another strategy from {list(STRATEGIES)}."
        ) from error
    return tf.distribute.TPUStrategy(resolver)


def set_mixed_precision(enabled):
    """Sets Keras' global dtype policy; returns its name.

    Args:
        enabled: False gives "float32". True gives "mixed_float16" when a GPU
            is visible (tensor cores; ``GAN.compile`` then adds loss scaling)
            and "mixed_bfloat16" otherwise (CPUs with AVX512-BF16/AMX, TPUs),
            which needs no loss scaling.

    Call it before building the nets: layers take the policy when created.
    Variables stay float32; the nets' output layers (logits, images) and all
    losses and logged values are float32.
    """
    if not isinstance(enabled, bool):
        raise ValueError(f"enabled must be True or False; got {enabled!r}")
    if not enabled:
        policy = "float32"
    elif tf.config.list_physical_devices("GPU"):
        policy = "mixed_float16"
    else:
        policy = "mixed_bfloat16"
        if not cpu_has_bfloat16() and not tf.config.list_physical_devices("TPU"):
            warnings.warn(
                "mixed_bfloat16 on a CPU without AVX512-BF16 or AMX: oneDNN emulates bfloat16 and the DCGAN "
                "step ran 0.12x as fast as float32 on an AVX2-only AMD EPYC (benchmarks/train_throughput.py "
                "--precisions=fp32,bf16). Leave mixed precision off on this machine.",
                stacklevel=2,
            )
    keras.mixed_precision.set_global_policy(policy)
    return policy


def cpu_has_bfloat16(cpuinfo="/proc/cpuinfo"):
    """Whether the CPU has bfloat16 instructions (avx512_bf16 or amx_bf16 in
    ``cpuinfo``'s flags); True where that file cannot be read (not Linux)."""
    try:
        with open(cpuinfo) as f:
            flags = next((line.split() for line in f if line.startswith("flags")), None)
    except OSError:
        return True
    return flags is None or bool({"avx512_bf16", "amx_bf16"} & set(flags))


# ------------------------------------------------------ per-replica plumbing
def num_replicas():
    """Replicas training in sync (1 outside a replica context)."""
    if tf.distribute.in_cross_replica_context():
        return 1
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """This replica's index in its sync group, an int32 scalar (0 on one device)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def is_multi_worker():
    """Whether the current strategy spans several workers."""
    strategy = tf.distribute.get_strategy()
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    # Workers and chief of the cluster (one process per task).
    spec = strategy.cluster_resolver.cluster_spec().as_dict()
    return len(spec.get("worker", ())) + len(spec.get("chief", ())) > 1


def cross_replica_mean(value):
    """The mean of ``value`` over all replicas (identity on one replica).

    Differentiable: under N replicas, a loss built from it and divided by N
    (as the GAN step does) yields gradients that sum over replicas to the
    gradient of the same loss computed on the global batch. Use it for batch
    means that enter a nonlinearity, e.g. the feature means of feature
    matching; per-example terms need nothing.
    """
    if num_replicas() == 1:
        return value
    return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.MEAN, value)


def mean_over_replicas(scalars):
    """A list of float32 scalars averaged over replicas in one all-reduce."""
    if num_replicas() == 1 or not scalars:
        return scalars
    mean = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.MEAN, tf.stack(scalars))
    return tf.unstack(mean)


def replica_rows(sampler, batch_size, shape, seed):
    """``sampler((batch_size, *shape), seed=seed)`` for this replica's rows.

    Draws the values of the global batch (batch_size × replicas rows) from
    one stateless ``seed`` and keeps rows [r·batch_size, (r+1)·batch_size) on
    replica r, so N replicas see exactly what one device sees. Needs equal
    per-replica batches (``drop_remainder``).
    """
    replicas = num_replicas()
    if replicas == 1:
        return sampler((batch_size, *shape), seed=seed)
    values = sampler((batch_size * replicas, *shape), seed=seed)
    begin = [replica_id() * batch_size] + [0] * len(shape)
    return tf.slice(values, begin, [batch_size, *shape])


def gradient_norm(optimizer, gradients):
    """The global norm of the unscaled gradients, × replicas (each replica
    holds gradients of its loss divided by the replica count)."""
    norm = tf.linalg.global_norm([g for g in gradients if g is not None])
    # A LossScaleOptimizer sees scaled gradients; report the true norm.
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        norm = norm / tf.cast(optimizer.dynamic_scale, norm.dtype)
    return norm * tf.cast(num_replicas(), norm.dtype)


def agree_on_finiteness(optimizer, gradients):
    """Under loss scaling on several replicas, makes every replica see
    non-finite gradients when any replica has them.

    Keras' LossScaleOptimizer decides to skip a step from the *first*
    replica's local gradients, then applies the all-reduced ones: an overflow
    on another replica would reach the weights. One scalar all-reduce fixes it.
    """
    if num_replicas() == 1 or not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return gradients
    local_bad = tf.cast(tf.logical_not(optimizer.check_finite(gradients)), tf.float32)
    any_bad = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, local_bad) > 0
    return [None if g is None else tf.where(any_bad, tf.constant(float("nan"), g.dtype), g) for g in gradients]
