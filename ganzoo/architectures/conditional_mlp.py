"""Class-conditional MLPs for 2-D toy data: the mixtures of
`ganzoo.data.mixtures` with the mode index as label
(``ganzoo.data.load("grid25", with_labels=True)``).

The label enters through a learned embedding, as in
`ganzoo.architectures.conditional_dcgan`: G maps [z, e(y)] to a point; D
(``conditioning=``) concatenates e(y) to the point ("concat", Mirza &
Osindero 2014), adds ⟨v(y), φ(x)⟩ to its logit ("projection", Miyato &
Koyama 2018), or sees the point only and also returns class logits
("auxiliary", Odena et al. 2017).

Example:

```python
g = conditional_mlp_generator(latent_dim=2, output_dim=2, num_classes=25)
d = conditional_mlp_discriminator(input_dim=2, num_classes=25)
logits = d([g([z, labels]), labels])
```
"""

import keras

from ganzoo.architectures import normalization as norm
from ganzoo.architectures.conditional_dcgan import discriminator_heads, check_conditioning, check_num_classes, label_input
from ganzoo.architectures.dcgan import FEATURES_LAYER
from ganzoo.architectures.mlp import _hidden


def conditional_mlp_generator(
    latent_dim=2,
    output_dim=2,
    num_classes=25,
    embedding_dim=16,
    hidden_units=(128, 128, 128),
    normalization=None,
    name="generator",
):
    """[z, e(y)] → (dense, [norm], ReLU)* → linear point in R^output_dim.

    Returns:
        A `keras.Model` with inputs ``[z (batch, latent_dim), labels (batch,)]``.
    """
    check_num_classes(num_classes)
    normalization = norm.resolve(normalization, True)
    z = keras.Input((latent_dim,), name="z")
    labels = label_input()
    embedded = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
    x = keras.layers.Concatenate(name="z_and_label")([z, embedded])
    x = _hidden(x, hidden_units, "relu", normalization, "g")
    points = keras.layers.Dense(output_dim, dtype="float32", name="points")(x)
    return keras.Model([z, labels], points, name=name)


def conditional_mlp_discriminator(
    input_dim=2,
    num_classes=25,
    conditioning="projection",
    embedding_dim=16,
    hidden_units=(128, 128, 128),
    normalization=None,
    name="discriminator",
):
    """A class-conditional MLP discriminator; the last hidden layer is φ(x),
    named "features".

    Returns:
        "concat"/"projection": a `keras.Model` from ``[points, labels]`` to
        logits (batch, 1). "auxiliary": from points to ``[logits,
        class_logits]``.
    """
    check_num_classes(num_classes)
    check_conditioning(conditioning)
    normalization = norm.resolve(normalization, True)
    points = keras.Input((input_dim,), name="points")
    labels = label_input() if conditioning != "auxiliary" else None
    x = points
    if conditioning == "concat":
        embedded = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
        x = keras.layers.Concatenate(name="point_and_label")([points, embedded])
    x = _hidden(x, hidden_units, "leaky_relu", normalization, "d")
    features = keras.layers.Identity(name=FEATURES_LAYER)(x)
    return discriminator_heads(points, labels, features, num_classes, conditioning, name)
