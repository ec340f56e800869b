"""tf.distribute and mixed precision, for every GAN in `ganzoo.models.MODELS`.

The strategy tests need TensorFlow configured before it initialises (two
logical CPUs, or a TF_CONFIG cluster), so they run this file as a script in
fresh processes (the ``__main__`` part at the bottom) and check what it
writes. Every variant is trained on 2-D points with the variant's own MLPs
(`ganzoo.architectures.default_networks`), which have no batch norm; one extra case checks DCGAN
nets with synchronized batch norm.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

POINTS = (2,)
LATENT_DIM = 4
BATCH = 16  # the global batch; 8 per replica
SYNC_BN_CASE = "vanilla+dcgan_sync_batch"
OVERFLOW_CASE = "float16_overflow_on_replica_1"


def _model_names():
    """The unconditional variants: these checks train on unlabelled data. The
    class-conditional ones (ConditionalGAN, ACGAN) run the same Mirrored,
    bfloat16 and XLA checks on labelled points in tests/models/."""
    import ganzoo

    return sorted(name for name, cls in ganzoo.models.MODELS.items() if not getattr(cls, "conditional", False))


# --------------------------------------------------------------- subprocesses
def _run_script(args, env_extra=None, timeout=900):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    env.pop("TF_CONFIG", None)
    env.update(env_extra or {})
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ), timeout


def _wait(process, timeout):
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"worker timed out after {timeout}s:\n{output[-4000:]}")
    assert process.returncode == 0, output[-4000:]
    return output


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """Starts the Mirrored process and the two MultiWorker processes at once
    (they mostly wait on imports and tracing)."""
    root = tmp_path_factory.mktemp("distribute")
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    launched = {"mirrored": _run_script(["mirrored", str(root / "mirrored.json")])}
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        launched[f"worker{index}"] = _run_script(
            ["worker", str(root / f"worker{index}")], {"TF_CONFIG": tf_config}
        )
    yield root, launched
    for process, _ in launched.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def mirrored_results(workers):
    root, launched = workers
    _wait(*launched["mirrored"])
    return json.loads((root / "mirrored.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", _model_names() + [SYNC_BN_CASE])
def test_mirrored_step_equals_one_device_step(mirrored_results, name):
    """One MirroredStrategy step on 2 logical CPUs over global batch B gives
    the weights of one single-device step on the same B (plain SGD, so a
    wrong loss scale would show)."""
    result = mirrored_results[name]
    assert result["finite"], result
    assert result["seed_copies_agree"], result
    assert result["moved"] > 1e-4, result  # the step is large enough to tell
    if result["batch_coupled"]:
        # Minibatch discrimination compares the examples of each replica's
        # batch: per replica by design, so only the run itself is checked.
        return
    assert result["max_weight_diff"] < 1e-5, result


@pytest.mark.slow
def test_loss_scaling_skips_the_step_when_any_replica_overflows(mirrored_results):
    """Keras' LossScaleOptimizer judges finiteness on the first replica only;
    ganzoo makes all replicas agree, so an overflow on replica 1 skips D's
    update everywhere instead of writing inf into the weights."""
    result = mirrored_results[OVERFLOW_CASE]
    assert result["d_unchanged"], result
    assert result["scale_ratio"] < 1, result
    assert result["g_finite"], result


@pytest.mark.slow
def test_multi_worker_workers_end_with_identical_weights(workers):
    """Two MultiWorkerMirroredStrategy workers on loopback ports (TF_CONFIG)
    train every variant 2 steps and end with identical weights and seeds."""
    root, launched = workers
    for index in range(2):
        _wait(*launched[f"worker{index}"])
    weights = [np.load(root / f"worker{index}.npz") for index in range(2)]
    names = _model_names()
    assert sorted({key.split("/")[0] for key in weights[0].files}) == names
    for key in weights[0].files:
        np.testing.assert_array_equal(weights[0][key], weights[1][key], err_msg=key)
    for name in names:
        assert int(weights[0][f"{name}/d_iterations"]) >= 2, name


# ------------------------------------------------------- in-process checks
@pytest.fixture
def bfloat16_policy():
    import keras

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.slow
@pytest.mark.parametrize("name", _model_names())
def test_mixed_bfloat16_fit_logs_finite_float32(bfloat16_policy, name):
    import keras
    import tensorflow as tf

    import ganzoo

    cls = ganzoo.models.MODELS[name]
    generator, discriminator = cls.build_networks((28, 28, 1), latent_dim=8)
    gan = cls(generator=generator, discriminator=discriminator, latent_dim=8, seed=0)
    assert gan.dtype_policy.name == "mixed_bfloat16"
    assert any(layer.compute_dtype == "bfloat16" for layer in discriminator.layers)
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    logs = gan.train_step(tf.constant(images[:8]))  # eager: the logged tensors' dtypes
    assert {value.dtype for value in logs.values()} == {tf.float32}, logs
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert set(history.history) >= {"d_loss", "g_loss"}
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
    assert all(w.dtype == "float32" for w in gan.generator.weights)
    samples = gan.generate(2, seed=0)
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    keras.backend.clear_session()


@pytest.mark.slow
@pytest.mark.parametrize("name", _model_names())
def test_train_step_compiles_with_xla(name):
    """TPU-ready: static shapes and no host-side Python in the step, so it
    compiles with XLA (what TPUStrategy requires)."""
    import ganzoo

    cls = ganzoo.models.MODELS[name]
    gan = _gan(cls, cls.build_networks(POINTS, LATENT_DIM), seed=0)
    gan.compile(jit_compile=True)
    history = gan.fit(_data(name, BATCH), batch_size=BATCH // 2, epochs=1, verbose=0, shuffle=False)
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)


def test_set_mixed_precision_picks_the_policy_for_the_device():
    import keras
    import tensorflow as tf
    from ganzoo import distribute

    expected = "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"
    try:
        assert distribute.set_mixed_precision(True) == expected
        assert keras.mixed_precision.global_policy().name == expected
        assert distribute.set_mixed_precision(False) == "float32"
        with pytest.raises(ValueError, match="True or False"):
            distribute.set_mixed_precision("bf16")
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_cpu_bfloat16_support_is_read_from_the_cpu_flags(tmp_path):
    from ganzoo import distribute

    avx2 = tmp_path / "avx2"
    avx2.write_text("model name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma\n")
    bf16 = tmp_path / "bf16"
    bf16.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert not distribute.cpu_has_bfloat16(str(avx2))
    assert distribute.cpu_has_bfloat16(str(bf16))
    assert distribute.cpu_has_bfloat16(str(tmp_path / "missing"))  # not Linux: no claim


def test_mixed_bfloat16_warns_on_a_cpu_that_emulates_it(monkeypatch):
    import keras
    import tensorflow as tf
    from ganzoo import distribute

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU gets mixed_float16")
    monkeypatch.setattr(distribute, "cpu_has_bfloat16", lambda: False)
    try:
        with pytest.warns(UserWarning, match="emulates bfloat16"):
            distribute.set_mixed_precision(True)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_get_strategy_names_and_errors():
    import tensorflow as tf
    from ganzoo import distribute

    assert distribute.get_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ValueError, match=r"Unknown strategy 'horovod'.*'mirrored'"):
        distribute.get_strategy("horovod")
    with pytest.raises(RuntimeError, match="No TPU available"):
        distribute.get_strategy("tpu")


# ======================================================= worker processes
def _gan(cls, nets, seed):
    generator, discriminator = nets
    # At most 2 D steps per G step: enough to check the loop, quick to trace.
    d_steps = min(cls.default_d_steps, 2)
    return cls(
        generator=generator, discriminator=discriminator, latent_dim=LATENT_DIM, seed=seed,
        d_steps=d_steps,
    )


def _nets(name):
    import ganzoo

    if name == SYNC_BN_CASE:
        from helpers import tiny_networks

        return tiny_networks(latent_dim=LATENT_DIM, normalization="sync_batch")
    return ganzoo.architectures.default_networks(ganzoo.models.MODELS[name], POINTS, LATENT_DIM)


def _data(name, num):
    shape = (28, 28, 1) if name == SYNC_BN_CASE else POINTS
    return np.random.default_rng(1).uniform(-1, 1, (num, *shape)).astype("float32")


def _compile(gan):
    import keras

    gan.compile(d_optimizer=keras.optimizers.SGD(0.01), g_optimizer=keras.optimizers.SGD(0.01))


def _weights(gan):
    return gan.generator.get_weights() + gan.discriminator.get_weights()


def _mirrored_main(out):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras

    import ganzoo
    from ganzoo.models.networks import couples_batch

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    results = {}
    for name in _model_names() + [SYNC_BN_CASE]:
        cls = ganzoo.models.MODELS["vanilla" if name == SYNC_BN_CASE else name]
        keras.utils.set_random_seed(0)
        single = _gan(cls, _nets(name), seed=3)
        # One step: with fresh real batches, one batch of BATCH per D update.
        images = _data(name, BATCH * single.real_batches_per_step)
        initial = _weights(single)
        _compile(single)
        single.fit(images, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        with strategy.scope():
            mirrored = _gan(cls, _nets(name), seed=3)
            mirrored.generator.set_weights(initial[: len(single.generator.weights)])
            mirrored.discriminator.set_weights(initial[len(single.generator.weights) :])
            _compile(mirrored)
        mirrored.fit(images, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        after_single, after_mirrored = _weights(single), _weights(mirrored)
        seed_copies = [s.numpy() for s in strategy.experimental_local_results(mirrored.seed_generator.state.value)]
        d = mirrored.discriminator
        results[name] = {
            "max_weight_diff": max(float(np.abs(a - b).max()) for a, b in zip(after_single, after_mirrored)),
            "moved": max(float(np.abs(a - b).max()) for a, b in zip(initial, after_single)),
            "finite": all(np.isfinite(w).all() for w in after_mirrored),
            "seed_copies_agree": all(np.array_equal(s, single.seed_generator.state.numpy()) for s in seed_copies),
            "batch_coupled": couples_batch(d) and name != SYNC_BN_CASE,
        }
        print(name, results[name], flush=True)
    results[OVERFLOW_CASE] = _overflow_on_one_replica(strategy)
    print(OVERFLOW_CASE, results[OVERFLOW_CASE], flush=True)
    with open(out, "w") as f:
        json.dump(results, f)


def _overflow_on_one_replica(strategy):
    """mixed_float16 with D's loss infinite on replica 1 only: the D step
    must be skipped on every replica (and the loss scale halved)."""
    import keras
    import tensorflow as tf

    import ganzoo
    from ganzoo.distribute import replica_id

    class OverflowOnReplica1(ganzoo.models.MODELS["vanilla"]):
        def discriminator_loss(self, real_logits, fake_logits, condition=None):
            loss = super().discriminator_loss(real_logits, fake_logits, condition)
            return loss * tf.where(tf.equal(replica_id(), 1), float("inf"), 1.0)

    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with strategy.scope():
            gan = _gan(OverflowOnReplica1, _nets("vanilla"), seed=3)
            before = gan.discriminator.get_weights()
            _compile(gan)
            scale = float(gan.d_optimizer.dynamic_scale.numpy())
        gan.fit(_data("vanilla", BATCH), batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    after = gan.discriminator.get_weights()
    return {
        "d_unchanged": all(np.array_equal(a, b) for a, b in zip(before, after)),
        "scale_ratio": float(gan.d_optimizer.dynamic_scale.numpy()) / scale,
        "g_finite": all(np.isfinite(w).all() for w in gan.generator.get_weights()),
    }


def _worker_main(out):
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    import keras

    import ganzoo

    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    arrays = {}
    for name in _model_names():
        cls = ganzoo.models.MODELS[name]
        # A different init seed and no GAN seed on each worker: the strategy
        # must broadcast the chief's initial weights and SeedGenerator state.
        keras.utils.set_random_seed(100 + index)
        with strategy.scope():
            gan = _gan(cls, _nets(name), seed=None)
            _compile(gan)
        data = tf.data.Dataset.from_tensor_slices(_data(name, 2 * BATCH)).batch(BATCH)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        gan.fit(data.with_options(options), epochs=1, verbose=0)
        for i, w in enumerate(_weights(gan)):
            arrays[f"{name}/w{i}"] = w
        arrays[f"{name}/seed_state"] = gan.seed_generator.state.numpy()
        arrays[f"{name}/d_iterations"] = np.array(gan.d_optimizer.iterations.numpy())
        print(name, "done", flush=True)
    np.savez(out, **arrays)


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    {"mirrored": _mirrored_main, "worker": _worker_main}[mode](path)


@pytest.mark.slow
def test_train_cli_multi_worker_chief_alone_writes_the_outputs(tmp_path):
    """`python -m ganzoo.train --strategy=multi_worker` on two workers: both
    train, only the chief's files are in --output_dir, and the other worker's
    scratch copy is gone at the end."""
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    run_dir = tmp_path / "run"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    processes = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "ganzoo.train", "--strategy=multi_worker", "--dataset=ring8", "--steps=6",
             "--batch_size=32", "--mixture_points=512", "--verbose=0", "--num_samples=16",
             f"--output_dir={run_dir}"],
            env={**env, "TF_CONFIG": tf_config}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))
    outputs = [_wait(process, 900) for process in processes]
    assert "the chief wrote the outputs in" in outputs[1], outputs[1][-2000:]
    assert sorted(os.listdir(run_dir)) == sorted(
        ["generator", "log.csv", "metrics.json", "model.keras", "samples", "samples.png", "tensorboard"]
    )
    with open(run_dir / "metrics.json") as f:
        assert json.load(f)["steps"] == 6
