"""Stop training after an exact number of generator updates."""

import keras


class StopAtStep(keras.callbacks.Callback):
    """Stops `fit` once the generator has taken ``steps`` updates in total.

    Counts ``model.g_optimizer.iterations``, which is saved with the model,
    so a resumed run stops at the same step as an uninterrupted one.
    """

    def __init__(self, steps):
        super().__init__()
        if steps < 1:
            raise ValueError(f"steps must be >= 1; got {steps}")
        self.steps = steps

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations.numpy()) >= self.steps:  # .numpy(): a MirroredVariable has no __int__
            self.model.stop_training = True
