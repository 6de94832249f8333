"""Where the gateway's memory goes: RSS after import, after start, and after each load.

Starts the mocks and one ``behest-full`` gateway (every limit layer, the guard, usage;
the settings of ``bench/run.py``) exactly as the benchmark does, then loads it with the
benchmark's cases one after another and prints the gateway's RSS after each:

    python bench/memory.py [--users 10000] [--duration 5] [--trace DIR]
    python bench/memory.py --starts 5     # time to /healthz, new data folder and restart

``--trace DIR`` starts the gateway under tracemalloc (a ``sitecustomize`` on its path)
and writes a snapshot to DIR after each step; ``--diff DIR`` prints the top allocation
sites grown between the first and the last snapshot. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CASES, LoadSpec, measure
from procs import cores, free_port, rss_mb, spawn, wait_ready
from targets import (
    ADMIN_TOKEN,
    FULL_SETTINGS,
    BehestConfig,
    Mocks,
    Target,
    _provision,
    _tokens_file,
    _wait_serving,
    mint_tokens,
    start_mocks,
)

LOAD_CASES = ("plain-16", "stream-16", "prompt-100k-16", "stream-1000-16", "users-10k-16")
IMPORT_PROBE = (
    "import behest.gateway.serving.serve, pathlib;"
    "status = pathlib.Path('/proc/self/status').read_text().splitlines();"
    "print(next(int(l.split()[1]) for l in status if l.startswith('VmRSS')))"
)
# Loaded into the traced gateway: tracemalloc from the first import, a snapshot on SIGUSR1.
# With BEHEST_TRACE_LATE=1 tracing starts at the first signal (deep stacks cost little
# then; from the first import they make the start minutes long).
TRACER = """\
import itertools, os, signal, tracemalloc
_frames = int(os.environ.get("BEHEST_TRACE_FRAMES", "1"))
if not os.environ.get("BEHEST_TRACE_LATE"):
    tracemalloc.start(_frames)
_numbers = itertools.count()
def _dump(_signum, _frame):
    if not tracemalloc.is_tracing():
        tracemalloc.start(_frames)
    path = os.path.join(os.environ["BEHEST_TRACE_DIR"], f"{next(_numbers):02d}.snap")
    current, peak = tracemalloc.get_traced_memory()
    with open(path.replace(".snap", ".peak"), "w") as out:
        out.write(f"{current} {peak}\\n")
    tracemalloc.reset_peak()
    tracemalloc.take_snapshot().dump(path)
def _trim(_signum, _frame):
    import ctypes
    ctypes.CDLL("libc.so.6").malloc_trim(0)
signal.signal(signal.SIGUSR1, _dump)
signal.signal(signal.SIGUSR2, _trim)
"""


def import_rss_mb() -> float:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1]) / 1024


@contextmanager
def traced(trace_dir: Path | None) -> Iterator[None]:
    """While set, processes started get the tracer (the gateway alone: mocks and load
    generators are started outside)."""
    if trace_dir is None:
        yield
        return
    trace_dir.mkdir(parents=True, exist_ok=True)
    (trace_dir / "sitecustomize.py").write_text(TRACER)
    saved = dict(os.environ)
    os.environ["PYTHONPATH"] = f"{trace_dir}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    os.environ["BEHEST_TRACE_DIR"] = str(trace_dir)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start_stepwise(
    config: BehestConfig, mocks: Mocks, core: str, workdir: Path
) -> tuple[Target, list[tuple[str, float]]]:
    """``targets.behest`` step by step, the gateway's RSS read after each step."""
    port = free_port()
    env = {
        "BEHEST_DATA_DIR": str(workdir / "data"),
        "BEHEST_PORT": str(port),
        "BEHEST_ADMIN_TOKEN": ADMIN_TOKEN,
        "BEHEST_LOG_LEVEL": "WARNING",
        "BEHEST_CONFIG_POLL_S": "1.0",
    }
    proc = spawn(
        config.name,
        [sys.executable, "-m", "behest.gateway.cli", "serve"],
        core=core,
        log_dir=workdir,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    started = wait_ready(proc, base + "/healthz", timeout=60)
    steps = [(f"/healthz answers ({started:.2f} s after spawn)", rss_mb(proc.pid))]
    time.sleep(1.0)  # the price table, loaded in the background at start
    steps.append(("1 s later", rss_mb(proc.pid)))
    project, key, _notes = _provision(base, config, mocks)
    tokens = mint_tokens(base, key, config.users)
    target = Target(
        config.name,
        proc,
        base + "/v1/chat/completions",
        _tokens_file(workdir, config.name, tokens),
        project_id=project,
    )
    _wait_serving(target)
    steps.append(("a project and settings made, the first chat request", rss_mb(proc.pid)))
    many = mint_tokens(base, key, config.many_users)
    target.many_users_file = _tokens_file(workdir, f"{config.name}-many", many)
    steps.append((f"{config.many_users:,} users' tokens minted", rss_mb(proc.pid)))
    return target, steps


def _snapshot(pid: int, trace_dir: Path | None) -> None:
    if trace_dir is None:
        return
    before = len(list(trace_dir.glob("*.snap")))
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while len(list(trace_dir.glob("*.snap"))) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the dump written out


def run(args: argparse.Namespace) -> list[tuple[str, float]]:
    gateway_core, load_core = cores()
    rows = [("python -c 'import behest.gateway.serving.serve'", import_rss_mb())]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="behest-mem-")))
        mocks = start_mocks(load_core, workdir)
        stack.callback(mocks.long.stop)
        stack.callback(mocks.short.stop)
        config = BehestConfig("behest-full", settings=FULL_SETTINGS, many_users=args.users)
        with traced(args.trace):
            target, steps = start_stepwise(config, mocks, gateway_core, workdir)
        stack.callback(target.proc.stop)
        rows += steps
        _snapshot(target.proc.pid, args.trace)
        spec = LoadSpec(args.duration, load_core, gateway_core, "auto", workdir)
        cases = {case.name: case for case in CASES}
        for name in LOAD_CASES:
            case = cases[name]
            if case.users:
                case = replace(case, users=args.users)
            result = measure(target, case, spec)
            label = f"after {name} ({result['requests']:,} requests, {result['errors']} errors)"
            rows.append((label, rss_mb(target.proc.pid)))
            print(f"  {label}: {rows[-1][1]:.1f} MB", flush=True)
        time.sleep(args.idle)
        rows.append((f"{args.idle:.0f} s idle after the load", rss_mb(target.proc.pid)))
        _snapshot(target.proc.pid, args.trace)
        if args.trace:  # what the C allocator holds free: handed back by malloc_trim
            os.kill(target.proc.pid, signal.SIGUSR2)
            time.sleep(1.0)
            rows.append(("after malloc_trim(0) (--trace only)", rss_mb(target.proc.pid)))
    return rows


def start_times(count: int) -> None:
    """Seconds from spawning ``behest serve`` to /healthz answering and RSS 2 s later: on a
    new data folder (migrations run) and on the same folder again (a restart)."""
    gateway_core, _ = cores()
    with tempfile.TemporaryDirectory(prefix="behest-starts-") as folder:
        workdir = Path(folder)
        for run in range(count):
            for kind, data in (
                ("new", workdir / f"data-{run}"),
                ("restart", workdir / f"data-{run}"),
            ):
                port = free_port()
                env = {
                    "BEHEST_DATA_DIR": str(data),
                    "BEHEST_PORT": str(port),
                    "BEHEST_ADMIN_TOKEN": ADMIN_TOKEN,
                    "BEHEST_LOG_LEVEL": "WARNING",
                }
                command = [sys.executable, "-m", "behest.gateway.cli", "serve"]
                proc = spawn("gateway", command, core=gateway_core, log_dir=workdir, env=env)
                try:
                    ready = wait_ready(proc, f"http://127.0.0.1:{port}/healthz", timeout=60)
                    time.sleep(2.0)
                    print(f"{kind:8} {ready:.2f} s  {rss_mb(proc.pid):.1f} MB", flush=True)
                finally:
                    proc.stop()


def diff(trace_dir: Path, top: int) -> None:
    snaps = sorted(trace_dir.glob("*.snap"))
    first, last = (
        tracemalloc.Snapshot.load(str(snaps[0])),
        tracemalloc.Snapshot.load(str(snaps[-1])),
    )
    print(f"traced: {_total_mb(first):.1f} MB -> {_total_mb(last):.1f} MB\nheld at the first:")
    for stat in first.statistics("lineno")[:top]:
        print(f"{stat.size / 1e6:8.2f} MB {stat.count:8d} blocks  {stat.traceback[-1]}")
    print("grown by the last:")
    for stat in last.compare_to(first, "traceback")[:top]:
        print(f"{stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d} blocks")
        for line in stat.traceback.format()[-8:]:
            print("    " + line)


def _total_mb(snapshot: tracemalloc.Snapshot) -> float:
    return sum(stat.size for stat in snapshot.statistics("filename")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000, help="distinct users' tokens")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load case")
    parser.add_argument("--idle", type=float, default=12.0, help="seconds idle at the end")
    parser.add_argument("--trace", type=Path, help="tracemalloc snapshots into this folder")
    parser.add_argument("--diff", type=Path, help="print the growth between snapshots")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--starts", type=int, help="only time this many starts (and restarts)")
    args = parser.parse_args()
    if args.starts:
        start_times(args.starts)
        return
    if args.diff:
        diff(args.diff, args.top)
        return
    rows = run(args)
    print("\n| step | RSS (MB) |\n| --- | ---: |")
    for label, mb in rows:
        print(f"| {label} | {mb:.1f} |")


if __name__ == "__main__":
    main()
