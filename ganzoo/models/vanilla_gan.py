"""The original GAN of Goodfellow et al. 2014, "Generative Adversarial Nets".

The two-player minimax game

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

played by alternating gradient steps (the base class): D is shown a batch of
real images labelled 1 and generated images labelled 0 and ascends V; D is then
held fixed while G descends log(1 - D(G(z))) (``loss="minimax"``, the
saturating original) or ascends log D(G(z)) (``loss="non_saturating"``, the
paper's practical fix for vanishing gradients early in training).

Any other objective of `ganzoo.losses` plugs into the same training process
(``loss="hinge"``, ``"least_squares"``, ``"kl"``...). ``loss="wasserstein"``
here has no Lipschitz constraint: use `ganzoo.WGAN` or `ganzoo.WGANGP`.
"""

import keras

from ganzoo import losses
from ganzoo.models.gan import GAN


@keras.saving.register_keras_serializable(package="ganzoo")
class VanillaGAN(GAN):
    """A GAN trained with a named objective from `ganzoo.losses`.

    Args:
        loss: a name from `ganzoo.losses.CATALOG` ("minimax",
            "non_saturating", "wasserstein", "hinge", "least_squares", "kl",
            "reverse_kl") or a pair of callables
            ``(discriminator_loss(real_logits, fake_logits),
            generator_loss(fake_logits))``. A pair of callables is not
            serializable unless both are registered Keras objects. The
            d_real/d_fake meters report σ(D) for the cross-entropy losses and
            raw scores for every other loss, a user pair included.
        label_smoothing: one-sided label smoothing α: real targets become
            1 - α (Salimans et al. 2016, §3.4). Only for the cross-entropy
            objectives.
        **kwargs: `ganzoo.GAN` arguments (generator, discriminator,
            latent_dim, d_steps, seed, track_meters, fresh_real_batches).
    """

    def __init__(self, *args, loss="non_saturating", label_smoothing=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}")
        if isinstance(loss, str):
            self._d_loss_fn, self._g_loss_fn = losses.get(loss)
        elif isinstance(loss, (tuple, list)) and len(loss) == 2 and all(map(callable, loss)):
            self._d_loss_fn, self._g_loss_fn = loss
        else:
            raise ValueError(
                f"loss must be a name in {sorted(losses.CATALOG)} or a pair of callables "
                f"(discriminator_loss, generator_loss); got {loss!r}"
            )
        if label_smoothing and not self.outputs_are_logits:
            raise ValueError(
                f"label_smoothing only applies to the cross-entropy losses "
                f"{list(losses.CROSS_ENTROPY_LOSSES)}; got loss={loss!r}"
            )
        self.loss_name = loss
        self.label_smoothing = float(label_smoothing)

    @property
    def outputs_are_logits(self):
        """True for the cross-entropy losses: then d_real/d_fake report σ(D).

        Every other objective (Wasserstein, hinge, least squares, f-GAN) reads
        D's outputs as raw scores, and the meters report them as they are.
        """
        cross_entropy = [losses.get(name)[0] for name in losses.CROSS_ENTROPY_LOSSES]
        return self._d_loss_fn in cross_entropy

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        if self.label_smoothing:
            return self._d_loss_fn(real_logits, fake_logits, label_smoothing=self.label_smoothing)
        return self._d_loss_fn(real_logits, fake_logits)

    def generator_loss(self, fake_logits, condition=None):
        return self._g_loss_fn(fake_logits)

    def get_config(self):
        loss = self.loss_name
        if not isinstance(loss, str):
            loss = [keras.saving.serialize_keras_object(fn) for fn in loss]
        return {**super().get_config(), "loss": loss, "label_smoothing": self.label_smoothing}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("loss"), list):
            config["loss"] = tuple(
                keras.saving.deserialize_keras_object(fn) for fn in config["loss"]
            )
        return super().from_config(config)
