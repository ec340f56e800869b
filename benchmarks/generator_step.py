# Run: python benchmarks/generator_step.py
"""G's step with and without D's forward pass on the real batch: default DCGAN
nets (batch-norm D, per-half calls), batch 64, CPU. Steps of the two are
interleaved so that load from other processes hits both alike."""
import time, numpy as np, tensorflow as tf, keras, ganzoo

class OldGStep(ganzoo.VanillaGAN):
    """The previous G step: D scores the real half too (its output unused)."""
    def generator_objective(self, real_images, fake_images, condition=None):
        _, fake_logits = self.discriminate(real_images, fake_images, True, condition=condition)
        return self.generator_loss(fake_logits, condition=condition), fake_logits

def make(cls):
    keras.utils.set_random_seed(0)
    g, d = ganzoo.architectures.default_networks(ganzoo.VanillaGAN, (28, 28, 1), 128)
    gan = cls(generator=g, discriminator=d, latent_dim=128, seed=0, track_meters=False)
    gan.compile()
    return tf.function(lambda r: gan._generator_step(r, None))

real = tf.constant(np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32"))
steps = {"old": make(OldGStep), "new": make(ganzoo.VanillaGAN)}
for step in steps.values():
    for _ in range(5): step(real)
times = {"old": [], "new": []}
for i in range(200):
    for name in (("old", "new") if i % 2 else ("new", "old")):
        t = time.perf_counter(); steps[name](real)["g_loss"].numpy(); times[name].append(time.perf_counter() - t)
old, new = np.median(times["old"]), np.median(times["new"])
ratios = np.array(times["new"]) / np.array(times["old"])
print(f"G step median over 200 interleaved steps: old {old*1e3:.1f} ms, new {new*1e3:.1f} ms, "
      f"new/old {new/old:.3f} (median per-pair ratio {np.median(ratios):.3f})")
