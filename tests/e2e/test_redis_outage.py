"""Redis dies under load and comes back: a real gateway process, a private redis-server.

The gateway's ``BEHEST_REDIS_URL`` points at a redis-server this module starts on a free
port (the shared Redis is never touched). Two projects: ``fail_open`` and
``fail_closed`` (docs/limits.md, "When Redis is unreachable"), both with a user limit
of 5 requests per minute. Load threads keep sending requests to both while the test
kills the redis-server and starts it again on the same port; each load user sends 3
requests, under its limit, so whatever is not 200 for them is the outage's doing.

- Redis up: a burst admits exactly the limit, and the buckets are in Redis.
- Redis down: ``/healthz`` stays 200 and the process alive; ``fail_open`` is served
  under this replica's in-process limits (a user already exhausted in Redis gets a
  fresh local bucket of 5, then 429 naming the layer); ``fail_closed`` answers 503
  ``rate_limiter_unavailable`` with ``Retry-After: 1``.
- Redis back: without restarting the gateway, ``fail_closed`` is served again and the
  limits are Redis-backed again (the buckets reappear in the new, empty server).

Only generous deadlines bound the waits; the time to recover is reported, not asserted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from tenancy import ADMIN

from servers import Process, free_port, http, start_gateway

pytestmark = pytest.mark.redis

MODEL = "gpt-4o-mini"
USER_RPM = 5
USER_LAYER = "user requests per minute"
LOAD_THREADS = 4  # even threads load the fail_open project, odd ones fail_closed
PER_LOAD_USER = 3  # requests per load user: under USER_RPM, never limited
DEADLINE = 15.0  # seconds any one wait may take before the test fails


class PrivateRedis:
    """A redis-server of our own on ``port``, without persistence, killed and restarted."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + DEADLINE
        while True:
            assert self.process.poll() is None, "private redis-server exited"
            try:
                with self.client() as client:
                    client.ping()
                return
            except (OSError, redis.RedisError):
                assert time.monotonic() < deadline, "private redis-server did not start"
                time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-load, connections reset, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def user_keys(self, project_id: str, user: str) -> list[bytes]:
        with self.client() as client:
            return list(client.scan_iter(match=f"behest:lim:r:*{project_id}:{user}", count=1000))


@dataclass
class Setup:
    gateway: Process
    redis: PrivateRedis
    open_project: str
    closed_project: str
    keys: dict[str, str]  # project id -> API key

    def chat(self, project_id: str, user: str) -> tuple[int, Any, dict[str, str]]:
        return http(
            "POST",
            f"{self.gateway.url}/v1/chat/completions",
            {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8},
            token=self.keys[project_id],
            headers={"X-End-User-Id": user},
        )

    def burst(self, project_id: str, user: str, count: int = 2 * USER_RPM) -> list[Any]:
        """``count`` concurrent requests of one user; returns (status, body) pairs."""
        with ThreadPoolExecutor(count) as pool:
            replies = list(pool.map(lambda _: self.chat(project_id, user), range(count)))
        return [(status, body) for status, body, _ in replies]


def _skip_without_private_redis() -> None:
    if os.environ.get("BEHEST_TEST_REDIS_URL", "unset") == "":
        pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server binary to kill and restart a private Redis")


def _make_project(gateway: Process, mock: Process, name: str, on_redis_error: str) -> tuple:
    settings = {
        "allow_api_key_access": True,
        "limits": {"user": {"rpm": USER_RPM}, "on_redis_error": on_redis_error},
    }
    admin = f"{gateway.url}/admin/v1"
    status, project, _ = http(
        "POST", f"{admin}/projects", {"name": name, "settings": settings}, token=ADMIN
    )
    assert status == 201, project
    project_id = project["id"]
    status, key, _ = http("POST", f"{admin}/projects/{project_id}/keys", {"name": "k"}, token=ADMIN)
    assert status == 201, key
    credential = {
        "provider": "openai",
        "base_url": mock.url + "/v1",
        "api_key": "sk-mock-outage",
        "models": [MODEL],
    }
    status, body, _ = http(
        "POST", f"{admin}/projects/{project_id}/credentials", credential, token=ADMIN
    )
    assert status == 201, body
    deadline = time.monotonic() + DEADLINE  # the gateway's snapshot has the credential
    while True:  # /v1/models is not rate limited: nothing is consumed
        status, body, _ = http(
            "GET", f"{gateway.url}/v1/models", token=key["key"], headers={"X-End-User-Id": "probe"}
        )
        if status == 200 and body["data"]:
            return project_id, key["key"]
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


@pytest.fixture
def setup(
    tmp_path_factory: pytest.TempPathFactory, mock_openai_upstream: Process
) -> Iterator[Setup]:
    _skip_without_private_redis()
    workdir = tmp_path_factory.mktemp("redis-outage")
    private = PrivateRedis(free_port(), workdir)
    private.start()
    gateway: Process | None = None
    try:
        env = {"BEHEST_REDIS_URL": private.url, "BEHEST_LOG_LEVEL": "WARNING"}
        gateway = start_gateway(workdir / "data", extra_env=env)
        open_id, open_key = _make_project(gateway, mock_openai_upstream, "open", "fail_open")
        closed_id, closed_key = _make_project(gateway, mock_openai_upstream, "shut", "fail_closed")
        yield Setup(
            gateway, private, open_id, closed_id, {open_id: open_key, closed_id: closed_key}
        )
    finally:
        if gateway is not None:
            gateway.stop()
        private.kill()


@dataclass
class Shot:
    project_id: str
    sent_in: str  # the phase when the request was sent ...
    done_in: str  # ... and when its answer came back
    status: int
    code: str | None
    retry_after: str | None


@dataclass
class Load:
    """Load threads and a /healthz poller, each bounded in count and time."""

    setup: Setup
    phase: str = "up"
    shots: list[Shot] = field(default_factory=list)
    health: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def start(self) -> None:
        for k in range(LOAD_THREADS):
            self.threads.append(threading.Thread(target=self._guard, args=(self._load, k)))
        self.threads.append(threading.Thread(target=self._guard, args=(self._poll_health,)))
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)
        assert not any(thread.is_alive() for thread in self.threads)
        assert not self.errors, self.errors

    def _guard(self, target: Any, *args: Any) -> None:
        try:
            target(*args)
        except Exception as exc:  # noqa: BLE001 - reported by finish()
            self.errors.append(exc)

    def _load(self, k: int) -> None:
        setup = self.setup
        project_id = setup.open_project if k % 2 == 0 else setup.closed_project
        deadline = time.monotonic() + 30
        for i in range(3000):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            sent_in = self.phase
            status, body, headers = setup.chat(project_id, f"load-{k}-{i // PER_LOAD_USER}")
            code = body["error"]["code"] if isinstance(body, dict) and "error" in body else None
            self.shots.append(
                Shot(project_id, sent_in, self.phase, status, code, headers.get("retry-after"))
            )

    def _poll_health(self) -> None:
        deadline = time.monotonic() + 30
        for _ in range(3000):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            try:
                status, _, _ = http("GET", f"{self.setup.gateway.url}/healthz")
            except OSError:  # refused or reset: the gateway is gone
                status = 0
            self.health.append(status)
            time.sleep(0.02)

    def seen(self, project_id: str, phase: str) -> list[Shot]:
        """Requests sent and answered within ``phase``."""
        return [
            shot
            for shot in list(self.shots)
            if shot.project_id == project_id and shot.sent_in == shot.done_in == phase
        ]

    def wait_for(self, project_id: str, phase: str, status: int, count: int = 3) -> None:
        deadline = time.monotonic() + DEADLINE
        while sum(s.status == status for s in self.seen(project_id, phase)) < count:
            assert time.monotonic() < deadline, (project_id, phase, status)
            time.sleep(0.02)


def assert_exactly_the_limit(replies: list[Any], began: float) -> None:
    """A GCRA bucket of USER_RPM admits exactly USER_RPM in a burst shorter than the
    60 / USER_RPM seconds one request takes to drain; the rest get a 429 naming it."""
    assert time.monotonic() - began < 60 / USER_RPM, "burst too slow to be exact"
    statuses = [status for status, _ in replies]
    assert statuses.count(200) == USER_RPM, statuses
    assert statuses.count(429) == len(replies) - USER_RPM, statuses
    for status, body in replies:
        if status == 429:
            assert body["error"]["code"] == "rate_limit_exceeded", body
            assert USER_LAYER in body["error"]["message"], body


def outages_logged(setup: Setup) -> int:
    """How often the limiter has gone from Redis to its per-project fallback."""
    return setup.gateway.log().count("Redis unreachable")


def assert_redis_backed_limit(setup: Setup, project_id: str, users: list[str]) -> str:
    """A burst admits exactly the limit with Redis deciding, and the bucket is in Redis.

    A burst during which the limiter fell back again (the stale-connection relapse that
    test_redis_fail_closed_stays_served_once_redis_is_back documents) is no measure of
    the Redis-backed limit; the next user is tried then. Returns the user measured."""
    for user in users:
        before, began = outages_logged(setup), time.monotonic()
        replies = setup.burst(project_id, user)
        if outages_logged(setup) != before:  # a relapse: not decided by Redis alone
            time.sleep(1.1)
            continue
        assert_exactly_the_limit(replies, began)
        assert setup.redis.user_keys(project_id, user), "user bucket not in Redis"
        return user
    pytest.fail(f"every burst of {users} was hit by a relapse")


def redis_up(setup: Setup, load: Load) -> None:
    """(1) Limits hold, and the buckets live in Redis."""
    for project_id in (setup.open_project, setup.closed_project):
        began = time.monotonic()
        assert_exactly_the_limit(setup.burst(project_id, "burst"), began)
        assert setup.redis.user_keys(project_id, "burst"), "user bucket not in Redis"
    load.wait_for(setup.open_project, "up", 200)
    load.wait_for(setup.closed_project, "up", 200)
    assert outages_logged(setup) == 0


def redis_killed(setup: Setup, load: Load) -> None:
    """(2) The stance of each project holds; the gateway keeps running."""
    load.phase = "killing"
    setup.redis.kill()
    load.phase = "down"
    load.wait_for(setup.closed_project, "down", 503)
    load.wait_for(setup.open_project, "down", 200)
    # fail_open falls back to this replica's own limits: the user exhausted in Redis
    # gets a fresh local bucket, which holds at exactly the limit too
    began = time.monotonic()
    assert_exactly_the_limit(setup.burst(setup.open_project, "burst"), began)
    status, body, headers = setup.chat(setup.closed_project, "fresh")
    assert status == 503, body
    assert body["error"]["code"] == "rate_limiter_unavailable", body
    assert headers["retry-after"] == "1"
    time.sleep(1.5)  # the outage outlasts the limiter's 1 s retry interval
    assert setup.gateway.process.poll() is None


def redis_back(setup: Setup, load: Load) -> float:
    """(3) The same port again: recovery without restarting the gateway. Returns the
    seconds from the restart to the first fail_closed request served."""
    load.phase = "restarting"
    setup.redis.start()  # empty: no buckets, no scripts
    began, attempt = time.monotonic(), 0
    while True:
        attempt += 1
        status, body, _ = setup.chat(setup.closed_project, f"recovery-{attempt}")
        if status == 200:
            break
        assert status == 503 and body["error"]["code"] == "rate_limiter_unavailable", body
        assert time.monotonic() - began < DEADLINE, "fail_closed did not recover"
        time.sleep(0.05)
    recovered_in = time.monotonic() - began
    load.phase = "back"
    load.wait_for(setup.open_project, "back", 200)
    load.wait_for(setup.closed_project, "back", 200)
    after = [f"after-{n}" for n in range(6)]
    # "burst" was exhausted in the local fallback during the outage; the new Redis
    # knows nothing of it, so exactly the limit again shows Redis deciding
    assert_redis_backed_limit(setup, setup.open_project, ["burst", *after])
    assert_redis_backed_limit(setup, setup.closed_project, after)
    return recovered_in


def test_redis_killed_under_load_stance_holds_and_recovers_without_restart(
    setup: Setup,
) -> None:
    open_id, closed_id = setup.open_project, setup.closed_project
    load = Load(setup)
    load.start()
    try:
        redis_up(setup, load)
        redis_killed(setup, load)
        recovered_in = redis_back(setup, load)
    finally:
        load.finish()

    assert setup.gateway.process.poll() is None, setup.gateway.log()
    assert len(load.health) >= 20 and set(load.health) == {200}, load.health
    log = setup.gateway.log()
    assert "Traceback" not in log, log

    # load users stay under their limit: fail_open is never refused, in any phase
    opened = [shot for shot in load.shots if shot.project_id == open_id]
    assert {shot.status for shot in opened} == {200}, {(s.status, s.code) for s in opened}
    # fail_closed: served while Redis is up, 503 rate_limiter_unavailable while it is not
    closed = [shot for shot in load.shots if shot.project_id == closed_id]
    assert {shot.status for shot in closed} == {200, 503}
    refused = [shot for shot in closed if shot.status == 503]
    assert {(shot.code, shot.retry_after) for shot in refused} == {
        ("rate_limiter_unavailable", "1")
    }
    assert {shot.status for shot in load.seen(closed_id, "up")} == {200}
    assert {shot.status for shot in load.seen(closed_id, "down")} == {503}
    relapsed = sum(shot.status == 503 for shot in load.seen(closed_id, "back"))
    print(  # reported with -s
        f"redis outage: {len(load.shots)} load requests, {len(load.health)} health checks, "
        f"fail_closed served {recovered_in:.2f}s after the restart, then {relapsed} "
        f"relapse 503s, {outages_logged(setup)} fallbacks logged"
    )


def test_redis_fail_closed_stays_served_once_redis_is_back(setup: Setup) -> None:
    closed_id = setup.closed_project

    def wide(tag: str) -> list[int]:  # one request per user: no limit is reached
        with ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(lambda n: setup.chat(closed_id, f"{tag}-{n}"), range(16)))
        return [status for status, _, _ in replies]

    for round_ in range(3):  # the pool opens connections for concurrent admissions
        assert wide(f"warm-{round_}") == [200] * 16
    setup.redis.kill()
    assert setup.chat(closed_id, "down")[0] == 503
    setup.redis.start()
    deadline = time.monotonic() + DEADLINE
    while setup.chat(closed_id, "probe")[0] != 200:  # one user: 1 admission a try
        assert time.monotonic() < deadline, "fail_closed did not recover"
        time.sleep(0.2)
    assert setup.gateway.process.poll() is None
    # recovered: from now on every fail_closed request should be served
    assert [wide(f"back-{round_}") for round_ in range(3)] == [[200] * 16] * 3
