"""The stabiliser rows of `train_throughput.py`: spectral norm, R1 (every
step and lazy) and DiffAugment, each timed in ganzoo's `fit` and in the
plain `tf.function` loop, and costed against the plain DCGAN step.

In the plain loop each term is written out by hand, as a keras-io user
would: R1 is γ/2·E‖∇ₓD(x)‖² from a nested `GradientTape` (times k on every
k-th D update when lazy, Karras et al. 2020), and DiffAugment calls
`ganzoo.layers.diff_augment` on real and fake images with draws from a
`tf.random.Generator`, in D's and in G's update. Spectral norm lives in D's
layers (`keras.layers.SpectralNormalization`), so both loops run the same
power iteration.
"""

import tensorflow as tf

# Row name -> (ganzoo model, constructor options). The options of a row are
# off in the plain twin's GAN and written out in the plain loop instead.
ROWS = {
    # SN + hinge with one D step: the per-step cost of the normalisation.
    "sngan_d1": ("sngan", {"d_steps": 1}),
    "vanilla_r1": ("vanilla", {"r1_gamma": 1.0}),
    "vanilla_r1_lazy": ("vanilla", {"r1_gamma": 1.0, "regularize_every": 16}),
    "vanilla_diffaugment": ("vanilla", {"augment": "color,translation,cutout"}),
}
HAND_WRITTEN = ("r1_gamma", "regularize_every", "augment")


def model_and_options(name):
    """``(ganzoo model name, options of ganzoo's GAN, options the plain loop writes out)``."""
    model, options = ROWS.get(name, (name, {}))
    twin_options = {k: v for k, v in options.items() if k not in HAND_WRITTEN}
    return model, options, twin_options


class PlainTerms:
    """The hand-written R1 and DiffAugment of the plain loop."""

    def __init__(self, options, seed=1):
        from ganzoo.layers.diff_augment import diff_augment, num_uniforms

        self.gamma = float(options.get("r1_gamma", 0.0))
        self.every = int(options.get("regularize_every", 1))
        self.policy = options.get("augment")
        self.diff_augment, self.num_uniforms = diff_augment, num_uniforms
        self.noise = tf.random.Generator.from_seed(seed)

    def augment(self, images):
        if not self.policy:
            return images
        uniforms = self.noise.uniform((tf.shape(images)[0], self.num_uniforms(self.policy)))
        return self.diff_augment(images, self.policy, uniforms=tf.cast(uniforms, images.dtype))

    def d_logits(self, gan, real, fake):
        """``(real_logits, fake_logits, input_tape)``; the tape watched ``real``."""
        with tf.GradientTape(watch_accessed_variables=False) as input_tape:
            input_tape.watch(real)
            real_logits, fake_logits = gan.discriminate(self.augment(real), self.augment(fake), training=True)
        return real_logits, fake_logits, input_tape

    def r1(self, input_tape, real_logits, real, d_optimizer):
        """γ/2·mean‖∇ₓD(x)‖² (k times it on every k-th D update), or 0."""
        if not self.gamma:
            return 0.0

        def penalty():
            gradients = tf.cast(input_tape.gradient(tf.cast(real_logits, tf.float32), real), tf.float32)
            batch = tf.cast(tf.shape(real)[0], tf.float32)
            return self.every * 0.5 * self.gamma * tf.reduce_sum(tf.square(gradients)) / batch

        if self.every == 1:
            return penalty()
        return tf.cond(d_optimizer.iterations % self.every == 0, penalty, lambda: 0.0)


def cost_table(by_key, names, precisions, median, paired):
    """Markdown: each stabiliser row's img/s and its step time over the plain DCGAN step's."""
    rows = [n for n in names if n in ROWS]
    if not rows or ("ganzoo", "vanilla", "fp32") not in by_key:
        return ""
    lines = [
        "| stabiliser row | precision | ganzoo img/s | plain img/s | ganzoo/plain "
        "| step time ÷ vanilla's, ganzoo | step time ÷ vanilla's, plain |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name in rows:
        model, options, _ = model_and_options(name)
        for precision in precisions:
            ours, plain = by_key[("ganzoo", name, precision)], by_key[("plain", name, precision)]
            base, base_plain = by_key[("ganzoo", "vanilla", precision)], by_key[("plain", "vanilla", precision)]
            lines.append(
                f"| {name} (`{model}`, {options}) | {precision} | {median(ours.img_s):.0f} "
                f"| {median(plain.img_s):.0f} | {paired(ours, plain):.3f} "
                f"| {paired(base, ours):.2f} | {paired(base_plain, plain):.2f} |"
            )
    return "\n".join(lines)
