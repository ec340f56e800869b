"""A plain-words warning for the vanishing-gradient failure of GANs.

Goodfellow et al. 2014, §3: "Early in learning, when G is poor, D can reject
samples with high confidence because they are clearly different from the
training data. In this case, log(1 − D(G(z))) saturates." D is then always
right (D(x) → 1 on real data, D(G(z)) → 0 on fakes) and G's gradient
collapses toward zero: G stops learning. Arjovsky & Bottou 2017 show the same
for any D that separates the two distributions perfectly.

``TrainingHealth`` watches the meters every ganzoo GAN logs when
``track_meters=True`` (``g_grad_norm``, ``d_real``, ``d_fake``) and warns,
once per problem, when it sees this picture. It also flags a D whose outputs
have exploded (far too high a learning rate): a D loss above ``max_d_loss``
means logits beyond ±``max_d_loss`` on the samples D gets wrong, where the
sigmoid is flat (σ'(50) ≈ 2e-22), whatever the mean D outputs say.
`python -m ganzoo.train` prints its ``problems`` at the end of a run and
writes them to ``metrics.json``.
"""

import math
import warnings

import keras


class TrainingHealthWarning(UserWarning):
    """Issued by `TrainingHealth` when training shows a known failure."""


class TrainingHealth(keras.callbacks.Callback):
    """Warns once when G's gradient vanishes or D's accuracy saturates.

    The logged meters are running means over the epoch; the checks run at
    the end of every batch and epoch and fire after ``patience`` consecutive
    bad checks, so that one odd batch does not trigger them.

    * **Vanishing generator gradient**: ``g_grad_norm`` below
      ``collapse_ratio`` × the largest value seen in this ``fit``, or below
      ``min_grad_norm``.
    * **Saturated discriminator**: ``d_real ≥ saturation`` and
      ``d_fake ≤ 1 − saturation`` (D's outputs as probabilities), or
      ``d_loss > max_d_loss`` (D's logits have exploded). Skipped for
      critics whose outputs are not logits, e.g. WGAN.

    Args:
        collapse_ratio: relative collapse threshold of ``g_grad_norm``.
        min_grad_norm: absolute threshold of ``g_grad_norm``.
        saturation: D's confidence that counts as saturated, in (0.5, 1).
        patience: consecutive bad checks before warning.
        max_d_loss: D loss above which D's logits count as exploded.

    Attributes:
        messages: the warnings issued so far, in order.
        problems: ``{problem: message}`` of the warnings issued so far
            (``"vanishing_gradient"``, ``"saturated_discriminator"``,
            ``"missing_meters"``); empty for a healthy run.

    Example:

    ```python
    gan.fit(data, epochs=5, callbacks=[ganzoo.callbacks.TrainingHealth()])
    ```
    """

    def __init__(self, collapse_ratio=0.01, min_grad_norm=1e-6, saturation=0.99, patience=20, max_d_loss=50.0):
        super().__init__()
        if not 0 < collapse_ratio < 1:
            raise ValueError(f"collapse_ratio must be in (0, 1); got {collapse_ratio!r}")
        if not min_grad_norm >= 0:
            raise ValueError(f"min_grad_norm must be ≥ 0; got {min_grad_norm!r}")
        if not 0.5 < saturation < 1:
            raise ValueError(f"saturation must be in (0.5, 1); got {saturation!r}")
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive integer; got {patience!r}")
        if not max_d_loss > 0:
            raise ValueError(f"max_d_loss must be > 0; got {max_d_loss!r}")
        self.max_d_loss = float(max_d_loss)
        self.collapse_ratio = float(collapse_ratio)
        self.min_grad_norm = float(min_grad_norm)
        self.saturation = float(saturation)
        self.patience = patience
        self.messages = []
        self.problems = {}
        self._reset()

    def _reset(self):
        self._peak_grad_norm = 0.0
        self._bad = {"vanishing_gradient": 0, "saturated_discriminator": 0}

    def on_train_begin(self, logs=None):
        self._reset()

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs or {})

    def _check(self, logs):
        if "g_grad_norm" not in logs:
            self._warn(
                "missing_meters",
                "TrainingHealth cannot check training: the logs have no g_grad_norm, d_real "
                "or d_fake. Build the GAN with track_meters=True.",
            )
            return
        grad_norm = float(logs["g_grad_norm"])
        if not math.isfinite(grad_norm):
            return
        self._peak_grad_norm = max(self._peak_grad_norm, grad_norm)
        threshold = max(self.collapse_ratio * self._peak_grad_norm, self.min_grad_norm)
        self._count("vanishing_gradient", grad_norm < threshold,
            f"The generator's gradient has vanished: its norm g_grad_norm = {grad_norm:.3g} "
            f"is below {threshold:.3g} ({self.collapse_ratio:g} × its peak "
            f"{self._peak_grad_norm:.3g} in this run). G has almost stopped learning. If D "
            "also rejects every fake, this is the vanishing-gradient failure of the "
            "minimax loss: try the non-saturating loss, feature matching, a Wasserstein "
            "loss, or a weaker or slower discriminator.",
        )
        if getattr(self.model, "outputs_are_logits", True) and "d_real" in logs and "d_fake" in logs:
            d_real, d_fake = float(logs["d_real"]), float(logs["d_fake"])
            d_loss = float(logs.get("d_loss", 0.0))
            if d_loss > self.max_d_loss:
                self._count(
                    "saturated_discriminator", True,
                    f"The discriminator has saturated: its loss d_loss = {d_loss:.3g} means logits beyond "
                    f"±{self.max_d_loss:g} on the samples it gets wrong (D(x) = {d_real:.3f}, D(G(z)) = "
                    f"{d_fake:.3f}), where the sigmoid is flat: its outputs have exploded and G learns "
                    "nothing useful. The learning rates are far too high: lower them.",
                )
                return
            self._count(
                "saturated_discriminator",
                d_real >= self.saturation and d_fake <= 1.0 - self.saturation,
                f"The discriminator has saturated: it gives real data D(x) = {d_real:.3f} and "
                f"fakes D(G(z)) = {d_fake:.3f}, i.e. it is right almost every time. Its "
                "gradient to the generator then vanishes (the minimax loss saturates) and G "
                "learns little. Try the non-saturating loss, feature matching, label smoothing, "
                "a lower D learning rate or fewer D steps.",
            )

    def _count(self, problem, bad, message):
        self._bad[problem] = self._bad[problem] + 1 if bad else 0
        if self._bad[problem] >= self.patience:
            self._warn(problem, message)

    def _warn(self, problem, message):
        if problem in self.problems:
            return
        self.problems[problem] = message
        self.messages.append(message)
        warnings.warn(message, TrainingHealthWarning, stacklevel=2)
