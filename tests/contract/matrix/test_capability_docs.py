"""docs/capabilities.md stays what scripts/capability_matrix.py renders from the matrix."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[3]


def _script() -> ModuleType:
    path = REPO / "scripts" / "capability_matrix.py"
    spec = importlib.util.spec_from_file_location("capability_matrix", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_doc_table_is_the_declared_matrix_with_every_cell_passing() -> None:
    script = _script()
    doc = (REPO / "docs" / "capabilities.md").read_text()
    table = script.between(doc, script.TABLE_START, script.TABLE_END)
    assert table == script.render_table(script.all_passed()), (
        "docs/capabilities.md is out of date: run .venv/bin/python scripts/capability_matrix.py"
    )


def test_doc_has_the_overhead_of_every_adapter() -> None:
    script = _script()
    doc = (REPO / "docs" / "capabilities.md").read_text()
    bench = script.between(doc, script.BENCH_START, script.BENCH_END)
    for adapter in ("openai", "anthropic", "gemini"):
        assert f"| {adapter} |" in bench


def test_junit_outcomes_are_read_per_cell() -> None:
    xml = """<testsuites><testsuite>
      <testcase classname="m" name="test_cell[text-openai]"/>
      <testcase classname="m" name="test_cell[n-anthropic]"><failure message="x"/></testcase>
      <testcase classname="m" name="test_cell[seed-gemini]"><skipped message="no"/></testcase>
      <testcase classname="m" name="test_other"/>
    </testsuite></testsuites>"""
    assert _script().parse_junit(xml) == {
        ("text", "openai"): "passed",
        ("n", "anthropic"): "failed",
        ("seed", "gemini"): "skipped",
    }
