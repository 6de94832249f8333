"""Profile behest under load with py-spy: the functions that dominate, with percentages.

    .venv/bin/uv pip install --python .venv/bin/python py-spy     # once
    python bench/profile.py --case plain-16 --duration 10s [--full] [--redis]
    python bench/profile.py --top bench/results/profile-plain-16.txt   # re-read a capture

Starts the mocks and one behest (pinned like run.py), loads it with one case while
``py-spy record --format raw`` samples the gateway, and prints the top frames by own
time ("self") and by time spent below them ("total"). Raw stacks are kept under --out.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CASES, LoadSpec, measure
from procs import cores
from report import parse_duration
from targets import FULL_SETTINGS, OFF_SETTINGS, BehestConfig, behest, start_mocks

BENCH_DIR = Path(__file__).resolve().parent
_LINE_NO = re.compile(r":\d+\)$")
PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))


def _frame(raw: str) -> str:
    """'f (/x/site-packages/aiohttp/web.py:51)' becomes 'f (aiohttp/web.py)'."""
    name, _, where = raw.partition(" (")
    where = _LINE_NO.sub("", "(" + where)[1:]
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


def top_frames(stacks: Path, limit: int = 25) -> tuple[int, list[tuple[str, float, float]]]:
    """(samples, [(frame, self %, total %)]) from py-spy's raw (collapsed) output."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in stacks.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";")[1:] if f]  # first item: the process
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    ranked = sorted(total, key=lambda f: (-own[f], -total[f]))[:limit]
    return samples, [(f, 100 * own[f] / samples, 100 * total[f] / samples) for f in ranked]


def print_top(stacks: Path, limit: int) -> None:
    samples, rows = top_frames(stacks, limit)
    print(f"{samples} samples from {stacks}")
    print(f"{'self %':>7} {'total %':>8}  frame")
    for frame, own, total in rows:
        print(f"{own:7.1f} {total:8.1f}  {frame}")


def profile(args: argparse.Namespace) -> Path:
    case = next(c for c in CASES if c.name == args.case)
    gateway_core, load_core = cores()
    out = args.out / f"profile-{args.case}{'-full' if args.full else ''}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="behest-profile-") as tmp:
        workdir = Path(tmp)
        mocks = start_mocks(load_core, workdir)
        redis = "redis://127.0.0.1:6379" if args.redis else ""
        settings = FULL_SETTINGS if args.full else OFF_SETTINGS
        config = BehestConfig("behest-profiled", redis_url=redis, settings=settings)
        target = behest(config, mocks, gateway_core, workdir)
        try:
            spec = LoadSpec(args.duration + 2, load_core, gateway_core, "auto", workdir)
            load = threading.Thread(target=measure, args=(target, case, spec), daemon=True)
            load.start()
            command = [
                PY_SPY,
                "record",
                "--format",
                "raw",
                "--nonblocking",
                "--rate",
                "250",
                "-d",
                str(int(args.duration)),
                "-p",
                str(target.proc.pid),
                "-o",
                str(out),
            ]
            subprocess.run(
                command, check=True, timeout=args.duration + 60, stdout=subprocess.DEVNULL
            )
            load.join(timeout=args.duration + 60)
        finally:
            target.proc.stop()
            mocks.short.stop()
            mocks.long.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="plain-16", choices=[c.name for c in CASES])
    parser.add_argument("--duration", type=parse_duration, default=10.0)
    parser.add_argument("--full", action="store_true", help="limits and guard on")
    parser.add_argument("--redis", action="store_true", help="limits on Redis")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--top", type=Path, help="only print the top frames of a capture")
    parser.add_argument("--limit", type=int, default=30)
    args = parser.parse_args()
    if args.top:
        print_top(args.top, args.limit)
        return
    if not Path(PY_SPY).exists():
        sys.exit("py-spy is not installed (see the module docstring)")
    print_top(profile(args), args.limit)


if __name__ == "__main__":
    main()
