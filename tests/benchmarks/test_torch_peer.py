"""The PyTorch peer of benchmarks/train_throughput.py computes the Keras nets'
function: outputs, losses and every gradient after the weight transfer.

Skipped where torch is not installed (CI): torch is no dependency of ganzoo.
"""

import os
import sys

import keras
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import tiny_networks  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import torch_peer  # noqa: E402
import torch_peer_driver as driver  # noqa: E402

BATCH = 8


def _case(policy="float32", seed=0):
    """Tiny nets under ``policy`` and one step's inputs (real images, z of each step)."""
    keras.utils.set_random_seed(seed)
    keras.mixed_precision.set_global_policy(policy)
    try:
        nets = tiny_networks()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    rng = np.random.default_rng(seed)
    real = driver.from_codes(rng.integers(0, 256, (BATCH, 28, 28, 1), dtype=np.uint8))
    z_d, z_g = rng.standard_normal((2, BATCH, nets[0].input_shape[-1])).astype(np.float32)
    return nets, real, z_d, z_g


@pytest.fixture(scope="module")
def float32_case():
    """Float32 tiny nets, one step's inputs and the Keras values (float64 copies)."""
    nets, real, z_d, z_g = _case()
    reference = driver.keras_values(*driver.copies(nets, "float64"), real, z_d, z_g)
    return nets, (real, z_d, z_g), reference


def _twins(nets, mutate=None, dtype=torch.float64):
    (g_specs, g_weights), (d_specs, d_weights) = driver.describe(nets[0], "g"), driver.describe(nets[1], "d")
    if mutate is not None:
        mutate(g_specs, d_specs)
    weights = {**g_weights, **d_weights}
    return tuple(torch_peer.build_net(specs, weights, net, dtype) for specs, net in ((g_specs, "g"), (d_specs, "d")))


def test_the_twin_computes_the_keras_nets_values(float32_case):
    nets, inputs, reference = float32_case
    values = torch_peer.torch_values(*_twins(nets), *inputs)
    trainable = len(nets[0].trainable_variables) + len(nets[1].trainable_variables)
    assert sum(name.startswith("grad/") for name in reference) == trainable == 15
    worst, where = driver.worst_difference(reference, values)
    assert worst < driver.MAX_DIFFERENCE, where
    # In float32 the twin rounds, a little.
    float32_values = torch_peer.torch_values(*_twins(nets, dtype=torch.float32), *inputs)
    assert driver.worst_difference(reference, float32_values)[0] < 1e-4
    # The torch losses are the non-saturating ones, by hand from its logits.
    softplus = lambda x: np.logaddexp(0.0, x)  # noqa: E731
    expected = softplus(-values["real_logits"]).mean() + softplus(values["fake_logits"]).mean()
    assert values["d_loss"] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("mistake", ["batch_norm_epsilon", "flatten_order"])
def test_the_check_catches_a_wrong_twin(float32_case, mistake):
    def mutate(g_specs, d_specs):
        if mistake == "batch_norm_epsilon":  # torch's default eps instead of Keras' 1e-3
            next(s for s in g_specs if s["kind"].endswith("BatchNormalization"))["config"]["epsilon"] = 1e-5
        else:  # D's logit weights not reordered from Keras' (h, w, c) to torch's (c, h, w)
            flatten = next(s for s in d_specs if s["kind"] == "Flatten")
            flatten["input_shape"] = [1, 1, int(np.prod(flatten["input_shape"]))]

    nets, inputs, reference = float32_case
    worst, _ = driver.worst_difference(reference, torch_peer.torch_values(*_twins(nets, mutate), *inputs))
    assert worst > driver.MAX_DIFFERENCE


def test_a_bf16_twin_keeps_the_output_layers_in_float32_and_trains():
    nets, real, _, _ = _case("mixed_bfloat16")
    g_twin, d_twin = _twins(nets, dtype=torch.float32)
    assert [layer.name for layer in nets[0].layers[-1:] + nets[1].layers[-1:]] == ["images", "logits"]
    assert len(g_twin[2]) == len(d_twin[2]) == 1  # the float32 tails: tanh, the logit
    before = [p.detach().clone() for p in g_twin[0].parameters()]
    train_step = torch_peer.make_train_step(g_twin, d_twin, BATCH, nets[0].input_shape[-1], bf16=True)
    real = torch.from_numpy(real).permute(0, 3, 1, 2).contiguous()
    d_loss, g_loss = train_step(real)
    assert d_loss.dtype == g_loss.dtype == torch.float32
    assert np.isfinite([float(d_loss), float(g_loss)]).all()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch_peer.forward(g_twin, torch.zeros(2, nets[0].input_shape[-1])).dtype == torch.float32
    assert any(not torch.equal(a, b) for a, b in zip(before, g_twin[0].parameters()))


def test_the_peer_process_checks_itself_then_times_steps(tmp_path):
    nets, _, _, _ = _case()
    images = driver.from_codes(np.random.default_rng(2).integers(0, 256, (4 * BATCH, 28, 28, 1), dtype=np.uint8))
    path = str(tmp_path / "setup.npz")
    tf_rounding, _ = driver.write_setup(path, nets, images, BATCH)
    assert 0 < tf_rounding < 1e-3
    peer = driver.Peer(path, BATCH, "fp32", threads=1)
    try:
        assert peer.check["float64"][0] <= driver.MAX_DIFFERENCE and 0 < peer.check["float32"][0] < 1e-3
        assert peer.check["threads"] == 1 and peer.check["values"] == 20
        wall, cpu = peer.run(3)
        assert wall > 0 and cpu > 0
    finally:
        peer.close()
    assert peer.process.returncode == 0


def test_a_layer_without_a_twin_is_refused():
    dense = {"name": "project", "kind": "Dense", "config": {"units": 2, "use_bias": True, "activation": "relu"},
             "input_shape": [3], "float32": False}
    with pytest.raises(ValueError, match="'project' with a fused activation 'relu'"):
        torch_peer.build_net([dense], {}, "g")
    with pytest.raises(ValueError, match="No torch twin for Keras layer 'drop'"):
        torch_peer.build_net([{**dense, "name": "drop", "kind": "Dropout", "config": {"rate": 0.5}}], {}, "g")
