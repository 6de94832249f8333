"""behest against a direct call, a bare aiohttp pass-through and LiteLLM, in one run.

    python bench/run.py                 # 3 interleaved rounds of 15 s per case and target
    python bench/run.py --quick         # 1 round of 5 s
    python bench/run.py --smoke         # seconds, no speed claims; exits 1 if anything failed
    python bench/run.py --targets reference,behest,behest-full --rounds 2 --duration 10s
    python bench/run.py --scaleout      # also 1 vs 2 workers sharing Redis and PostgreSQL

Gateways run on core 0; the mocks and the load generator on core 1 (``taskset``).
Results: ``<out>/latest.md`` and ``<out>/latest.json`` (default out: bench/results).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CASES, Case, LoadSpec, measure, wrk_available
from procs import cores, rss_mb
from report import (
    aggregate,
    headline_rows,
    parse_duration,
    percentile,
    render_table,
    saturated_cases,
)
from results import render_markdown
from scaleout import scaleout
from targets import (
    FEATURES_SETTINGS,
    FULL_SETTINGS,
    BehestConfig,
    Mocks,
    Target,
    behest,
    direct,
    litellm,
    litellm_installed,
    reference,
    start_mocks,
)

__all__ = ["main", "parse_duration", "percentile", "render_table"]

BENCH_DIR = Path(__file__).resolve().parent
ALL_TARGETS = (
    "direct",
    "reference",
    "behest",
    "behest-full",
    "behest-full-redis",
    "behest-features",
    "litellm",
)
SMOKE_TARGETS = ("direct", "reference", "behest", "behest-full", "behest-features")
REDIS_URL = "redis://127.0.0.1:6379"


class Watchdog(Exception):
    """The whole run overran its hard time limit."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 5 s")
    parser.add_argument("--smoke", action="store_true", help="seconds; for CI; no speed claims")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--duration", type=parse_duration, help="per measurement: 15s, 500ms")
    parser.add_argument("--targets", help=f"comma list from {','.join(ALL_TARGETS)}")
    parser.add_argument("--cases", help=f"comma list from {','.join(c.name for c in CASES)}")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "asyncio"), default="auto")
    parser.add_argument("--users", type=int, default=16, help="JWTs minted; requests rotate")
    parser.add_argument(
        "--settings",
        type=Path,
        help='JSON {"limits": ..., "guard": ...} for the behest-full targets',
    )
    parser.add_argument(
        "--scaleout", action="store_true", help="also behest 1 vs 2 workers on Redis + PostgreSQL"
    )
    parser.add_argument("--time-limit", type=parse_duration, help="hard limit for the whole run")
    args = parser.parse_args(argv)
    preset = (1, 0.3) if args.smoke else (1, 5.0) if args.quick else (3, 15.0)
    if args.smoke and args.loadgen == "auto":
        args.loadgen = "asyncio"  # wrk measures whole seconds; the smoke run takes fractions
    if args.loadgen != "asyncio" and not wrk_available():
        parser.error(
            "wrk is required for measurements (apt-get install wrk): the asyncio client "
            "saturates its core before the pass-through does and flatters every ratio; "
            "--loadgen asyncio runs anyway, for a look, with no ratios worth quoting"
        )
    args.rounds = args.rounds or preset[0]
    args.duration = args.duration or preset[1]
    default_targets = SMOKE_TARGETS if args.smoke else ALL_TARGETS
    args.targets = args.targets.split(",") if args.targets else list(default_targets)
    unknown = set(args.targets) - set(ALL_TARGETS)
    if unknown:
        parser.error(f"unknown targets: {sorted(unknown)}")
    names = args.cases.split(",") if args.cases else [c.name for c in CASES]
    args.cases = [c for c in CASES if c.name in names]
    if args.smoke:  # every path exercised, in seconds: fewer connections and users
        args.cases = [
            replace(c, connections=min(c.connections, 4), users=min(c.users, 50))
            for c in args.cases
        ]
    return args


def time_limit(args: argparse.Namespace) -> float:
    if args.time_limit:
        return float(args.time_limit)
    per_run = len(args.targets) * len(args.cases) * args.rounds * (args.duration + 3)
    return 60 + per_run * 1.5 + (240 if args.scaleout else 0) + (90 * ("litellm" in args.targets))


@contextmanager
def hard_limit(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise Watchdog(f"the run passed its hard limit of {seconds:.0f}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(max(1, int(seconds)))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_targets(
    args: argparse.Namespace, mocks: Mocks, core: str, workdir: Path, stack: ExitStack
) -> tuple[list[Target], list[str]]:
    settings = json.loads(args.settings.read_text()) if args.settings else None
    many = max((case.users for case in args.cases if not case.threads), default=0)
    threads = max((case.users for case in args.cases if case.threads), default=0)
    base = BehestConfig("behest", users=args.users, many_users=many, thread_users=threads)
    full = replace(base, name="behest-full", settings=settings or FULL_SETTINGS)
    features = replace(base, name="behest-features", settings=FEATURES_SETTINGS, features=True)
    builders: dict[str, Callable[[], Target]] = {
        "direct": lambda: direct(mocks, workdir),
        "reference": lambda: reference(mocks, core, workdir),
        "behest": lambda: behest(base, mocks, core, workdir),
        "behest-full": lambda: behest(full, mocks, core, workdir),
        "behest-features": lambda: behest(features, mocks, core, workdir),
        "behest-full-redis": lambda: behest(
            replace(full, name="behest-full-redis", redis_url=REDIS_URL), mocks, core, workdir
        ),
        "litellm": lambda: litellm(mocks, core, workdir),
    }
    targets, notes = [], []
    for name in args.targets:
        if name == "litellm" and not litellm_installed():
            notes.append("litellm: skipped, not installed (run bench/setup_litellm.sh)")
            continue
        if name == "behest-full-redis" and not _redis_up():
            notes.append(f"behest-full-redis: skipped, no Redis at {REDIS_URL}")
            continue
        target = builders[name]()
        if name != "direct":
            stack.callback(target.proc.stop)
        notes += [f"{name}: {note}" for note in target.notes]
        print(f"  {name}: ready in {target.proc.startup_s:.2f}s", flush=True)
        targets.append(target)
    return targets, notes


def warm_up(args: argparse.Namespace, targets: list[Target], spec: LoadSpec) -> None:
    if args.smoke:
        return
    warm = replace(spec, duration_s=1.0)
    for target in targets:
        for case in (args.cases[0], next((c for c in args.cases if c.stream), args.cases[0])):
            measure(target, case, warm)


def run_rounds(
    args: argparse.Namespace, targets: list[Target], spec: LoadSpec
) -> list[dict[str, Any]]:
    warm_up(args, targets, spec)
    samples = []
    for round_no in range(args.rounds):
        order = targets[round_no % len(targets) :] + targets[: round_no % len(targets)]
        for case in args.cases:
            for target in order:
                sample = measure(target, case, spec) | {"round": round_no + 1}
                samples.append(sample)
                _progress(sample, case)
    return samples


def _progress(sample: dict[str, Any], case: Case) -> None:
    ttfb = f" ttfb p50 {sample['ttfb_p50_ms']:.2f}ms" if case.stream else ""
    errors = f" ERRORS {sample['errors']} ({sample['first_error']})" if sample["errors"] else ""
    print(
        f"  r{sample['round']} {case.name:15} {sample['target']:18} {sample['rps']:9.1f}/s "
        f"p50 {sample['p50_ms']:7.2f}ms p99 {sample['p99_ms']:8.2f}ms "
        f"cpu {sample['cpu_ms_per_req']:.3f}ms/req{ttfb}{errors}",
        flush=True,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    gateway_core, load_core = cores()
    if load_core:
        os.sched_setaffinity(0, {int(load_core)})  # keep this runner off the gateway's core
    notes: list[str] = [] if gateway_core else ["not pinned: needs taskset and 2 cores"]
    if args.loadgen == "asyncio" and not args.smoke:
        notes.append("plain requests loaded with the asyncio client: ratios not comparable")
    notes.append(
        f"load average at start: {os.getloadavg()[0]:.2f} (other work on this machine "
        "shows as 'other on gateway core %')"
    )
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="behest-bench-")))
        print("starting targets", flush=True)
        mocks = start_mocks(load_core, workdir)
        stack.callback(mocks.long.stop)
        stack.callback(mocks.short.stop)
        targets, more_notes = start_targets(args, mocks, gateway_core, workdir, stack)
        notes += more_notes
        spec = LoadSpec(args.duration, load_core, gateway_core, args.loadgen, workdir)
        samples = run_rounds(args, targets, spec)
        extra = {
            t.name: {"rss_mb": rss_mb(t.proc.pid), "startup_s": t.proc.startup_s}
            for t in targets
            if t.name != "direct"
        }
        curve = scaleout(mocks, spec, workdir, args.users) if args.scaleout else None
    merged = aggregate(samples)
    names = [t.name for t in targets]
    notes += [
        f"{target} {case}: the load core was saturated; its ratios are withheld"
        for target, case in sorted(saturated_cases(merged))
        if target != "direct"  # the baseline of added latency, never of a ratio
    ]
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "config": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "targets": names,
            "cases": [asdict(c) for c in args.cases],
            "smoke": args.smoke,
            "pinned": bool(gateway_core),
            "users": args.users,
        },
        "notes": notes,
        "headline": headline_rows(merged, names, extra),
        "cases": list(merged.values()),
        "samples": samples,
        "scaleout": curve,
    }


def failures(result: dict[str, Any]) -> list[str]:
    bad = [
        f"{s['target']} {s['case']} round {s['round']}: {s['errors']} errors ({s['first_error']})"
        for s in result["samples"]
        if s["errors"]
    ]
    bad += [
        f"{s['target']} {s['case']}: no answers" for s in result["samples"] if not s["requests"]
    ]
    return bad


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with hard_limit(time_limit(args)):
            result = run(args)
    except Watchdog as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(result)
    (args.out / "latest.md").write_text(markdown)
    (args.out / "latest.json").write_text(json.dumps(result, indent=1, default=str))
    print("\n" + markdown)
    bad = failures(result)
    for line in bad:
        print(f"bench: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
