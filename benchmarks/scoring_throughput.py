r"""Images/s of scoring: batched `ganzoo.metrics.classify` vs one image at a time.

    python benchmarks/scoring_throughput.py
    python benchmarks/scoring_throughput.py --classifier=fashion_mnist --num_images=10000 --batch_size=500

Scores real Fashion-MNIST test images with the classifier (default: the
shipped one; pass a hub URL or SavedModel directory for Inception) twice: in
batches of ``--batch_size``, and in a Python loop of single-image calls, the
way naive evaluation code does it. Prints both throughputs and their ratio.
A warm-up call of each kind comes first, so tracing is not timed.
"""

import time

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("classifier", "fashion_mnist", "Classifier handle (see ganzoo.metrics.load_classifier).")
flags.DEFINE_integer("num_images", 5000, "Images scored in batches.")
flags.DEFINE_integer("num_single", 300, "Images scored one at a time (the slow loop).")
flags.DEFINE_integer("batch_size", 500, "Batch size of the batched run.")


def main(argv):
    del argv
    from ganzoo import data, metrics

    batches = data.load("fashion_mnist", split="test", batch_size=500, shuffle=False)
    images = np.concatenate([b.numpy() for b in batches])[: FLAGS.num_images]
    classifier = metrics.load_classifier(FLAGS.classifier)

    metrics.classify(images[: FLAGS.batch_size], classifier, FLAGS.batch_size)  # warm-up
    start = time.perf_counter()
    metrics.classify(images, classifier, FLAGS.batch_size)
    batched = len(images) / (time.perf_counter() - start)

    single = images[: FLAGS.num_single]
    classifier(single[:1])  # warm-up
    start = time.perf_counter()
    for i in range(len(single)):
        classifier(single[i : i + 1])
    one_at_a_time = len(single) / (time.perf_counter() - start)

    print(f"classifier: {classifier.name}")
    print(f"{'mode':<22}{'images':>8}{'images/s':>12}")
    print(f"{'batched (' + str(FLAGS.batch_size) + ')':<22}{len(images):>8}{batched:>12.0f}")
    print(f"{'one at a time':<22}{len(single):>8}{one_at_a_time:>12.0f}")
    print(f"speed-up: {batched / one_at_a_time:.1f}x")


if __name__ == "__main__":
    app.run(main)
