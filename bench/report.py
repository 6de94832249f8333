"""Pure helpers: durations, medians over rounds, added latency, ratios, Markdown tables."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from loadgen import percentile

__all__ = [
    "aggregate",
    "headline_rows",
    "parse_duration",
    "percentile",
    "render_table",
    "saturated_cases",
]

DASH = "\u2013"  # en dash: no value
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "": 1.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|)\s*$")
METRICS = (
    "rps",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "ttfb_p50_ms",
    "ttfb_p99_ms",
    "cpu_ms_per_req",
    "core_pct",
    "loadgen_core_pct",
    "other_core_pct",
)


def parse_duration(text: str) -> float:
    """'15s', '500ms', '2m' or a bare number of seconds → seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (try 15s, 500ms or 1m)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def aggregate(samples: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Median of each metric over rounds, per (target, case); errors and requests summed."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for sample in samples:
        grouped.setdefault((sample["target"], sample["case"]), []).append(sample)
    merged = {}
    for key, rounds in grouped.items():
        row: dict[str, Any] = {"target": key[0], "case": key[1], "rounds": len(rounds)}
        for metric in METRICS:
            row[metric] = statistics.median(r.get(metric, 0.0) for r in rounds)
        row["requests"] = sum(r["requests"] for r in rounds)
        row["errors"] = sum(r["errors"] for r in rounds)
        merged[key] = row
    for (target, case), row in merged.items():
        base = merged.get(("direct", case))
        for metric in ("p50_ms", "p90_ms", "p99_ms", "ttfb_p50_ms"):
            added = row[metric] - base[metric] if base and target != "direct" else None
            row["added_" + metric] = added
    return merged


SATURATED_PCT = 90.0  # a load core this busy limits the load, not the target


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def saturated_cases(merged: dict[tuple[str, str], dict[str, Any]]) -> set[tuple[str, str]]:
    """(target, case) pairs whose load generator's core was saturated: they say nothing."""
    return {key for key, row in merged.items() if row["loadgen_core_pct"] >= SATURATED_PCT}


def headline_rows(
    merged: dict[tuple[str, str], dict[str, Any]],
    targets: Sequence[str],
    extra: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per target, in the shape of the table in ../shared/PERF.md."""

    def get(target: str, case: str, metric: str) -> float | None:
        row = merged.get((target, case))
        return None if row is None else row.get(metric)

    rows = []
    for target in targets:
        rows.append(
            {
                "target": target,
                "rps_16": get(target, "plain-16", "rps"),
                "rps_64": get(target, "plain-64", "rps"),
                "added_p50_1": get(target, "plain-1", "added_p50_ms"),
                "added_p99_16": get(target, "plain-16", "added_p99_ms"),
                "cpu_ms_16": get(target, "plain-16", "cpu_ms_per_req"),
                "streams_16": get(target, "stream-16", "rps"),
                "added_ttfb_p50": get(target, "stream-16", "added_ttfb_p50_ms"),
                "rss_mb": extra.get(target, {}).get("rss_mb"),
                "startup_s": extra.get(target, {}).get("startup_s"),
            }
        )
    saturated = saturated_cases(merged)

    def trusted(target: str, peer: str, case: str) -> bool:
        return (target, case) not in saturated and (peer, case) not in saturated

    for peer in ("reference", "litellm"):
        base = next((r for r in rows if r["target"] == peer), None)
        for row in rows:
            plain, stream = (trusted(row["target"], peer, c) for c in ("plain-16", "stream-16"))
            row[f"rps_vs_{peer}"] = _ratio(row["rps_16"], base and plain and base["rps_16"])
            row[f"streams_vs_{peer}"] = _ratio(
                row["streams_16"], base and stream and base["streams_16"]
            )
            row[f"cpu_vs_{peer}"] = _ratio(row["cpu_ms_16"], base and plain and base["cpu_ms_16"])
    return rows


def fmt(value: Any, digits: int = 1, sign: bool = False) -> str:
    """Numbers for humans: a dash for missing, thousands separators, optional sign."""
    if value is None:
        return DASH
    if isinstance(value, str):
        return value
    if abs(value) >= 1000:
        return f"{value:+,.0f}" if sign else f"{value:,.0f}"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def render_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table; cells are rendered with ``str`` (format them first)."""
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
