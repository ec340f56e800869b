"""Sample pictures during training: a PNG per epoch and a TensorBoard image."""

import os

import keras
import tensorflow as tf

from ganzoo.utils.image_grid import samples_picture, write_png


class SampleGrid(keras.callbacks.Callback):
    """Draws ``num`` samples from a fixed seed at the end of every
    ``every_n_epochs`` epochs; writes ``<output_dir>/epoch_<n>.png`` and, if
    ``log_dir`` is set, a TensorBoard image "samples".

    Args:
        output_dir: directory of the PNG files.
        num: samples per picture (64 makes an 8×8 grid).
        seed: the same z every epoch, so pictures show progress.
        log_dir: TensorBoard directory, or None.
        reference: 2-D points drawn in red in scatter renders (mixture modes).
    """

    def __init__(self, output_dir, num=64, seed=0, every_n_epochs=1, log_dir=None, reference=None):
        super().__init__()
        self.output_dir = output_dir
        self.num = num
        self.seed = seed
        self.every_n_epochs = every_n_epochs
        self.reference = reference
        self._writer = tf.summary.create_file_writer(log_dir) if log_dir else None
        self.last_path = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        picture = samples_picture(self.model.generate(self.num, seed=self.seed), self.reference)
        os.makedirs(self.output_dir, exist_ok=True)
        self.last_path = os.path.join(self.output_dir, f"epoch_{epoch + 1:03d}.png")
        write_png(self.last_path, picture)
        if self._writer is not None:
            with self._writer.as_default():
                tf.summary.image("samples", picture[None], step=epoch + 1)
            self._writer.flush()
