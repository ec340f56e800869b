"""oneDNN's kernels by default in ``python -m ganzoo.<command>``, never on a library import."""

import os
import platform
import subprocess
import sys

import pytest

from ganzoo import cpu_kernels

X86 = platform.machine().lower() in ("x86_64", "amd64")


@pytest.mark.skipif(not X86, reason="the default is set on x86-64 only")
def test_the_cli_environment_turns_onednn_on_unless_it_is_set():
    assert cpu_kernels.cli_environment({"PATH": "/bin"}) == {"PATH": "/bin", "TF_ENABLE_ONEDNN_OPTS": "1"}
    assert cpu_kernels.cli_environment({"TF_ENABLE_ONEDNN_OPTS": "0"}) == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    environ = {}
    cpu_kernels.cli_environment(environ)
    assert environ == {}  # a copy


PROBE = "import os, sys, ganzoo; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset'))"


def _run(args, value):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = value
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_a_library_import_leaves_the_variable_alone():
    assert _run(["-c", PROBE], None).stdout.strip() == "unset"


@pytest.mark.skipif(not X86, reason="the default is set on x86-64 only")
def test_a_ganzoo_command_runs_with_onednn_on_and_the_user_can_turn_it_off():
    """`python -m ganzoo.zoo` stands for every command: TensorFlow says oneDNN is on, unless =0."""
    on = _run(["-m", "ganzoo.zoo"], None)
    assert "oneDNN custom operations are on" in on.stderr
    off = _run(["-m", "ganzoo.zoo"], "0")
    assert "oneDNN custom operations are on" not in off.stderr
    assert on.stdout == off.stdout  # the zoo's table
