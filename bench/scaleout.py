"""Scale-out: behest (full pipeline) with 1 and 2 workers on one port (SO_REUSEPORT),
sharing Redis and a fresh PostgreSQL database; then whether a shared limit stays exact."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from load import CASES, LoadSpec, measure
from procs import cores
from targets import FULL_SETTINGS, BehestConfig, Mocks, Target, admin, behest

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379"
EXACT_RPM = 300


def _database(name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {name}")


def _exactness(target: Target, spec: LoadSpec) -> str:
    """A project limit of EXACT_RPM, hammered across all workers: admitted must not exceed it."""
    base = target.chat_url.removesuffix("/v1/chat/completions")
    limits = {**FULL_SETTINGS["limits"], "project": {"rpm": EXACT_RPM}}
    admin(
        base,
        "PATCH",
        f"/projects/{target.project_id}",
        {"settings": {"limits": limits, "guard": FULL_SETTINGS["guard"]}},
    )
    time.sleep(1.0)  # every worker polls its config
    case = next(c for c in CASES if c.name == "plain-16")
    result = measure(target, case, replace(spec, duration_s=3.0, tool="asyncio"))
    admitted, refused = result["requests"], result["errors"]
    verdict = "exact" if admitted <= EXACT_RPM else f"OVER by {admitted - EXACT_RPM}"
    return (
        f"shared limit {EXACT_RPM} rpm across workers (set after the load above): "
        f"{admitted} admitted, {refused} refused in 3 s: {verdict}"
    )


def _measure_size(
    config: BehestConfig, mocks: Mocks, spec: LoadSpec, workdir: Path, notes: list[str]
) -> list[dict[str, Any]]:
    gateway_core, _ = cores()
    workers = config.workers
    core = gateway_core if workers == 1 else ("0,1" if gateway_core else "")
    target = behest(config, mocks, core, workdir)
    curve = []
    try:
        for case in (c for c in CASES if c.name in ("plain-16", "plain-64", "stream-16")):
            sample = measure(target, case, spec)
            curve.append(sample | {"workers": workers, "cores": core or "all"})
            print(f"  scale-out {workers}w {case.name}: {sample['rps']:.0f}/s", flush=True)
        if workers > 1:
            notes.append(_exactness(target, spec))
    finally:
        target.proc.stop()
    return curve


def scaleout(mocks: Mocks, spec: LoadSpec, workdir: Path, users: int) -> dict[str, Any]:
    curve: list[dict[str, Any]] = []
    notes = [
        "2 workers get both cores, so they share core 1 with the mocks and the load "
        "generator: on a 2-core machine the curve shows the ceiling, not linear growth."
    ]
    for workers in (1, 2):
        # A fresh database per size: each gateway seals its keys with its own master key.
        database = f"behest_bench_{os.getpid()}_{workers}w"
        try:
            _database(database, create=True)
            config = BehestConfig(
                f"behest-{workers}w",
                users=users,
                workers=workers,
                redis_url=REDIS_URL,
                database_url=f"{POSTGRES}/{database}",
                settings=FULL_SETTINGS,
            )
            curve += _measure_size(config, mocks, spec, workdir, notes)
        except (RuntimeError, OSError) as exc:
            notes.append(f"{workers} worker(s) failed: {str(exc).splitlines()[0]}")
        finally:
            _database(database, create=False)
    return {"curve": curve, "notes": notes}
