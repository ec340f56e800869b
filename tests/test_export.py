import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from helpers import LATENT_DIM, tiny_fit, tiny_gan, tiny_networks


def make_trained_gan():
    gan = tiny_gan(seed=0)
    tiny_fit(gan)  # batch-norm moving statistics are no longer the initial ones
    return gan


@pytest.mark.slow
def test_export_then_plain_tf_load_gives_identical_images(tmp_path):
    gan = make_trained_gan()
    path = ganzoo.export.export_generator(gan, str(tmp_path / "g"))
    loaded = tf.saved_model.load(path)
    z = np.random.default_rng(0).normal(size=(5, LATENT_DIM)).astype("float32")
    expected = gan(z).numpy()
    images = loaded.signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    np.testing.assert_array_equal(images, expected)
    pixels = loaded.signatures["uint8"](z=tf.constant(z))["images"].numpy()
    assert pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, ganzoo.data.to_uint8(expected).numpy())
    sampled = loaded.sample(num=3, seed=7)
    np.testing.assert_array_equal(sampled["images"], gan(sampled["z"]).numpy())


@pytest.mark.slow
def test_export_loads_with_hub_where_ganzoo_is_not_importable(tmp_path):
    gan = make_trained_gan()
    path = ganzoo.export.export_generator(gan, str(tmp_path / "g"))
    z = np.random.default_rng(1).normal(size=(2, LATENT_DIM)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "expected.npy", gan(z).numpy())
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["ganzoo"] = None  # any `import ganzoo` now fails
        import numpy as np, tensorflow as tf, tensorflow_hub as hub
        try:
            import ganzoo
        except ImportError:
            pass
        else:
            raise SystemExit("ganzoo was importable")
        model = hub.load({path!r})
        images = model.signatures["serving_default"](z=tf.constant(np.load({str(tmp_path / 'z.npy')!r})))["images"]
        np.testing.assert_array_equal(images.numpy(), np.load({str(tmp_path / 'expected.npy')!r}))
        print("OK")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=str(tmp_path), timeout=300
    )
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-2000:]


def test_export_refuses_to_overwrite_a_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("precious")
    gan = make_trained_gan()
    try:
        ganzoo.export.export_generator(gan, str(tmp_path))
    except FileExistsError as e:
        assert "not a SavedModel" in str(e)
    else:
        raise AssertionError("export overwrote a non-SavedModel directory")
    assert (tmp_path / "notes.txt").read_text() == "precious"
    assert not os.path.exists(tmp_path / "saved_model.pb")
