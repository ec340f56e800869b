"""The TensorFlow side of the PyTorch peer (`benchmarks/torch_peer.py`):
describes the Keras nets, computes the values the replica must reproduce,
and drives the peer process.

It never imports torch, so that the TensorFlow process being timed holds
no torch runtime; `torch_peer.py` imports it and never imports TensorFlow.

The equivalence is checked in **float64**: float64 copies of the Keras nets
against a float64 torch twin, which agree to ~1e-12 when the twin computes
the same function. In float32 both frameworks round differently, and batch
norm's backward pass (a difference of nearly equal terms) amplifies that:
TensorFlow's float32 gradients of the default nets at batch 64 differed
from float64 by up to ~1e-2 of the tensor's largest value on some inits
(torch's by ~5e-6), more than a wrong epsilon changes them. The float32
differences of both frameworks to float64 are reported beside the check.
"""

import json
import os
import sys

import numpy as np

# Above this (float64 against float64) the torch twin is not the same
# function: refuse to time it.
MAX_DIFFERENCE = 1e-8


def available():
    """Whether torch is installed (the benchmark then times the peer)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def describe(model, prefix):
    """The layers of a Keras net as JSON-able specs, and its weights (Keras
    layout) as ``{f"{prefix}/{layer}/{variable}": array}``.

    A layer is flagged ``float32`` when it computes in float32 while the
    net does not (the output layers under ``mixed_bfloat16``).
    """
    import keras

    mixed = model.dtype_policy.compute_dtype != "float32"
    specs, weights = [], {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        specs.append({
            "name": layer.name,
            "kind": type(layer).__name__,
            "config": {k: v for k, v in layer.get_config().items() if k != "dtype"},
            "input_shape": list(layer.input.shape[1:]),
            "float32": mixed and layer.dtype_policy.compute_dtype == "float32",
        })
        weights.update({f"{prefix}/{name}": np.array(v) for name, v in _variables(layer, layer.weights)})
    return specs, weights


def _variables(model, variables):
    """``(f"{layer}/{variable}", variable)`` for those of ``variables`` in
    ``model``'s layers (or ``model`` itself, a layer), in their order."""
    wanted = {id(v) for v in variables}
    return [(f"{l.name}/{v.name}", v) for l in getattr(model, "layers", [model]) for v in l.weights if id(v) in wanted]


def keras_values(generator, discriminator, real, z_d, z_g):
    """One step's values of ganzoo's default VanillaGAN step, in TensorFlow.

    The nets run with ``training=True`` (their batch-norm moving statistics
    move, as in a step), on inputs cast to the dtype of D's input.
    The losses are those of `ganzoo.losses.non_saturating_*`,
    L_D = mean softplus(−D(x)) + mean softplus(D(x̃)) and
    L_G = mean softplus(−D(x̃)), computed here in the nets' dtype (ganzoo's
    cast to float32). Returns ``{name: float64 array}``: images,
    real_logits, fake_logits, d_loss, g_loss, and
    ``grad/d/<layer>/<variable>``, ``grad/g/...`` for every trainable weight.
    """
    import tensorflow as tf

    def d_loss_of(real_logits, fake_logits):
        return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))

    dtype = discriminator.inputs[0].dtype  # float64 for `copies(nets, "float64")`
    real, z_d, z_g = (tf.constant(np.asarray(a), dtype) for a in (real, z_d, z_g))
    fake = generator(z_d, training=True)
    d_variables = _variables(discriminator, discriminator.trainable_variables)
    g_variables = _variables(generator, generator.trainable_variables)
    with tf.GradientTape() as tape:
        real_logits = discriminator(real, training=True)
        fake_logits = discriminator(tf.cast(fake, dtype), training=True)
        d_loss = d_loss_of(real_logits, fake_logits)
    d_grads = tape.gradient(d_loss, [v for _, v in d_variables])
    with tf.GradientTape() as tape:
        fake_for_g = tf.cast(generator(z_g, training=True), dtype)
        g_loss = tf.reduce_mean(tf.nn.softplus(-discriminator(fake_for_g, training=True)))
    g_grads = tape.gradient(g_loss, [v for _, v in g_variables])
    values = {"images": fake, "real_logits": real_logits, "fake_logits": fake_logits,
              "d_loss": d_loss, "g_loss": g_loss}
    for prefix, variables, grads in (("d", d_variables, d_grads), ("g", g_variables, g_grads)):
        values.update({f"grad/{prefix}/{name}": grad for (name, _), grad in zip(variables, grads)})
    return {name: np.asarray(value, np.float64) for name, value in values.items()}


def worst_difference(reference, values):
    """``(worst, name)``: the largest max|v − r| / max|r| over the arrays of
    ``reference``; every name of ``reference`` must be in ``values``."""
    if missing := sorted(set(reference) - set(values)):
        raise ValueError(f"The torch twin computed no {missing}; it has {sorted(values)}")
    differences = []
    for name, ref in reference.items():
        if values[name].shape != ref.shape:
            raise ValueError(f"{name}: torch shape {values[name].shape}, Keras shape {ref.shape}")
        scale = max(float(np.max(np.abs(ref))), 1e-30)
        differences.append((float(np.max(np.abs(values[name] - ref))) / scale, name))
    return max(differences)


def copies(nets, dtype):
    """Clones of ``nets`` with every layer in ``dtype`` (inputs and float32
    output layers included), holding the same weights."""
    import keras

    def in_dtype(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": dtype})

    twins = [
        keras.models.clone_model(net, keras.Input(net.input_shape[1:], dtype=dtype), clone_function=in_dtype)
        for net in nets
    ]
    for twin, net in zip(twins, nets):
        twin.set_weights(net.get_weights())
    return twins


def write_setup(path, nets, images, batch_size, seed=0):
    """Writes what a `torch_peer.serve` process needs into ``path`` (.npz).

    Args:
        nets: (generator, discriminator), the Keras nets to copy (any policy).
        images: float32 (n, h, w, c) in [-1, 1] holding k / 127.5 − 1
            (`ganzoo.data`'s values), stored as uint8 and rebuilt exactly.
        batch_size: the check's batch (the first images).

    Returns:
        ``(worst, name)`` of TensorFlow's float32 values against its float64
        ones: TensorFlow's own rounding on these nets.
    """
    (g_specs, g_weights), (d_specs, d_weights) = describe(nets[0], "g"), describe(nets[1], "d")
    images = np.asarray(images, np.float32)
    codes = np.round((images + 1) * np.float32(127.5)).astype(np.uint8)
    if not np.array_equal(from_codes(codes), images):
        raise ValueError("images must hold values k / 127.5 - 1 for integers k in [0, 255] (ganzoo.data's)")
    real = images[:batch_size]
    z_d, z_g = np.random.default_rng(seed).standard_normal((2, batch_size, nets[0].input_shape[-1]), np.float32)
    reference = keras_values(*copies(nets, "float64"), real, z_d, z_g)
    np.savez(path, specs=json.dumps({"g": g_specs, "d": d_specs}), images=codes, real=real, z_d=z_d, z_g=z_g,
             **{f"w/{k}": v for k, v in {**g_weights, **d_weights}.items()},
             **{f"ref/{k}": v for k, v in reference.items()})
    return worst_difference(reference, keras_values(*copies(nets, "float32"), real, z_d, z_g))


def from_codes(codes):
    """uint8 codes → float32 k / 127.5 − 1, bit-identical to `ganzoo.data`'s."""
    return codes.astype(np.float32) / np.float32(127.5) - np.float32(1)


class Peer:
    """A `torch_peer.serve` process driven from the benchmark's process.

    ``check`` holds its equivalence check, ``{"float64": (worst, name),
    "float32": (worst, name), ...}``: the float64 and float32 twins'
    worst relative differences to the float64 Keras values; ``run(steps)`` returns the (wall,
    CPU) seconds of all steps but the first, CPU being the peer process's.
    """

    def __init__(self, path, batch_size, precision, threads):
        import subprocess

        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16'; got {precision!r}")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_peer.py")
        command = [sys.executable, script, path, str(batch_size), precision, str(threads)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.check = self._reply()
        if not self.check["float64"][0] <= MAX_DIFFERENCE:
            self.close()
            raise RuntimeError(f"The torch twin is not the Keras nets' function (limit {MAX_DIFFERENCE}): {self.check}")

    def _reply(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"The torch peer exited with code {self.process.wait()}; its error is above")
        return json.loads(line)

    def run(self, steps):
        self.process.stdin.write(f"{int(steps)}\n")
        self.process.stdin.flush()
        reply = self._reply()
        return reply["wall"], reply["cpu"]

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)
