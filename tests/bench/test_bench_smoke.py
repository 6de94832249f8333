"""The benchmark's pure helpers: percentiles, durations, aggregation and the Markdown table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load_run():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_run()


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert run.percentile(values, 50) == pytest.approx(50.5)
    assert run.percentile(values, 99) == pytest.approx(99.01)
    assert run.percentile(values, 0) == 1.0
    assert run.percentile(values, 100) == 100.0
    assert run.percentile([7.0], 90) == 7.0
    assert run.percentile([], 50) == 0.0


def test_percentile_ignores_input_order() -> None:
    assert run.percentile([3.0, 1.0, 2.0], 50) == 2.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15s", 15.0), ("500ms", 0.5), ("2m", 120.0), ("3", 3.0), (" 1.5s ", 1.5)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert run.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "fast", "-1s", "10h", "1.5.2s"])
def test_parse_duration_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        run.parse_duration(text)


def test_render_table_is_markdown() -> None:
    table = run.render_table(("target", "RPS"), [("reference", "5,017"), ("behest", 12)])
    assert table.splitlines() == [
        "| target | RPS |",
        "| --- | --- |",
        "| reference | 5,017 |",
        "| behest | 12 |",
    ]


def _sample(target: str, case: str, p50: float, rps: float) -> dict[str, object]:
    return {
        "target": target,
        "case": case,
        "rps": rps,
        "p50_ms": p50,
        "p90_ms": p50,
        "p99_ms": p50,
        "requests": 10,
        "errors": 0,
    }


def test_aggregate_takes_medians_and_subtracts_direct() -> None:
    report = sys.modules["report"]
    samples = [
        _sample("direct", "plain-1", 0.10, 1000),
        _sample("direct", "plain-1", 0.30, 3000),
        _sample("direct", "plain-1", 0.20, 2000),
        _sample("behest", "plain-1", 0.90, 900),
    ]
    merged = report.aggregate(samples)
    assert merged[("direct", "plain-1")]["rps"] == 2000
    assert merged[("direct", "plain-1")]["requests"] == 30
    assert merged[("behest", "plain-1")]["added_p50_ms"] == pytest.approx(0.70)
    assert merged[("direct", "plain-1")]["added_p50_ms"] is None


def test_parse_args_smoke_preset_needs_no_wrk_or_litellm() -> None:
    args = run.parse_args(["--smoke"])
    assert args.loadgen == "asyncio"
    assert "litellm" not in args.targets
    assert args.rounds == 1
    assert all(case.connections <= 4 for case in args.cases)


def test_ratios_are_withheld_where_the_load_core_was_saturated() -> None:
    report = sys.modules["report"]
    samples = []
    for target, rps in (("reference", 2000), ("behest-full", 1200)):
        for case in ("plain-16", "stream-16"):
            sample = _sample(target, case, 1.0, rps)
            sample["loadgen_core_pct"] = (
                99.0 if (target, case) == ("reference", "stream-16") else 40
            )
            samples.append(sample)
    rows = report.headline_rows(report.aggregate(samples), ["reference", "behest-full"], {})
    behest = rows[1]
    assert behest["rps_vs_reference"] == pytest.approx(0.6)
    assert behest["streams_vs_reference"] is None


def test_measurements_refuse_to_run_without_wrk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "wrk_available", lambda: False)
    with pytest.raises(SystemExit):
        run.parse_args(["--quick"])
    assert run.parse_args(["--quick", "--loadgen", "asyncio"]).loadgen == "asyncio"
