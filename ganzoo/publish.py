r"""Turn a training run into a zoo model: ``python -m ganzoo.publish``.

    python -m ganzoo.train --output_dir=runs/default
    python -m ganzoo.publish --run_dir=runs/default --name=fashion_mnist_vanilla

exports the run's generator as a SavedModel and copies its sample grid into
``saved_models/<name>/``, scores it with the command that the card names
(``python -m ganzoo.evaluate`` with the shipped Fashion-MNIST classifier for
Fashion-MNIST; PacGAN mode coverage for the 2-D mixtures), and writes
``model_card.json`` with the sha256 of every file. It also saves the whole GAN
as ``gan.keras`` (generator, discriminator and config; no optimizer state),
which `ganzoo.zoo.load_gan` loads for fine-tuning. Published into the shipped
zoo (no ``$GANZOO_ZOO_DIR``), it re-pins every file in the registry inside the
package (`ganzoo.registry`); ``--registry`` alone does only that.

    python -m ganzoo.publish --archive --name=fashion_mnist_vanilla

writes ``fashion_mnist_vanilla.tar.gz`` (into ``--archive_dir``) and prints
its sha256, for ``ganzoo.zoo.load(url, sha256=...)`` or a user registry.
``--readme`` rewrites the zoo table of README.md from the cards.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys

from absl import app, flags

FLAGS = flags.FLAGS
# Every zoo model directory stays under this size (generator, gan.keras, card, picture).
MAX_MODEL_BYTES = 15_000_000


def define_flags():
    """Defined only when run as a program, so that ``import ganzoo.train,
    ganzoo.publish`` in one process never defines a flag twice."""
    flags.DEFINE_string("run_dir", None, "Output directory of python -m ganzoo.train.")
    flags.DEFINE_string("name", None, "Zoo name, e.g. fashion_mnist_vanilla.")
    flags.DEFINE_integer("num_samples", 10_000, "Samples scored for the card.")
    flags.DEFINE_bool("readme", False, "Rewrite README.md's zoo table from the cards.")
    flags.DEFINE_bool("registry", False, "Re-pin every shipped model in ganzoo/registry.json.")
    flags.DEFINE_bool("archive", False, "Write <name>.tar.gz of the zoo model --name and print its sha256.")
    flags.DEFINE_string("archive_dir", ".", "Directory for the --archive file.")

README_START, README_END = "<!-- zoo-table:start -->", "<!-- zoo-table:end -->"


def _describe(run_dir):
    """Variant, architecture, sizes and training facts of a run."""
    from ganzoo.saving import load_keras

    gan = load_keras(os.path.join(run_dir, "model.keras"), compile=False)
    with open(os.path.join(run_dir, "metrics.json")) as f:
        run = json.load(f)
    flags_used = run["flags"]
    layers = lambda net: [layer.__class__.__name__ for layer in net.layers]  # noqa: E731
    return gan, {
        "variant": gan.__class__.__name__,
        "model_config": {
            k: v for k, v in gan.get_config().items() if k not in ("generator", "discriminator", "dtype", "trainable")
        },
        "dataset": flags_used.get("dataset", "fashion_mnist"),
        "architecture": {"generator": layers(gan.generator), "discriminator": layers(gan.discriminator)},
        "latent_dim": gan.latent_dim,
        "image_shape": list(gan.image_shape),
        "parameters": {
            "generator": int(gan.generator.count_params()),
            "discriminator": int(gan.discriminator.count_params()),
        },
        "training": {
            "command": portable_command(run["command"]),
            "steps": run["steps"],
            "batch_size": flags_used.get("batch_size", 128),
            "seed": flags_used.get("seed", 0),
            "wall_time_s": run["wall_time_s"],
            "machine": run["machine"],
            "final_logs": run["final"],
        },
    }


def portable_command(command):
    """``command`` with each absolute path flag value (``--output_dir=/home/…/x``)
    replaced by ``runs/x``: a card names no path of the machine that trained it."""
    words = []
    for word in shlex.split(command):
        flag, equals, value = word.partition("=")
        if equals and flag.startswith("--") and os.path.isabs(value):
            word = f"{flag}=runs/{os.path.basename(os.path.normpath(value))}"
        words.append(word)
    return shlex.join(words)


def _run_evaluate(directory, extra_flags):
    """Runs ``python -m ganzoo.evaluate`` on the published model by its zoo
    name, as the card will name it; returns (command, result)."""
    output = os.path.join(os.path.dirname(os.path.abspath(directory)), f".{os.path.basename(directory)}-eval.json")
    command = ["python", "-m", "ganzoo.evaluate", f"--model={os.path.basename(directory)}", *extra_flags, "--seed=0"]
    subprocess.run([sys.executable, *command[1:], f"--output={output}"], check=True)
    with open(output) as f:
        result = json.load(f)
    os.remove(output)
    return " ".join(command), result


def _score_images(directory, num_samples):
    """IS, FID and KID with the shipped classifier, beside the real data's."""
    command, result = _run_evaluate(
        directory, ["--metrics=is,fid,kid", "--classifier=fashion_mnist", f"--num_samples={num_samples}"]
    )
    from ganzoo.metrics import SHIPPED_CLASSIFIER

    with open(os.path.join(SHIPPED_CLASSIFIER, "model_card.json")) as f:
        classifier_card = json.load(f)
    metrics = {
        key: result[key] for key in ("inception_score", "inception_score_std", "fid", "kid", "kid_std") if key in result
    }
    metrics["real_data"] = {
        "inception_score_test_set": classifier_card["inception_score_test"]["mean"],
        "fid_train_vs_test": classifier_card["fid_train_vs_test"],
        "kid_train_vs_test": classifier_card["kid_train_vs_test"]["mean"],
    }
    metrics["inception_score_fraction_of_real"] = (
        metrics["inception_score"] / metrics["real_data"]["inception_score_test_set"]
    )
    metrics["classifier"] = "saved_models/fashion_mnist_classifier"
    metrics["num_samples"] = num_samples
    return command, metrics


def _score_points(directory, dataset):
    """PacGAN mode coverage of 2500 samples."""
    from ganzoo.callbacks.mode_coverage import PACGAN_NUM_SAMPLES

    command, result = _run_evaluate(
        directory, ["--metrics=modes", f"--real_dataset={dataset}", f"--num_samples={PACGAN_NUM_SAMPLES}"]
    )
    metrics = {key: result[key] for key in ("modes", "high_quality", "reverse_kl")}
    metrics["num_samples"] = PACGAN_NUM_SAMPLES
    return command, metrics


def _write_scatter(gan, dataset, path):
    """The 2500 scored samples in white, the mixture's modes in red."""
    from ganzoo.data import MIXTURES
    from ganzoo.utils.image_grid import scatter_image, write_png

    write_png(path, scatter_image(gan.generate(2500, seed=0), reference=MIXTURES[dataset].centers))


def publish(run_dir, name, num_samples):
    from ganzoo import cards, zoo

    if not name or os.sep in name or name.startswith("."):
        raise ValueError(f"--name must be a plain zoo name such as fashion_mnist_vanilla; got {name!r}")
    gan, card = _describe(run_dir)
    directory = os.path.join(zoo.zoo_dir(), name)
    if os.path.exists(directory):
        shutil.rmtree(directory)
    os.makedirs(directory)
    # Exported afresh from the run's model.keras rather than copied from the
    # run, so the zoo always carries what the current export code writes (two
    # early models had a uint8 endpoint that returned float32).
    from ganzoo.export import export_generator

    export_generator(gan, os.path.join(directory, "generator"))
    # The whole GAN for fine-tuning (zoo.load_gan): it was loaded without
    # compiling, so the file holds weights and config, no optimizer slots.
    gan.save(os.path.join(directory, zoo.GAN_FILE))
    if len(gan.image_shape) == 3:
        shutil.copy(os.path.join(run_dir, "samples.png"), os.path.join(directory, "samples.png"))
    else:
        _write_scatter(gan, card["dataset"], os.path.join(directory, "samples.png"))
    card = {"name": name, **card}
    cards.write_card(directory, card)  # files pinned before the evaluation loads them by name
    _pin_if_shipped()
    if len(gan.image_shape) == 3:
        command, metrics = _score_images(directory, num_samples)
    else:
        command, metrics = _score_points(directory, card["dataset"])
    card = cards.write_card(directory, {**card, "evaluation": {"command": command, "metrics": metrics}})
    _pin_if_shipped()
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(directory) for f in fs)
    if size > MAX_MODEL_BYTES:
        raise ValueError(f"{directory} holds {size} bytes; a zoo model stays under {MAX_MODEL_BYTES}")
    print(json.dumps(card["evaluation"], indent=2))
    return card


def _pin_if_shipped():
    """Re-pins the registry when publishing into the shipped zoo."""
    from ganzoo import registry, zoo

    if not os.environ.get(zoo.ENV_VAR):
        registry.write_registry()


def write_archive(name, archive_dir="."):
    """Verifies the zoo model ``name``, writes ``<archive_dir>/<name>.tar.gz``
    and returns ``(path, sha256)``."""
    from ganzoo import remote, zoo

    with zoo.open_model(name) as (directory, _):
        path = os.path.join(archive_dir, f"{name}.tar.gz")
        return path, remote.write_archive(directory, path)


def zoo_table():
    """Markdown table of the zoo from the cards."""
    from ganzoo import cards, zoo

    rows = ["| model | samples | variant | steps | IS (real test set) | FID | modes / % HQ |", "|---|---|---|---|---|---|---|"]
    for name in zoo.list_models(registry_file={}):  # local models only
        card = cards.read_card(zoo.resolve(name))
        m = card["evaluation"]["metrics"]
        picture = f"![{name}](saved_models/{name}/samples.png)"
        if "inception_score" in m:
            score = f"{m['inception_score']:.2f} ± {m['inception_score_std']:.2f} ({m['real_data']['inception_score_test_set']:.2f})"
            fid, modes = f"{m['fid']:.2f}", "—"
        else:
            score, fid = "—", "—"
            modes = f"{m['modes']} / {m['high_quality']:.1f} %"
        rows.append(f"| `{name}` | {picture} | {card['variant']} | {card['training']['steps']} | {score} | {fid} | {modes} |")
    return "\n".join(rows)


def write_readme_table(readme="README.md"):
    with open(readme) as f:
        text = f.read()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    with open(readme, "w") as f:
        f.write(text[:start] + "\n" + zoo_table() + "\n" + text[end:])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if FLAGS.run_dir:
        if not FLAGS.name:
            raise app.UsageError("--name is required with --run_dir")
        publish(FLAGS.run_dir, FLAGS.name, FLAGS.num_samples)
    if FLAGS.registry:
        from ganzoo import registry

        registry.write_registry()
    if FLAGS.archive:
        if not FLAGS.name:
            raise app.UsageError("--name is required with --archive")
        path, sha256 = write_archive(FLAGS.name, FLAGS.archive_dir)
        print(f"{path}\nsha256={sha256}")
    if FLAGS.readme:
        write_readme_table()


if __name__ == "__main__":
    define_flags()
    app.run(main)
