"""Differentiable Augmentation (Zhao et al. 2020, "Differentiable
Augmentation for Data-Efficient GAN Training").

With little data, D memorises the training set and G's gradients stop
carrying information. DiffAugment augments *both* real and generated images
with the same family of random, differentiable transforms T before D sees
them, in D's and in G's update:

    L_D = f(D(T(x))) + h(D(T(G(z)))),      L_G = g(D(T(G(z)))),

so that D never sees an un-augmented image and G's gradient flows back
through T. Augmenting only the reals would teach G to produce augmented
images; augmenting only D's step would let G exploit the mismatch.

The policy names groups of transforms, applied in the order given, each with
a fresh random draw per image (the paper's reference code, for images in
[-1, 1]):

* ``"color"``: brightness x + b, b ~ U[-0.5, 0.5); saturation
  (x - x̄_c)·s + x̄_c, s ~ U[0, 2), x̄_c the mean over channels of each pixel;
  contrast (x - x̄)·c + x̄, c ~ U[0.5, 1.5), x̄ the mean of the whole image.
* ``"translation"``: an integer shift of up to ⌊size/8⌋ pixels along each
  axis, independently, filled with zeros.
* ``"cutout"``: a ⌊size/2⌋ square set to zero, its centre anywhere in the
  image (the square is clipped at the border).

Every transform is differentiable with respect to the pixels (translation and
cutout are gathers and masks), so G's gradient reaches its weights.
"""

import numbers

import keras
from keras import ops

POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 1 / 8  # the reference's largest shift, a fraction of the side
CUTOUT_RATIO = 1 / 2  # the reference's cutout side, a fraction of the image side


def _scale(u, minval, maxval, dtype):
    """u ∈ [0, 1) of shape (batch, 1) → U[minval, maxval) of shape (batch, 1, 1, 1)."""
    return ops.reshape(ops.cast(minval + (maxval - minval) * u, dtype), (-1, 1, 1, 1))


def _integers(u, minval, maxval):
    """u ∈ [0, 1) of shape (batch, 1) → uniform int32 in [minval, maxval), (batch, 1)."""
    k = ops.floor(ops.cast(u, "float32") * (maxval - minval))
    return ops.cast(ops.minimum(k, maxval - minval - 1), "int32") + minval


def adjust_brightness(images, b):
    """x + b, with b of shape (batch, 1, 1, 1)."""
    return images + b


def adjust_saturation(images, s):
    """(x - x̄_c)·s + x̄_c, x̄_c the channel mean of each pixel; s: (batch, 1, 1, 1).

    A no-op on one-channel images (x = x̄_c), as in the reference code.
    """
    mean = ops.mean(images, axis=-1, keepdims=True)  # (batch, h, w, 1)
    return (images - mean) * s + mean


def adjust_contrast(images, c):
    """(x - x̄)·c + x̄, x̄ the mean over each image; c: (batch, 1, 1, 1)."""
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)  # (batch, 1, 1, 1)
    return (images - mean) * c + mean


def _shift_axis(images, shifts, axis):
    """out[..., i, ...] = images[..., i + shift, ...] along ``axis`` (1 or 2),
    zero where i + shift falls outside the image. ``shifts``: (batch, 1) ints."""
    size = images.shape[axis]
    # Pad one zero row on each side; every out-of-range index lands on one.
    padding = [(0, 0)] * 4
    padding[axis] = (1, 1)
    padded = ops.pad(images, padding)
    index = ops.clip(ops.arange(size, dtype="int32")[None, :] + shifts + 1, 0, size + 1)  # (batch, size)
    index = ops.reshape(index, (-1, size, 1, 1) if axis == 1 else (-1, 1, size, 1))
    return ops.take_along_axis(padded, index, axis=axis)


def translate(images, shift_h, shift_w):
    """out[b, i, j] = x[b, i + shift_h[b], j + shift_w[b]], zero outside the image.

    ``shift_h``, ``shift_w``: int32 of shape (batch, 1). A positive shift moves
    the content up (left).
    """
    return _shift_axis(_shift_axis(images, shift_h, axis=1), shift_w, axis=2)


def cutout(images, centre_h, centre_w, size_h, size_w):
    """Zeroes rows [c_h - ⌊s_h/2⌋, c_h - ⌊s_h/2⌋ + s_h) × the same for columns,
    clipped to the image. ``centre_h``, ``centre_w``: int32 of shape (batch, 1)."""
    inside = []
    for side, centre, cut in ((images.shape[1], centre_h, size_h), (images.shape[2], centre_w, size_w)):
        start = centre - cut // 2  # (batch, 1)
        position = ops.arange(side, dtype="int32")[None, :]  # (1, side)
        inside.append(ops.logical_and(position >= start, position < start + cut))  # (batch, side)
    square = ops.logical_and(inside[0][:, :, None], inside[1][:, None, :])  # (batch, h, w)
    return images * ops.cast(ops.logical_not(square), images.dtype)[..., None]


# The random transforms take u, a (batch, k) tensor of U[0, 1) draws, k as
# in NUM_UNIFORMS, so that one draw per step feeds a whole policy (and a GAN
# can draw u the same way for any number of replicas).
def rand_brightness(images, u):
    """`adjust_brightness` with b ~ U[-0.5, 0.5), one b per image; u: (batch, 1)."""
    return adjust_brightness(images, _scale(u[:, :1], -0.5, 0.5, images.dtype))


def rand_saturation(images, u):
    """`adjust_saturation` with s ~ U[0, 2), one s per image; u: (batch, 1)."""
    return adjust_saturation(images, _scale(u[:, :1], 0.0, 2.0, images.dtype))


def rand_contrast(images, u):
    """`adjust_contrast` with c ~ U[0.5, 1.5), one c per image; u: (batch, 1)."""
    return adjust_contrast(images, _scale(u[:, :1], 0.5, 1.5, images.dtype))


def rand_translation(images, u, ratio=TRANSLATION_RATIO):
    """`translate` by integers |t_h| ≤ ⌊height·ratio⌋, |t_w| ≤ ⌊width·ratio⌋,
    uniform and independent per image and axis; u: (batch, 2)."""
    max_h, max_w = int(images.shape[1] * ratio), int(images.shape[2] * ratio)
    shift_h = _integers(u[:, 0:1], -max_h, max_h + 1)
    shift_w = _integers(u[:, 1:2], -max_w, max_w + 1)
    return translate(images, shift_h, shift_w)


def rand_cutout(images, u, ratio=CUTOUT_RATIO):
    """`cutout` of a ⌊side·ratio⌋ square per image; u: (batch, 2).

    Its centre is uniform in [0, side), or in [0, side] for an even square
    side, as in the reference code.
    """
    size_h, size_w = int(images.shape[1] * ratio), int(images.shape[2] * ratio)
    centre_h = _integers(u[:, 0:1], 0, images.shape[1] + (1 - size_h % 2))
    centre_w = _integers(u[:, 1:2], 0, images.shape[2] + (1 - size_w % 2))
    return cutout(images, centre_h, centre_w, size_h, size_w)


AUGMENT_FNS = {
    "color": (rand_brightness, rand_saturation, rand_contrast),
    "translation": (rand_translation,),
    "cutout": (rand_cutout,),
}
# How many U[0, 1) values per image each transform consumes.
NUM_UNIFORMS = {rand_brightness: 1, rand_saturation: 1, rand_contrast: 1, rand_translation: 2, rand_cutout: 2}


def parse_policy(policy):
    """``"color,translation"`` → ``("color", "translation")``, validated."""
    if isinstance(policy, (tuple, list)):
        names = tuple(policy)
    elif isinstance(policy, str):
        names = tuple(name.strip() for name in policy.split(",") if name.strip())
    else:
        raise ValueError(f"policy must be a string like 'color,translation,cutout'; got {policy!r}")
    unknown = [name for name in names if name not in AUGMENT_FNS]
    if unknown:
        raise ValueError(f"Unknown DiffAugment policy {unknown[0]!r} in {policy!r}; available: {list(POLICIES)}")
    return names


def num_uniforms(policy):
    """The number of U[0, 1) values per image that ``policy`` consumes."""
    return sum(NUM_UNIFORMS[fn] for name in parse_policy(policy) for fn in AUGMENT_FNS[name])


def diff_augment(images, policy="color,translation,cutout", seed=None, uniforms=None):
    """Applies the policy's transforms in order, with fresh draws per image.

    Args:
        images: float images of shape (batch, height, width, channels), in
            [-1, 1] for the reference's colour ranges.
        policy: comma-separated groups from "color", "translation", "cutout".
        seed: a `keras.random.SeedGenerator` (advanced by one draw) or an
            int; the same int gives the same augmentation. Inside a traced
            training step pass a SeedGenerator: an int is a constant there,
            and every step would draw the same transforms.
        uniforms: instead of ``seed``, ready-made U[0, 1) draws of shape
            (batch, num_uniforms(policy)), e.g. from `GAN.draw_random`, so
            that the augmentation does not depend on the replica count.

    Returns:
        The augmented images, same shape and dtype.
    """
    images = ops.convert_to_tensor(images)
    _check_images(images)
    names = parse_policy(policy)
    needed = num_uniforms(names)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        seed = int(seed)  # numpy ints too
    if uniforms is None:
        uniforms = keras.random.uniform((ops.shape(images)[0], needed), dtype="float32", seed=seed)
    elif seed is not None:
        raise ValueError("Pass diff_augment either seed or uniforms, not both")
    else:
        uniforms = ops.convert_to_tensor(uniforms)
        if len(uniforms.shape) != 2 or uniforms.shape[-1] != needed:
            raise ValueError(
                f"Policy {','.join(names)!r} needs uniforms of shape (batch, {needed}); "
                f"got {tuple(uniforms.shape)}"
            )
    column = 0
    for name in names:
        for fn in AUGMENT_FNS[name]:
            images = fn(images, uniforms[:, column : column + NUM_UNIFORMS[fn]])
            column += NUM_UNIFORMS[fn]
    return images


def _check_images(images):
    if len(images.shape) != 4 or None in images.shape[1:]:
        raise ValueError(
            "DiffAugment expects images of shape (batch, height, width, channels) with a "
            f"known image size; got shape {tuple(images.shape)}"
        )
    if not keras.backend.is_float_dtype(images.dtype):
        raise ValueError(f"DiffAugment expects float images; got dtype {images.dtype}")


@keras.saving.register_keras_serializable(package="ganzoo")
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation of images (Zhao et al. 2020) as a layer.

    Call one instance on the real and on the generated batch before D, in both
    D's and G's step: each call draws new transforms, from the layer's
    `keras.random.SeedGenerator` unless ``seed`` is passed to the call.

    Args:
        policy: comma-separated groups from "color", "translation", "cutout"
            (the paper's choice for small data is all three).
        seed: an int seeding the layer's SeedGenerator, or None.
        **kwargs: `keras.layers.Layer` arguments (name, dtype, ...).

    Call arguments:
        images: (batch, height, width, channels) floats in [-1, 1].
        training: augments when True (the default for a direct call); when
            False, as in `Model.predict`, returns the images unchanged.
        seed: an int or a SeedGenerator used instead of the layer's own.
        uniforms: ready-made (batch, num_uniforms(policy)) U[0, 1) draws
            used instead of any seed (see `diff_augment`).

    Example:

    ```python
    augment = ganzoo.layers.DiffAugment("color,translation,cutout", seed=0)
    real_logits = discriminator(augment(real_images))
    fake_logits = discriminator(augment(generator(z)))
    ```
    """

    def __init__(self, policy="color,translation,cutout", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.policy = ",".join(parse_policy(policy))
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"seed must be an int or None; got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.supports_masking = False

    def call(self, images, training=True, seed=None, uniforms=None):
        if not training:
            return images
        if uniforms is not None:
            return diff_augment(images, self.policy, seed=seed, uniforms=uniforms)
        return diff_augment(images, self.policy, seed=self.seed_generator if seed is None else seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "policy": self.policy, "seed": self.seed}
