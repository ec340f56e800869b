r"""What the fused batch-norm kernel buys the default DCGAN step (issue 22).

    python benchmarks/fused_batch_norm.py --rounds=7 --seconds=10 --batch_size=64
    TF_ENABLE_ONEDNN_OPTS=1 python benchmarks/fused_batch_norm.py --rounds=7 --seconds=10 --batch_size=64

`benchmarks/step_profile.md` found that Keras 3's `BatchNormalization`, built
from separate moments and normalisation ops, takes 4× the op time of torch's
one batch-norm kernel. ganzoo's DCGAN nets now use
`ganzoo.layers.FusedBatchNormalization` (TensorFlow's FusedBatchNormV3 kernel,
the same function). This runs the default VanillaGAN step twice, on the same
weights and in-memory batches: as built, and with every batch norm of G and D
replaced by Keras' own layer. Interleaved
rounds; the ratio is the median over rounds of fused img/s over Keras img/s,
by wall clock and by this process's CPU time. Prints; writes nothing.
"""

import os
import sys

from absl import app

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def with_keras_batch_norm(model):
    """A copy of functional ``model`` with Keras' BatchNormalization for each fused one, same weights."""
    import keras

    from ganzoo.layers import FusedBatchNormalization

    def clone(layer):
        if isinstance(layer, FusedBatchNormalization):
            return keras.layers.BatchNormalization.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Its --batch_size, --rounds and --seconds flags, runners and timing loop.
    from train_throughput import FLAGS, Run, _fit_runner, _images, _in_memory, measure

    import ganzoo
    from throughput_report import _median, _paired

    data = _in_memory(_images(), FLAGS.batch_size)
    nets = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
    runs = []
    for name, convert in (("keras", with_keras_batch_norm), ("fused", lambda net: net)):
        generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
        for net, source in zip((generator, discriminator), nets):
            net.set_weights(source.get_weights())
        gan = ganzoo.VanillaGAN(
            generator=convert(generator), discriminator=convert(discriminator), latent_dim=128, seed=0
        )
        gan.compile()
        runs.append(Run((name, "vanilla", "fp32"), _fit_runner(gan, data)))
    measure(runs, FLAGS.rounds, FLAGS.seconds, FLAGS.batch_size)
    keras_bn, fused = runs
    for run in runs:
        print(f"{run.key[0]} img/s by round: " + ", ".join(f"{x:.0f}" for x in run.img_s))
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset")
    print(f"batch {FLAGS.batch_size}, TF_ENABLE_ONEDNN_OPTS={onednn}: Keras batch norm "
          f"{_median(keras_bn.img_s):.0f} img/s, fused {_median(fused.img_s):.0f} img/s; fused / Keras = "
          f"{_paired(fused, keras_bn):.3f} (wall), {_paired(fused, keras_bn, cpu=True):.3f} (CPU time), "
          f"over {FLAGS.rounds} rounds")


if __name__ == "__main__":
    # Imported here, not at the top, so that a test can import this module beside
    # ganzoo.train without train_throughput's flags colliding with its --batch_size.
    import train_throughput  # noqa: F401  (defines the flags before app.run parses them)

    app.run(main)
