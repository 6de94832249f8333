"""The run's result as Markdown: the headline, every case, the cost curves, scale-out."""

from __future__ import annotations

from typing import Any

from report import DASH, fmt, render_table

TIMES = "\u00d7"  # multiplication sign, for ratios

HEADLINE = (
    "target",
    "RPS @16",
    f"{TIMES} ref",
    f"{TIMES} LiteLLM",
    "RPS @64",
    "added p50 @1 (ms)",
    "added p99 @16 (ms)",
    "CPU ms/req @16",
    "streams/s @16",
    f"{TIMES} ref",
    "added TTFB p50 (ms)",
    "RSS after load (MB)",
    "start (s)",
)
CASE_HEADERS = (
    "target",
    "case",
    "req/s",
    "p50",
    "p90",
    "p99",
    "added p50",
    "added p90",
    "added p99",
    "TTFB p50",
    "CPU ms/req",
    "gateway core %",
    "other on gateway core %",
    "load core %",
    "errors",
)


def _ratio(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}{TIMES}"


def headline(result: dict[str, Any]) -> str:
    rows = [
        (
            r["target"],
            fmt(r["rps_16"], 0),
            _ratio(r["rps_vs_reference"]),
            _ratio(r["rps_vs_litellm"]),
            fmt(r["rps_64"], 0),
            fmt(r["added_p50_1"], 2, sign=True),
            fmt(r["added_p99_16"], 2, sign=True),
            fmt(r["cpu_ms_16"], 3),
            fmt(r["streams_16"], 0),
            _ratio(r["streams_vs_reference"]),
            fmt(r["added_ttfb_p50"], 2, sign=True),
            fmt(r["rss_mb"], 0),
            fmt(r["startup_s"], 2),
        )
        for r in result["headline"]
    ]
    return render_table(HEADLINE, rows)


def cases(result: dict[str, Any]) -> str:
    rows = [
        (
            c["target"],
            c["case"],
            fmt(c["rps"], 1),
            fmt(c["p50_ms"], 2),
            fmt(c["p90_ms"], 2),
            fmt(c["p99_ms"], 2),
            fmt(c["added_p50_ms"], 2, sign=True),
            fmt(c["added_p90_ms"], 2, sign=True),
            fmt(c["added_p99_ms"], 2, sign=True),
            fmt(c["ttfb_p50_ms"] or None, 2),
            fmt(c["cpu_ms_per_req"], 3),
            fmt(c["core_pct"], 0),
            fmt(c["other_core_pct"], 0),
            fmt(c["loadgen_core_pct"], 0),
            c["errors"],
        )
        for c in sorted(result["cases"], key=lambda c: (c["case"], c["target"]))
    ]
    return render_table(CASE_HEADERS, rows)


def curves(result: dict[str, Any]) -> str:
    """CPU per KB of prompt, per streamed chunk and with many users, small case against large."""
    by = {(c["target"], c["case"]): c for c in result["cases"]}
    rows = []
    for target in result["config"]["targets"]:
        if target == "direct":
            continue
        cpu = {
            case: by[(target, case)]["cpu_ms_per_req"]
            for case in (
                "plain-16",
                "prompt-100k-16",
                "stream-16",
                "stream-1000-16",
                "users-10k-16",
            )
            if (target, case) in by
        }
        small, large = cpu.get("plain-16"), cpu.get("prompt-100k-16")
        short, long = cpu.get("stream-16"), cpu.get("stream-1000-16")
        per_kb = (large - small) / 100 * 1000 if small is not None and large is not None else None
        rows.append(
            (
                target,
                fmt(small, 3),
                fmt(large, 3),
                fmt(per_kb, 1),
                fmt(short * 1000 / 20 if short is not None else None, 1),
                fmt(long * 1000 / 1000 if long is not None else None, 1),
                fmt(cpu.get("users-10k-16"), 3),
            )
        )
    headers = (
        "target",
        "CPU ms/req small",
        "CPU ms/req 100 KB",
        "µs per extra KB",
        "µs/chunk, 20-chunk stream",
        "µs/chunk, 1,000-chunk stream",
        "CPU ms/req, 10,000 users",
    )
    return render_table(headers, rows)


def scaleout_table(curve: list[dict[str, Any]]) -> str:
    rows = [
        (
            p["workers"],
            p["cores"],
            p["case"],
            fmt(p["rps"], 0),
            fmt(p["p99_ms"], 2),
            fmt(p["cpu_ms_per_req"], 3),
            p["errors"],
        )
        for p in curve
    ]
    return render_table(
        ("workers", "cores", "case", "req/s", "p99 (ms)", "CPU ms/req", "errors"), rows
    )


def render_markdown(result: dict[str, Any]) -> str:
    config = result["config"]
    parts = [
        f"# behest benchmark — {result['when']}",
        f"{config['rounds']} interleaved round(s) of {config['duration_s']:g} s per case and "
        f"target; medians over rounds. Pinned: {config['pinned']} (gateways on core 0, mocks "
        "and load generator on core 1). Added latency = target minus direct-to-mock, same "
        "case, same run. CPU = utime+stime of the target's process tree per answered request.",
        "## Headline",
        headline(result),
        "## Every case (latencies in ms)",
        cases(result),
        "## Cost curves (CPU per byte, per chunk and per user)",
        curves(result),
    ]
    if result.get("scaleout"):
        scale = result["scaleout"]
        parts += [
            "## Scale-out: workers on one port (SO_REUSEPORT), Redis + PostgreSQL",
            scaleout_table(scale["curve"]),
        ]
        parts += [f"- {note}" for note in scale.get("notes", [])]
    if result["notes"]:
        parts += ["## Notes", "\n".join(f"- {note}" for note in result["notes"])]
    return "\n\n".join(parts) + "\n"
