"""Feature matching (Salimans et al. 2016, "Improved Techniques for Training
GANs", §3.1).

Instead of maximising D's output on fakes, G matches the statistics of an
intermediate layer f of D on real data:

    L_G = ‖ E_x f(x) - E_z f(G(z)) ‖²₂  (+ w · E_z[softplus(-D(G(z)))])

estimated on the step's real batch and a fresh batch of fakes. D is trained
as usual (binary cross-entropy, real = 1) and keeps choosing the features
worth matching. G's target no longer moves to wherever D is most wrong, which
steadies training and counters vanishing gradients: the loss has a gradient
even when D rejects every fake. ``adversarial_weight`` w > 0 adds back the
non-saturating adversarial term.
"""

import numbers

import keras
import tensorflow as tf

from ganzoo import losses
from ganzoo.distribute import cross_replica_mean
from ganzoo.models.gan import GAN
from ganzoo.models.networks import net_inputs, takes_condition


@keras.saving.register_keras_serializable(package="ganzoo")
class FeatureMatchingGAN(GAN):
    """A GAN whose generator matches D's mean intermediate features.

    Args:
        feature_layer: the layer of D whose output is f(x): a layer name, or
            an index into ``discriminator.layers`` (0 is the input layer;
            negative indices count from the end). None takes the last hidden
            layer, the one that feeds D's final layer (the "features" layer of
            ganzoo's nets).
        adversarial_weight: w ≥ 0, the weight of the non-saturating
            adversarial term added to G's loss.
        **kwargs: `ganzoo.GAN` arguments (generator, discriminator,
            latent_dim, d_steps, seed, track_meters, fresh_real_batches). D must be a functional
            or Sequential `keras.Model`.

    Example:

    ```python
    g, d = ganzoo.FeatureMatchingGAN.build_networks((28, 28, 1), latent_dim=64)
    gan = ganzoo.FeatureMatchingGAN(generator=g, discriminator=d, latent_dim=64)
    gan.compile()
    gan.fit(ganzoo.data.load("fashion_mnist", batch_size=128), epochs=1)
    ```
    """

    def __init__(self, *args, feature_layer=None, adversarial_weight=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        weight = adversarial_weight
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not weight >= 0:
            raise ValueError(f"adversarial_weight must be a number ≥ 0; got {adversarial_weight!r}")
        if isinstance(feature_layer, numbers.Integral) and not isinstance(feature_layer, bool):
            feature_layer = int(feature_layer)
        self.feature_layer = feature_layer
        self.adversarial_weight = float(adversarial_weight)
        features = _resolve_layer(self.discriminator, feature_layer).output
        # D's inputs → (f(x), logits), sharing D's layers and weights.
        self.feature_model = keras.Model(
            self.discriminator.inputs, [features, self.discriminator.outputs[0]],
            name=f"{self.discriminator.name}_features",
        )

    def discriminator_loss(self, real_logits, fake_logits, condition=None):
        return losses.non_saturating_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, condition=None):
        return losses.non_saturating_generator_loss(fake_logits)

    def generator_objective(self, real_images, fake_images, condition=None):
        """‖mean f(real) − mean f(fake)‖² (+ w · non-saturating loss).

        D's features are computed the way D sees its batches in its own
        update (the base class's ``discriminate``): per half for a
        batch-norm D, so that each half is normalized by its own statistics
        as D was trained; one merged batch otherwise.
        """
        fake_images = tf.cast(fake_images, real_images.dtype)
        if self.discriminator_sees_halves:
            real_features, _ = self._features(real_images, condition)
            fake_features, fake_logits = self._features(fake_images, condition)
        else:
            both = None
            if condition is not None and takes_condition(self.feature_model):
                both = tf.concat([condition, condition], axis=0)
            features, logits = self._features(tf.concat([real_images, fake_images], axis=0), both)
            real_features, fake_features = tf.split(features, 2, axis=0)
            fake_logits = tf.split(logits, 2, axis=0)[1]
        loss = feature_matching_loss(real_features, fake_features)
        if self.adversarial_weight:
            loss = loss + self.adversarial_weight * self.generator_loss(fake_logits, condition=condition)
        return loss, fake_logits

    def _features(self, images, condition):
        """``(f(images), D's logits)`` in training mode."""
        return self.feature_model(net_inputs(self.feature_model, images, condition), training=True)

    def get_config(self):
        return {
            **super().get_config(),
            "feature_layer": self.feature_layer,
            "adversarial_weight": self.adversarial_weight,
        }


def feature_matching_loss(real_features, fake_features):
    """‖ mean_i f(x_i) − mean_j f(G(z_j)) ‖²₂ (Salimans et al. 2016, eq. in §3.1).

    Features of any shape (batch, ...) are flattened per sample; the means
    are over the batch and the squared L2 norm sums over the features. Real
    features are constants for G (no gradient flows into them). Under
    tf.distribute the means are over the global batch (`cross_replica_mean`),
    since the square of a mean is not the mean of per-replica squares.

    Example: real features [[1, 2], [3, 4]] and fake [[0, 0], [0, 2]] have
    means [2, 3] and [0, 1], so the loss is 2² + 2² = 8.
    """
    real_features = tf.reshape(tf.cast(real_features, tf.float32), (tf.shape(real_features)[0], -1))
    fake_features = tf.reshape(tf.cast(fake_features, tf.float32), (tf.shape(fake_features)[0], -1))
    real_mean = tf.stop_gradient(cross_replica_mean(tf.reduce_mean(real_features, axis=0)))
    difference = real_mean - cross_replica_mean(tf.reduce_mean(fake_features, axis=0))
    return tf.reduce_sum(tf.square(difference))


def _resolve_layer(discriminator, feature_layer):
    """The layer of ``discriminator`` named or indexed by ``feature_layer``."""
    layers = discriminator.layers
    if feature_layer is None:
        output_layer, node_index, _ = discriminator.outputs[0]._keras_history
        inbound = output_layer._inbound_nodes[node_index].input_tensors
        if len(inbound) != 1:
            raise ValueError(
                f"Cannot find the last hidden layer of {discriminator.name!r}: its output "
                f"layer {output_layer.name!r} has {len(inbound)} inputs; pass feature_layer="
                f"(a layer name or index)"
            )
        return inbound[0]._keras_history.operation
    if isinstance(feature_layer, str):
        names = [layer.name for layer in layers]
        if feature_layer not in names:
            raise ValueError(
                f"feature_layer {feature_layer!r} is not a layer of {discriminator.name!r}; "
                f"its layers are {names}"
            )
        return discriminator.get_layer(feature_layer)
    if isinstance(feature_layer, numbers.Integral) and not isinstance(feature_layer, bool):
        if not -len(layers) <= feature_layer < len(layers):
            raise ValueError(
                f"feature_layer index {feature_layer} is out of range for "
                f"{discriminator.name!r}, which has {len(layers)} layers"
            )
        return layers[feature_layer]
    raise ValueError(f"feature_layer must be None, a layer name or an index; got {feature_layer!r}")
