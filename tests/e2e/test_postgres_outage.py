"""PostgreSQL restarts under load: a real gateway process on a private PostgreSQL cluster.

The cluster is this module's own (``initdb`` into a temporary directory, a free port; the
shared server on 5432 is never touched). Load threads send chat requests while the test
stops the cluster (``pg_ctl stop -m fast``: connections are terminated) and starts it
again two seconds later.

- Requests keep being served throughout: the hot path reads the configuration snapshot,
  not the database; ``/readyz`` says 503 while the database is gone.
- Usage records wait in the sink's memory queue and are written after recovery, without
  restarting the gateway: every answered request has exactly one record (none lost, none
  doubled), checked by request id in the database itself.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from tenancy import ADMIN

from servers import Process, free_port, http, start_gateway

pytestmark = pytest.mark.postgres

MODEL = "gpt-4o-mini"
LOAD_THREADS = 4
OUTAGE_S = 2.0


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


class PrivatePostgres:
    """A throw-away cluster owned by the ``postgres`` user (initdb refuses root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="behest-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres")
        self._run(
            _bin("initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str | None) -> None:
        command = ["runuser", "-u", "postgres", "--", *[str(a) for a in args]]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.dir / "data" / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def usage_counts(self, project_id: str) -> dict[str, int]:
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT request_id, count(*) FROM usage_records WHERE project_id = %s "
                "GROUP BY request_id",
                (project_id,),
            ).fetchall()
        return {request_id: count for request_id, count in rows}


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    if os.geteuid() != 0 or _bin("initdb") is None or shutil.which("runuser") is None:
        pytest.skip("needs root, runuser and PostgreSQL's initdb to run a private cluster")
    private = PrivatePostgres()
    try:
        private.start()
        yield private
    finally:
        private.remove()


@dataclass
class Load:
    gateway: Process
    key: str
    phase: str = "up"
    answers: list[tuple[str, int, str]] = field(default_factory=list)  # phase, status, id
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, k: int) -> None:
        deadline = time.monotonic() + 30
        i = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            i += 1
            status, _, headers = http(
                "POST",
                f"{self.gateway.url}/v1/chat/completions",
                {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]},
                token=self.key,
                headers={"X-End-User-Id": f"pg-{k}-{i}"},
            )
            self.answers.append((self.phase, status, headers.get("x-request-id", "")))


def _project(gateway: Process, mock: Process) -> tuple[str, str]:
    admin = f"{gateway.url}/admin/v1"
    settings = {"allow_api_key_access": True}
    _, project, _ = http(
        "POST", f"{admin}/projects", {"name": "pg", "settings": settings}, token=ADMIN
    )
    _, key, _ = http("POST", f"{admin}/projects/{project['id']}/keys", {"name": "k"}, token=ADMIN)
    credential = {
        "provider": "openai",
        "base_url": mock.url + "/v1",
        "api_key": "sk-mock-pg",
        "models": [MODEL],
    }
    http("POST", f"{admin}/projects/{project['id']}/credentials", credential, token=ADMIN)
    deadline = time.monotonic() + 10
    while http(
        "GET", f"{gateway.url}/v1/models", token=key["key"], headers={"X-End-User-Id": "probe"}
    )[1].get("data") in (None, []):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return project["id"], key["key"]


def test_postgres_restart_mid_load_serves_requests_and_loses_no_usage(
    cluster: PrivatePostgres, mock_openai_upstream: Process, tmp_path: Path
) -> None:
    env = {"BEHEST_DATABASE_URL": cluster.url, "BEHEST_LOG_LEVEL": "WARNING"}
    gateway = start_gateway(tmp_path / "data", extra_env=env)
    try:
        project_id, key = _project(gateway, mock_openai_upstream)
        load = Load(gateway, key)
        threads = [threading.Thread(target=load.run, args=(k,)) for k in range(LOAD_THREADS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)
            load.phase = "down"
            cluster.stop()
            time.sleep(0.3)
            ready_down = http("GET", f"{gateway.url}/readyz")[0]
            time.sleep(OUTAGE_S - 0.3)
            load.phase = "restarting"
            cluster.start()
            restarted = time.monotonic()
            load.phase = "back"
            time.sleep(1.0)
        finally:
            load.stop.set()
            for thread in threads:
                thread.join(timeout=30)
        served = {request_id for _, status, request_id in load.answers}
        deadline = time.monotonic() + 20
        while (counts := cluster.usage_counts(project_id)).keys() != served:
            assert time.monotonic() < deadline, (len(counts), len(served))
            time.sleep(0.2)
        written_after = time.monotonic() - restarted
        ready_back = http("GET", f"{gateway.url}/readyz")[0]
        assert gateway.process.poll() is None
    finally:
        gateway.stop()
    by_phase = {p: sum(1 for q, _, _ in load.answers if q == p) for p in ("up", "down", "back")}
    statuses = {status for _, status, _ in load.answers}
    print(
        f"postgres outage: {len(load.answers)} requests {by_phase}, statuses {statuses}, "
        f"readyz {ready_down} down / {ready_back} back, every usage record written "
        f"{written_after:.2f}s after the restart, {sum(counts.values())} records"
    )
    assert statuses == {200}
    assert by_phase["down"] > 0
    assert ready_down == 503 and ready_back == 200
    assert set(counts.values()) == {1}, "a usage record was written twice"
    assert "usage records failed; will retry" in gateway.log()  # the sink felt the outage
