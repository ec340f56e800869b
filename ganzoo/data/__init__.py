"""Training data: tfds image datasets, offline Fashion-MNIST, 2-D mixtures."""

from ganzoo.data.datasets import available, load, load_raw, to_model_range, to_uint8
from ganzoo.data.datasets import load_examples, num_classes, resumable_batches
from ganzoo.data.mixtures import MIXTURES, GaussianMixture
from ganzoo.data.checks import check_batch, check_examples
