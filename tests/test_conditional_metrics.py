"""`ganzoo.conditional_metrics`: label accuracy and intra-class FID."""

import numpy as np
import pytest

import ganzoo
from ganzoo import conditional_metrics as cm
from helpers import random_images, tiny_classifier, tiny_conditional_gan


def test_label_accuracy_from_logits_golden_values():
    logits = np.array([[3.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 5.0]])
    accuracy, per_class = cm.label_accuracy_from_logits(logits, np.array([0, 1, 1, 1]))
    assert accuracy == 0.75 and per_class == {0: 1.0, 1: pytest.approx(2 / 3)}
    with pytest.raises(ValueError, match=r"Expected logits \(N, classes\) and labels \(N,\)"):
        cm.label_accuracy_from_logits(logits, np.array([0, 1]))


def test_label_accuracy_of_a_sampler_whose_images_the_classifier_reads_exactly():
    """A fake sampler writes the label into the image and a classifier reads
    it back: label accuracy 1; shifting the labels by one gives 0."""
    import keras

    images = keras.Input((2, 2, 1))
    logits = keras.layers.Lambda(lambda x: keras.ops.one_hot(keras.ops.cast(x[:, 0, 0, 0] * 10, "int32"), 3) * 10)(images)
    classifier = keras.Model(images, logits)

    def sample(num, seed, labels, shift=0):
        return np.broadcast_to(((np.asarray(labels) + shift) % 3 / 10.0)[:, None, None, None], (num, 2, 2, 1)).astype("float32")

    assert cm.label_accuracy(sample, 3, num_per_class=4, classifier=classifier)[0] == 1.0
    assert cm.label_accuracy(lambda n, s, l: sample(n, s, l, 1), 3, num_per_class=4, classifier=classifier)[0] == 0.0


def test_intra_class_fid_is_zero_for_the_real_images_themselves_and_positive_otherwise():
    classifier = tiny_classifier()
    real = random_images(40)
    labels = np.repeat([0, 1], 20)
    same = {0: real[:20], 1: real[20:]}
    fid, per_class = cm.intra_class_fid(same, real, labels, classifier=classifier)
    assert fid == pytest.approx(0.0, abs=1e-6) and set(per_class) == {0, 1}
    swapped = {0: real[20:], 1: real[:20]}
    assert cm.intra_class_fid(swapped, real, labels, classifier=classifier)[0] > 1e-4
    with pytest.raises(ValueError, match="Class 2 has 0 real images"):
        cm.intra_class_fid({2: real[:5]}, real, labels, classifier=classifier)


def test_keras_and_saved_model_samplers_agree(tmp_path):
    gan = tiny_conditional_gan()
    gan.save(tmp_path / "gan.keras")
    ganzoo.export.export_generator(gan, str(tmp_path / "generator"))
    from_keras, num_classes = cm.load_conditional_sampler(str(tmp_path / "gan.keras"))
    from_saved_model, from_export = cm.load_conditional_sampler(str(tmp_path / "generator"))
    assert num_classes == from_export == 4
    labels = np.array([0, 3, 2], "int32")
    np.testing.assert_array_equal(from_keras(3, 5, labels), from_saved_model(3, 5, labels))
    plain_g, plain_d = ganzoo.VanillaGAN.build_networks((2,), 2)
    ganzoo.VanillaGAN(generator=plain_g, discriminator=plain_d, latent_dim=2).save(tmp_path / "plain.keras")
    with pytest.raises(ValueError, match="not a class-conditional GAN"):
        cm.load_conditional_sampler(str(tmp_path / "plain.keras"))


def test_a_zoo_name_is_loaded_from_the_zoo_never_from_the_current_directory(tmp_path, monkeypatch):
    from helpers import tiny_zoo_model

    from ganzoo import cards, zoo

    zoo_root, elsewhere = tmp_path / "zoo", tmp_path / "cwd"
    shipped = tiny_conditional_gan(seed=0)
    ganzoo.export.export_generator(shipped, str(zoo_root / "tiny_conditional" / "generator"))
    cards.write_card(str(zoo_root / "tiny_conditional"), {"name": "tiny_conditional", "latent_dim": 8})
    tiny_zoo_model(zoo_root / "tiny_plain")
    # A folder of the same name in the current directory holds another generator.
    ganzoo.export.export_generator(tiny_conditional_gan(seed=1), str(elsewhere / "tiny_conditional"))
    monkeypatch.setenv(zoo.ENV_VAR, str(zoo_root))
    monkeypatch.chdir(elsewhere)

    sample, num_classes = cm.load_conditional_sampler("tiny_conditional")
    labels = np.array([0, 3, 1], "int32")
    assert num_classes == 4
    np.testing.assert_allclose(sample(3, 2, labels), shipped.generate(3, seed=2, labels=labels), atol=1e-5)
    with pytest.raises(ValueError, match="'tiny_plain' takes no labels"):
        cm.load_conditional_sampler("tiny_plain")
    with pytest.raises(ValueError, match=r"'nope' is neither a zoo model \(available: \['tiny_conditional'"):
        cm.load_conditional_sampler("nope")
