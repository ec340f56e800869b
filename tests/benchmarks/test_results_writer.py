import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
from _results import write_section  # noqa: E402


def test_creates_replaces_and_leaves_other_sections_alone(tmp_path):
    path = str(tmp_path / "RESULTS.md")
    write_section("a", "first", path)
    write_section("b", "other", path)
    write_section("a", "second\n", path)
    text = open(path).read()
    assert "first" not in text
    assert "<!-- a:start -->\nsecond\n<!-- a:end -->" in text
    assert "<!-- b:start -->\nother\n<!-- b:end -->" in text
    assert text.index("a:start") < text.index("b:start")  # a stays in place


def test_refuses_broken_markers(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("<!-- a:start -->\nno end\n")
    with pytest.raises(ValueError, match="expected one of each"):
        write_section("a", "x", str(path))
