"""Scale out and speed up: `tf.distribute` strategies and mixed precision.

`python -m ganzoo.train --strategy=... --mixed_precision` calls the two
functions below, then builds and compiles the GAN inside ``strategy.scope()``.
Every GAN variant trains unchanged under any of them; see the "Distribution"
notes of `ganzoo.models.gan` for what is global and what is per replica.

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
    keras.mixed_precision.set_global_policy(policy)
    return policy
