"""Redis unreachable: the project's stance holds, nothing crashes, and it recovers."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest
from limiter_backends import REDIS_URL, drop_keys, redis_limiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from behest.gateway.errors import RateLimited
from behest.gateway.limits import AdmissionRequest, LimiterUnavailable, LimitPolicy, RedisLimiter
from behest.gateway.limits.resp import RespClient

pytestmark = pytest.mark.redis

OPEN = LimitPolicy.from_dict({"user": {"rpm": 2}, "on_redis_error": "fail_open"})
CLOSED = LimitPolicy.from_dict({"user": {"rpm": 2}, "on_redis_error": "fail_closed"})


def ask(policy: LimitPolicy, user: str = "u1") -> AdmissionRequest:
    return AdmissionRequest("p1", user, None, policy, estimated_tokens=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def port() -> int:
    if not REDIS_URL:
        pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
    return free_port()


async def test_fail_open_admits_under_local_limits(port: int) -> None:
    limiter = RedisLimiter(RespClient.from_url(f"redis://127.0.0.1:{port}/0"), retry_interval=0)
    first = await limiter.admit(ask(OPEN))
    await limiter.admit(ask(OPEN))
    with pytest.raises(RateLimited):
        await limiter.admit(ask(OPEN))
    await limiter.settle(first, 3, 0.0)
    assert not limiter.available or limiter.retry_interval == 0
    await limiter.aclose()


async def test_fail_closed_answers_503(port: int) -> None:
    limiter = RedisLimiter(RespClient.from_url(f"redis://127.0.0.1:{port}/0"))
    with pytest.raises(LimiterUnavailable) as caught:
        await limiter.admit(ask(CLOSED))
    assert caught.value.status == 503 and caught.value.headers == {"Retry-After": "1"}
    assert not limiter.available  # no connect attempt per request while down
    with pytest.raises(LimiterUnavailable):
        await limiter.admit(ask(CLOSED))
    await limiter.aclose()


@pytest.fixture
def redis_server(port: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server binary to stop and restart a private Redis")
    servers: list[subprocess.Popen[bytes]] = []
    yield servers
    for server in servers:
        server.terminate()
        server.wait()


async def start(servers: list[subprocess.Popen[bytes]], port: int) -> Redis:
    servers.append(
        subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
    )
    client = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    for _ in range(200):
        try:
            await client.ping()
            return client
        except (OSError, RedisError):  # still starting
            await asyncio.sleep(0.02)
    pytest.fail("private redis-server did not start")


async def test_outage_and_recovery_without_restart(
    redis_server: list[subprocess.Popen[bytes]], port: int
) -> None:
    probe = await start(redis_server, port)
    limiter = RedisLimiter(RespClient.from_url(f"redis://127.0.0.1:{port}/0"), retry_interval=0)
    await limiter.admit(ask(CLOSED))
    assert await probe.dbsize() == 1
    redis_server[0].terminate()
    redis_server[0].wait()
    await probe.aclose()
    with pytest.raises(LimiterUnavailable):
        await limiter.admit(ask(CLOSED))
    await limiter.admit(ask(OPEN))  # fail-open project still served
    probe = await start(redis_server, port)  # empty server: no scripts cached
    admission = await limiter.admit(ask(CLOSED))
    assert limiter.available and admission.owner is limiter
    assert await probe.dbsize() == 1
    await limiter.release(admission)
    await probe.aclose()
    await limiter.aclose()


async def test_script_flush_is_recovered() -> None:
    limiter = await redis_limiter()
    await limiter.admit(ask(CLOSED))
    await limiter.client.execute("SCRIPT", "FLUSH")
    await limiter.admit(ask(CLOSED))
    with pytest.raises(RateLimited):
        await limiter.admit(ask(CLOSED))
    await drop_keys(limiter)


async def test_a_silent_redis_times_out_into_each_projects_stance(
    redis_server: list[subprocess.Popen[bytes]], port: int
) -> None:
    probe = await start(redis_server, port)
    client = RespClient.from_url(f"redis://127.0.0.1:{port}/0", timeout=0.2)
    limiter = RedisLimiter(client, retry_interval=0)
    await limiter.admit(ask(CLOSED, "warm"))
    await probe.execute_command("CLIENT", "PAUSE", 3000, "WRITE")  # scripts wait, unanswered
    with pytest.raises(LimiterUnavailable):
        await limiter.admit(ask(CLOSED, "a"))
    served = await limiter.admit(ask(OPEN, "b"))
    assert served.owner is limiter.fallback
    await probe.execute_command("CLIENT", "UNPAUSE")
    admission = await limiter.admit(ask(CLOSED, "c"))
    assert admission.owner is limiter and limiter.available
    await probe.aclose()
    await limiter.aclose()


async def test_a_connection_killed_mid_flight_fails_its_admissions_then_recovers(
    redis_server: list[subprocess.Popen[bytes]], port: int
) -> None:
    probe = await start(redis_server, port)
    limiter = RedisLimiter(RespClient.from_url(f"redis://127.0.0.1:{port}/0"), retry_interval=0)
    await limiter.admit(ask(CLOSED, "warm"))
    before = await limiter.client.execute("CLIENT", "ID")
    await probe.execute_command("CLIENT", "PAUSE", 3000, "WRITE")
    closed = [asyncio.create_task(limiter.admit(ask(CLOSED, f"c{n}"))) for n in range(10)]
    opened = [asyncio.create_task(limiter.admit(ask(OPEN, f"o{n}"))) for n in range(10)]
    await asyncio.sleep(0.1)  # all sent, none answered
    assert not any(task.done() for task in closed + opened)
    assert await probe.execute_command("CLIENT", "KILL", "ID", before) == 1
    results = await asyncio.gather(*closed, return_exceptions=True)
    assert {type(result) for result in results} == {LimiterUnavailable}
    assert {(await task).owner for task in opened} == {limiter.fallback}
    await probe.execute_command("CLIENT", "UNPAUSE")
    admission = await limiter.admit(ask(CLOSED, "after"))
    assert admission.owner is limiter and limiter.available
    assert await limiter.client.execute("CLIENT", "ID") != before  # a new connection
    await probe.aclose()
    await limiter.aclose()
