import keras
import numpy as np
import pytest

from ganzoo import architectures


@pytest.mark.parametrize("shape", [(28, 28, 1), (28, 28, 3), (32, 32, 3), (64, 64, 3)])
def test_dcgan_nets_fit_every_supported_shape(shape):
    generator = architectures.dcgan_generator(shape, latent_dim=16, base_filters=8)
    discriminator = architectures.dcgan_discriminator(shape, base_filters=8)
    images = generator(np.zeros((2, 16), "float32"))
    assert tuple(images.shape) == (2, *shape)
    assert tuple(discriminator(images).shape) == (2, 1)
    assert discriminator.get_layer(architectures.FEATURES_LAYER) is not None


def test_batch_norm_switch_and_normalization_choices():
    def norm_layers(model):
        return [type(l).__name__ for l in model.layers if "Normalization" in type(l).__name__]

    assert norm_layers(architectures.dcgan_generator()) == ["FusedBatchNormalization"] * 2
    assert norm_layers(architectures.dcgan_generator(batch_norm=False)) == []
    assert norm_layers(architectures.dcgan_discriminator(normalization="layer")) == ["LayerNormalization"]
    assert norm_layers(architectures.dcgan_discriminator(normalization=None)) == []
    # The first D layer never has normalization (DCGAN's rule).
    assert norm_layers(architectures.dcgan_discriminator()) == ["FusedBatchNormalization"]
    sync = architectures.dcgan_discriminator(normalization="sync_batch")
    assert any(getattr(l, "synchronized", False) for l in sync.layers)
    assert architectures.uses_batch_statistics(sync)
    assert not architectures.uses_batch_statistics(architectures.dcgan_discriminator(normalization="layer"))


def test_generator_outputs_are_in_range_and_float32():
    generator = architectures.dcgan_generator(latent_dim=8, base_filters=8)
    images = generator(np.random.default_rng(0).normal(size=(4, 8)).astype("float32") * 100)
    assert images.dtype == "float32"
    assert float(keras.ops.max(keras.ops.abs(images))) <= 1.0


@pytest.mark.parametrize("shape", [(30, 30, 1), (28, 32, 1), (28, 28, 2), (28, 28)])
def test_unsupported_shapes_are_refused_with_the_shape(shape):
    with pytest.raises(ValueError, match=r"\(28, 28, 1\)|side|height"):
        architectures.dcgan_generator(shape)


def test_unknown_normalization_is_refused():
    with pytest.raises(ValueError, match="Unknown normalization 'group'"):
        architectures.dcgan_discriminator(normalization="group")


def test_mlp_nets_for_points():
    generator = architectures.mlp_generator(latent_dim=2, output_dim=2)
    discriminator = architectures.mlp_discriminator(input_dim=2)
    points = generator(np.zeros((5, 2), "float32"))
    assert tuple(points.shape) == (5, 2) and tuple(discriminator(points).shape) == (5, 1)
