r"""What one D call per step could save: the upper bound of the
split-batch-norm lever of issue 22.

    python benchmarks/one_d_call.py --rounds=7 --seconds=10 --batch_size=64

`GAN.discriminate` calls a batch-norm D once per half (reals, then fakes) so
that each half is normalised by its own statistics (`merged_batch_norm.py`
shows why). A split-batch-norm layer would let D run once on the merged 2B
batch while keeping per-half statistics. Before building it, this measures
what it could buy at most: the default VanillaGAN step against the same step
with D called once on the merged batch in D's update (plain batch norm, the
statistics mixed: wrong for training, but the same convolutions the lever
would run) and on the fakes alone in G's update, as now. A split layer would
add its reshapes and per-half moments to the merged step, so the measured
gain bounds the lever's from above.

Interleaved rounds on the same in-memory batches and weights; the ratio is
the median over rounds of per-half img/s over merged img/s (by wall clock and
by this process's CPU time). Prints; writes nothing.

Measured on 2 shared cores of an AMD EPYC with AVX2 (TensorFlow 2.21, fp32,
7 rounds of 5 s; another training job shared the CPU): one call / per half =
0.968 by wall clock and 0.986 by CPU time at batch 64, 0.949 and 0.985 at
batch 128. Merging the halves does not speed up this D on a CPU, so the
split-batch-norm layer, which could only be slower than the merged call, was
not built.
"""

import os
import sys

from absl import app

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Its --batch_size, --rounds and --seconds flags, runners and timing loop.
from train_throughput import FLAGS, Run, _fit_runner, _images, _in_memory, measure  # noqa: E402


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import ganzoo
    from throughput_report import _median, _paired

    class OneCallUpperBound(ganzoo.VanillaGAN):
        """D once on the merged batch in D's update; G's update scores fakes alone."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.discriminator_sees_halves = False

        @property
        def fakes_need_reals(self):
            return False

    data = _in_memory(_images(), FLAGS.batch_size)
    nets = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
    runs = []
    for name, cls in (("per_half", ganzoo.VanillaGAN), ("one_call", OneCallUpperBound)):
        generator, discriminator = ganzoo.VanillaGAN.build_networks((28, 28, 1), 128)
        for net, source in zip((generator, discriminator), nets):
            net.set_weights(source.get_weights())
        gan = cls(generator=generator, discriminator=discriminator, latent_dim=128, seed=0)
        gan.compile()
        runs.append(Run((name, "vanilla", "fp32"), _fit_runner(gan, data)))
    measure(runs, FLAGS.rounds, FLAGS.seconds, FLAGS.batch_size)
    per_half, one_call = runs
    print(f"batch {FLAGS.batch_size}: per-half {_median(per_half.img_s):.0f} img/s, one call "
          f"{_median(one_call.img_s):.0f} img/s; one call / per half = {_paired(one_call, per_half):.3f} "
          f"(wall), {_paired(one_call, per_half, cpu=True):.3f} (CPU time), over {FLAGS.rounds} rounds")


if __name__ == "__main__":
    app.run(main)
