"""Stop training at the first NaN or infinite loss, naming the step."""

import math

import keras


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite value.

    Attributes:
        step: the training step (1-based count of generator updates) whose
            values were non-finite.
        values: ``{name: value}`` of the non-finite logged values.
    """

    def __init__(self, message, step, values):
        super().__init__(message)
        self.step = step
        self.values = values


def training_step(model):
    """Steps trained so far: the generator's (or the only) optimizer's iterations."""
    optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
    return int(optimizer.iterations.numpy()) if optimizer is not None else None


def non_finite_logs(logs, model=None):
    """``{name: value}`` of the values in ``logs`` that are NaN or ±Inf.

    Gradient norms are left out under loss scaling: an overflowing float16
    gradient is a skipped step there, not a divergence.
    """
    optimizers = [getattr(model, name, None) for name in ("d_optimizer", "g_optimizer", "optimizer")]
    loss_scaled = any(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers)
    bad = {}
    for name, value in (logs or {}).items():
        if loss_scaled and name.endswith("grad_norm"):
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue  # not a scalar
        if not math.isfinite(value):
            bad[name] = value
    return bad


class StopOnDivergence(keras.callbacks.Callback):
    """Raises `DivergenceError` at the first step with a NaN or infinite log.

    The logs are the epoch's running means, so the first non-finite mean is
    the step that diverged. Raising (rather than setting ``stop_training``)
    ends ``fit`` at once: callbacks after this one in the list never see the
    step, so a checkpointing callback placed after it (`GANBackup`,
    ``ModelCheckpoint``) keeps the last good weights.

    Example:

    ```python
    gan.fit(data, callbacks=[StopOnDivergence(), GANBackup("backup", save_freq=100)])
    ```
    """

    def on_train_batch_end(self, batch, logs=None):
        bad = non_finite_logs(logs, self.model)
        if not bad:
            return
        step = training_step(self.model)
        # The losses first, then the meters.
        names = sorted(bad, key=lambda name: ("loss" not in name, name))
        values = ", ".join(f"{name}={bad[name]}" for name in names)
        raise DivergenceError(
            f"Training diverged at step {step}: {values}. "
            f"The weights of this step are not saved; the last good checkpoint is kept. "
            f"Lower the learning rates, or let python -m ganzoo.train --on_divergence=restore "
            f"restore the last good checkpoint and halve them.",
            step=step,
            values=bad,
        )
