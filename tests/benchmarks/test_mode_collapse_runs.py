"""benchmarks/mode_collapse.py reuses a recorded run only under the same settings."""

import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import mode_collapse  # noqa: E402


def test_a_recorded_run_is_reused_only_with_identical_settings(tmp_path):
    path = str(tmp_path / "runs.json")
    config = mode_collapse.Config(steps=100)
    result = {"modes": 7, "high_quality": 91.5, "reverse_kl": 0.25, "cpu_s": 3.0, "wall_s": 4.0}
    mode_collapse.record_run(path, "ring8", "minimax", 1, config, result)
    assert mode_collapse.load_runs(path, config) == {("ring8", "minimax", 1): result}
    assert mode_collapse.load_runs(path, dataclasses.replace(config, steps=200)) == {}
    assert mode_collapse.load_runs(path, dataclasses.replace(config, hidden_units=(64,))) == {}
    assert mode_collapse.load_runs(str(tmp_path / "missing.json"), config) == {}
    # A rerun of the same (dataset, variant, seed) replaces the record.
    mode_collapse.record_run(path, "ring8", "minimax", 1, config, {**result, "modes": 8})
    assert mode_collapse.load_runs(path, config)[("ring8", "minimax", 1)]["modes"] == 8
