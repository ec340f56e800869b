r"""Sample a picture from a pretrained or exported generator.

    python -m ganzoo.sample --model=fashion_mnist_vanilla --num=64 --seed=0 --out=grid.png

``--model`` is a zoo name (`ganzoo.zoo.list_models()`), a zoo-style directory
with a model card, a generator SavedModel directory, or a ``.keras`` GAN.
"""

import os

from absl import app, flags

FLAGS = flags.FLAGS


def define_flags():
    """Defined only when run as a program, so that importing this module
    never clashes with another CLI's flags."""
    flags.DEFINE_string("model", None, "Zoo name, model directory, generator SavedModel or .keras file.")
    flags.DEFINE_integer("num", 64, "Number of samples.")
    flags.DEFINE_integer("seed", 0, "Seed of z; the same seed gives the same picture.")
    flags.DEFINE_string("out", "grid.png", "PNG file to write.")


def load_sampler(model):
    """Returns a function ``(num, seed) -> float32 samples in [-1, 1]``."""
    from ganzoo import saving, zoo

    if model.endswith(".keras"):
        return saving.load_keras(model).generate  # safe mode, integrity checked
    if os.path.isdir(model) and os.path.exists(os.path.join(model, "saved_model.pb")):
        saved_model = saving.load_saved_model(model)
        return lambda num, seed: saved_model.sample(num=num, seed=seed)["images"].numpy()
    return zoo.load(model).sample


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not FLAGS.model:
        from ganzoo import zoo

        raise app.UsageError(f"--model is required; zoo models: {zoo.list_models()}")
    from ganzoo import command_checks
    from ganzoo.utils.image_grid import samples_picture, write_png

    command_checks.check_sample_flags(FLAGS)  # before the model is loaded

    samples = load_sampler(FLAGS.model)(FLAGS.num, FLAGS.seed)
    write_png(FLAGS.out, samples_picture(samples))
    print(f"Wrote {FLAGS.num} samples to {FLAGS.out}")


if __name__ == "__main__":
    from ganzoo import cli

    define_flags()
    cli.run(main, expected=(cli.FlagError,))
