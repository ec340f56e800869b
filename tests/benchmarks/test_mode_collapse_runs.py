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


def test_a_record_made_before_a_field_existed_takes_its_default(tmp_path):
    import json

    path = str(tmp_path / "runs.json")
    config = mode_collapse.Config(steps=100)
    result = {"modes": 25, "high_quality": 95.0, "reverse_kl": 0.1, "cpu_s": 3.0, "wall_s": 4.0}
    mode_collapse.record_run(path, "grid25", "minimax", 0, config, result)
    with open(path) as f:
        records = json.load(f)
    for record in records.values():
        del record["config"]["r1_gamma"]  # as recorded before R1 rows existed
    with open(path, "w") as f:
        json.dump(records, f)
    assert mode_collapse.load_runs(path, config) == {("grid25", "minimax", 0): result}
    assert mode_collapse.load_runs(path, dataclasses.replace(config, r1_gamma=1.0)) == {}


def test_the_stabiliser_rows_build_their_gans():
    config = mode_collapse.Config(steps=10, hidden_units=(8,))
    gans = {v: mode_collapse.make_gan(v, config, 0) for v in ("sngan", "r1", "pacgan2", "pacgan4_r1",
                                                             "feature_matching_adversarial_pacgan4")}
    assert gans["sngan"].d_steps == 1 and type(gans["sngan"]).__name__ == "SNGAN"
    assert gans["r1"].r1_gamma == config.r1_gamma and gans["r1"].packing == 1
    assert gans["pacgan2"].packing == 2 and gans["pacgan2"].r1_gamma == 0.0
    assert gans["pacgan4_r1"].packing == 4 and gans["pacgan4_r1"].r1_gamma == config.r1_gamma
    assert gans["feature_matching_adversarial_pacgan4"].packing == 4
