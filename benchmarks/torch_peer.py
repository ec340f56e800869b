r"""A PyTorch replica of ganzoo's default DCGAN nets and training step: the
peer that `benchmarks/train_throughput.py` times against `fit`, in its own
process (`serve`), which imports neither TensorFlow nor ganzoo; the
TensorFlow side is `benchmarks/torch_peer_driver.py`. torch is this
benchmark's optional peer, never a dependency of ganzoo.

**The nets** are translated layer by layer from the Keras nets
(`torch_peer_driver.describe`, then `build_net`): Dense → Linear, Conv2D / Conv2DTranspose "same" →
Conv2d / ConvTranspose2d with TensorFlow's (symmetric, for even sizes)
padding, BatchNormalization (or ganzoo's FusedBatchNormalization, the same
function) with momentum m and epsilon → BatchNorm(momentum 1 − m, same eps),
ReLU, LeakyReLU, tanh. torch runs channels first (its default); the Dense
kernels next to Reshape / Flatten are permuted, since Keras flattens
(h, w, c) and torch (c, h, w). Layers that a mixed-precision Keras
net keeps in float32 (G's tanh, D's logit) run in float32 under autocast too.

**The step** is VanillaGAN's default (non-saturating loss, Goodfellow et al.
2014, §3). D step: x̃ = G(z) without gradient; D called once per half (its
batch norm normalizes each half by its own statistics); L_D = mean
softplus(−D(x)) + mean softplus(D(x̃)). G step: fresh z, L_G = mean
softplus(−D(G(z))), no D(real), gradients of G's weights only. Adam(2e-4,
β1 = 0.5, β2 = 0.999) with Keras' ε = 1e-7 (torch's default is 1e-8; Keras
adds ε to √v, torch to √v / √(1 − β2ᵗ): updates differ by O(ε)). bf16:
`torch.autocast("cpu", dtype=torch.bfloat16)`, losses in float32.

**A quiet CPU only.** torch's OpenMP threads spin while they wait for each
other; when other processes hold the cores, a descheduled thread stalls the
whole team. With the load average at 12 on 2 cores the default step took
4.7 s where ``OMP_WAIT_POLICY=PASSIVE`` (inherited by the peer process) took
0.33 s. bf16 at 2 threads was slower still: 1.6 s/step with the passive
policy (load 6), against 55 ms/step on 1 thread. Time the peer on a quiet
machine (``--peer_threads`` sets its threads); the results record both.

**The equivalence check**: `torch_peer_driver.keras_values` (TensorFlow,
float64 copies of the nets) and `torch_values` (float32, after the weight
transfer) compute G's images, D's logits on both halves, both losses and
every trainable gradient on the same batch and z; `worst_difference` is the
largest max|torch − keras| / max|keras|.
"""

import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer_driver import from_codes, worst_difference  # noqa: E402 (numpy only)


def _layouts(specs, i, variable):
    """``(to_torch, to_keras)``: numpy functions between the Keras and torch
    layouts of variable ``variable`` of layer ``specs[i]``."""
    spec, same = specs[i], (lambda a: a, lambda a: a)
    if spec["kind"] in ("Conv2D", "Conv2DTranspose") and variable == "kernel":
        # Conv2D (kh, kw, in, out) → (out, in, kh, kw); Conv2DTranspose
        # (kh, kw, out, in) → (in, out, kh, kw): the same transposition.
        return (lambda a: a.transpose(3, 2, 0, 1), lambda a: a.transpose(2, 3, 1, 0))
    if spec["kind"] != "Dense":
        return same
    following = specs[i + 1] if i + 1 < len(specs) else None
    if following is not None and following["kind"] == "Reshape":
        h, w, c = following["config"]["target_shape"]
        if variable == "bias":  # (h·w·c) → (c·h·w)
            return (lambda a: a.reshape(h, w, c).transpose(2, 0, 1).ravel(),
                    lambda a: a.reshape(c, h, w).transpose(1, 2, 0).ravel())
        # (in, h·w·c) → (c·h·w, in)
        return (lambda a: a.reshape(-1, h, w, c).transpose(3, 1, 2, 0).reshape(c * h * w, -1),
                lambda a: a.reshape(c, h, w, -1).transpose(3, 1, 2, 0).reshape(-1, h * w * c))
    previous = specs[i - 1] if i > 0 else None
    if variable == "kernel" and previous is not None and previous["kind"] == "Flatten":
        h, w, c = previous["input_shape"]  # (h·w·c, out) → (out, c·h·w)
        return (lambda a: a.reshape(h, w, c, -1).transpose(3, 2, 0, 1).reshape(-1, c * h * w),
                lambda a: a.reshape(-1, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, -1))
    return (lambda a: a.T, lambda a: a.T) if variable == "kernel" else same


def _padding(config, size):
    """torch's symmetric padding equal to TensorFlow's "same" (or "valid")."""
    (k, _), (s, _) = config["kernel_size"], config["strides"]
    if config["padding"] == "valid":
        return 0
    total = max((-(-size // s) - 1) * s + k - size, 0)  # TensorFlow's: output ceil(size / s)
    if total % 2:
        raise ValueError(f"'same' padding of kernel {k}, stride {s} on size {size} is asymmetric; no torch twin")
    return total // 2


# Keras' layer and ganzoo's fused one: the same function, the same torch twin.
BATCH_NORMS = ("BatchNormalization", "FusedBatchNormalization")


def _module(spec):
    """The torch module of one Keras layer spec; a loud error for any layer
    or option it does not translate."""
    kind, config, shape = spec["kind"], spec["config"], spec["input_shape"]
    if config.get("activation", "linear") != "linear" and kind != "Activation":
        raise ValueError(f"No torch twin for layer {spec['name']!r} with a fused activation {config['activation']!r}")
    if kind == "Dense":
        return nn.Linear(int(np.prod(shape)), config["units"], bias=config["use_bias"])
    if kind == "Reshape":
        h, w, c = config["target_shape"]
        return nn.Unflatten(1, (c, h, w))
    if kind == "Flatten":
        return nn.Flatten()
    if kind in BATCH_NORMS and config["axis"] in (-1, len(shape)) and config["center"] and config["scale"]:
        batch_norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        return batch_norm(shape[-1], eps=config["epsilon"], momentum=1 - config["momentum"])
    if kind == "ReLU" and config["max_value"] is None and not config["negative_slope"] and not config["threshold"]:
        return nn.ReLU()
    if kind == "LeakyReLU":
        # TensorFlow's LeakyRelu op holds its slope as a float32 attribute.
        return nn.LeakyReLU(float(np.float32(config["negative_slope"])))
    if kind == "Activation" and config["activation"] in ("tanh", "sigmoid", "relu", "linear"):
        return {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU, "linear": nn.Identity}[config["activation"]]()
    if (kind in ("Conv2D", "Conv2DTranspose") and tuple(config["dilation_rate"]) == (1, 1)
            and config.get("groups", 1) == 1 and config["data_format"] == "channels_last"
            and len(set(config["kernel_size"])) == len(set(config["strides"])) == len(set(shape[:2])) == 1):
        k, s = config["kernel_size"], config["strides"]  # square kernels, strides and images
        if kind == "Conv2D":
            return nn.Conv2d(shape[-1], config["filters"], k, s, _padding(config, shape[0]), bias=config["use_bias"])
        if config["output_padding"] is None and config["padding"] == "same" and (k[0] - s[0]) % 2 == 0:
            return nn.ConvTranspose2d(shape[-1], config["filters"], k, s, (k[0] - s[0]) // 2, bias=config["use_bias"])
    raise ValueError(f"No torch twin for Keras layer {spec['name']!r} ({kind}, {config})")


def build_net(specs, weights, prefix, dtype=torch.float32):
    """The torch twin of a net described by `describe`, holding its weights
    in ``dtype``.

    Returns ``(net, body, tail, variables)``: ``net`` (an `nn.Sequential`)
    owns every parameter, ``body`` and ``tail`` are its two parts (the tail:
    the layers kept in float32), and ``variables`` lists
    ``(keras_name, torch_tensor, to_keras)`` for every Keras weight.
    """
    modules, variables = [], []
    torch_names = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
                   "moving_mean": "running_mean", "moving_variance": "running_var"}
    for i, spec in enumerate(specs):
        module = _module(spec).to(dtype)
        modules.append(module)
        for key in [k for k in weights if k.startswith(f"{prefix}/{spec['name']}/")]:
            variable = key.rsplit("/", 1)[1]
            to_torch, to_keras = _layouts(specs, i, variable)
            tensor = getattr(module, torch_names[variable])
            with torch.no_grad():
                tensor.copy_(torch.from_numpy(np.ascontiguousarray(to_torch(weights[key]))))
            variables.append((key, tensor, to_keras))
    flags = [spec["float32"] for spec in specs]
    split = flags.index(True) if True in flags else len(flags)
    if not all(flags[split:]):
        raise ValueError(f"Only the last layers may be kept in float32; got {flags}")
    net = nn.Sequential(*modules)
    return net, net[:split], net[split:], variables


def _at_least_float32(x):
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def forward(twin, x):
    """Runs a `build_net` twin: body under any autocast, tail in float32
    (or float64, for a float64 twin)."""
    _, body, tail, _ = twin
    x = body(x)
    if len(tail) == 0:
        return x
    with torch.autocast("cpu", enabled=False):
        return tail(_at_least_float32(x))


def _d_loss(real_logits, fake_logits):
    real_logits, fake_logits = _at_least_float32(real_logits), _at_least_float32(fake_logits)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def _g_loss(fake_logits):
    return F.softplus(-_at_least_float32(fake_logits)).mean()


def torch_values(g_twin, d_twin, real, z_d, z_g):
    """The values of `torch_peer_driver.keras_values`, from the torch twins,
    computed in their dtype and returned as float64 arrays."""
    dtype = next(g_twin[0].parameters()).dtype
    for twin in (g_twin, d_twin):
        twin[0].train()
    z_d, z_g = (torch.from_numpy(np.asarray(z)).to(dtype) for z in (z_d, z_g))
    real = torch.from_numpy(np.asarray(real)).to(dtype).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        fake = forward(g_twin, z_d)
    real_logits, fake_logits = forward(d_twin, real), forward(d_twin, fake)
    d_loss = _d_loss(real_logits, fake_logits)
    d_grads = torch.autograd.grad(d_loss, [t for _, t, _ in d_twin[3] if t.requires_grad])
    g_loss = _g_loss(forward(d_twin, forward(g_twin, z_g)))
    g_grads = torch.autograd.grad(g_loss, [t for _, t, _ in g_twin[3] if t.requires_grad])
    values = {"images": fake.permute(0, 2, 3, 1), "real_logits": real_logits, "fake_logits": fake_logits,
              "d_loss": d_loss, "g_loss": g_loss}
    for twin, grads in ((d_twin, d_grads), (g_twin, g_grads)):
        trainable = [(name, to_keras) for name, t, to_keras in twin[3] if t.requires_grad]
        for (name, to_keras), grad in zip(trainable, grads):
            values[f"grad/{name}"] = to_keras(grad.numpy())
    return {name: np.asarray(value.detach().numpy() if hasattr(value, "detach") else value, np.float64)
            for name, value in values.items()}


def make_train_step(g_twin, d_twin, batch_size, latent_dim, bf16, seed=0):
    """``train_step(real)`` (real: (batch, c, h, w) float32) → (d_loss, g_loss)."""
    noise = torch.Generator().manual_seed(seed)
    g_params, d_params = list(g_twin[0].parameters()), list(d_twin[0].parameters())
    g_optimizer = torch.optim.Adam(g_params, lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    d_optimizer = torch.optim.Adam(d_params, lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    for twin in (g_twin, d_twin):
        twin[0].train()

    def train_step(real):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            with torch.no_grad():
                fake = forward(g_twin, torch.randn(batch_size, latent_dim, generator=noise))
            d_loss = _d_loss(forward(d_twin, real), forward(d_twin, fake))  # one call per half
        for p, grad in zip(d_params, torch.autograd.grad(d_loss, d_params)):
            p.grad = grad
        d_optimizer.step()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            fake = forward(g_twin, torch.randn(batch_size, latent_dim, generator=noise))
            g_loss = _g_loss(forward(d_twin, fake))
        for p, grad in zip(g_params, torch.autograd.grad(g_loss, g_params)):  # G's weights only
            p.grad = grad
        g_optimizer.step()
        return d_loss.detach(), g_loss.detach()

    return train_step


def _clocks():
    return time.perf_counter(), time.process_time()


def read_setup(path):
    """``(setup, specs, weights)`` of a `torch_peer_driver.write_setup` file:
    its arrays, the nets' layer specs and their weights by name."""
    setup = np.load(path)
    weights = {k[2:]: setup[k] for k in setup.files if k.startswith("w/")}
    return setup, json.loads(str(setup["specs"])), weights


def serve(path, batch_size, precision, threads):
    """The peer process: checks the twin against the Keras values in
    ``path``, prints the check as one JSON line, then for every line "n" on
    stdin trains n steps and prints ``{"wall": s, "cpu": s}`` of all steps
    but the first (the timing convention of train_throughput.py)."""
    torch.set_num_threads(threads)
    setup, specs, weights = read_setup(path)
    reference = {k[4:]: setup[k] for k in setup.files if k.startswith("ref/")}
    check = {"values": len(reference), "torch": torch.__version__, "threads": torch.get_num_threads(),
             "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset")}
    for dtype in (torch.float64, torch.float32):  # the equivalence; then torch's float32 rounding
        twins = [build_net(specs[net], weights, net, dtype) for net in ("g", "d")]
        values = torch_values(*twins, setup["real"], setup["z_d"], setup["z_g"])
        check[str(dtype).replace("torch.", "")] = worst_difference(reference, values)
    print(json.dumps(check), flush=True)
    g_twin, d_twin = twins  # float32, for training
    images = torch.from_numpy(from_codes(setup["images"])).permute(0, 3, 1, 2).contiguous()
    batches = len(images) // batch_size  # drop_remainder, as the Keras trainers' dataset
    train_step = make_train_step(g_twin, d_twin, batch_size, specs["g"][0]["input_shape"][0], precision == "bf16")
    position = 0
    for line in sys.stdin:
        steps = int(line)
        for i in range(steps):
            start = position % batches * batch_size
            position += 1
            train_step(images[start : start + batch_size])  # synchronous on CPU
            if i == 0:
                begin = _clocks()
        end = _clocks()
        print(json.dumps({"wall": end[0] - begin[0], "cpu": end[1] - begin[1]}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(f"usage: {sys.argv[0]} SETUP.npz BATCH_SIZE fp32|bf16 THREADS (started by train_throughput.py)")
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
