"""The lean Redis client against a fake server: replies reach their callers, errors
are told apart, and a broken or silent connection fails what waits on it and is
replaced on the next command."""

from __future__ import annotations

import asyncio
import hashlib
import socket

import pytest
from fake_redis import CLOSE, OK, FakeRedis, bulk, error, integer

from behest.gateway.limits.resp import (
    CommandTimeout,
    NoScript,
    ReplyError,
    RespClient,
    Script,
    ServerUnavailable,
    Unreachable,
)


async def echo(command: list[bytes]) -> bytes | None:
    """ECHO x, PING, SLOW x (answered after a moment), HANG (never), DIE (closes)."""
    name = command[0]
    if name == b"SLOW":
        await asyncio.sleep(0.05)
    if name in (b"ECHO", b"SLOW"):
        return bulk(command[1])
    if name == b"PING":
        return b"+PONG\r\n"
    if name == b"DIE":
        return CLOSE
    if name == b"HANG":
        return None
    return error(command[1].decode())  # FAIL <message>


@pytest.mark.parametrize("chunk", [0, 1, 7])
async def test_many_concurrent_commands_each_get_their_own_reply(chunk: int) -> None:
    async with FakeRedis(echo, chunk=chunk) as server:
        client = RespClient.from_url(server.url)
        words = [f"w{n}" * (n % 5) for n in range(300)]
        replies = await asyncio.gather(*(client.execute("ECHO", word) for word in words))
        assert replies == [word.encode() for word in words]
        assert server.connections == 1
        await client.aclose()


async def test_a_pipeline_answers_in_order_and_raises_the_first_error() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        assert await client.pipeline([("ECHO", "a"), ("ECHO", 7), ("ECHO", 1.5)]) == [
            b"a",
            b"7",
            b"1.5",
        ]
        with pytest.raises(ReplyError, match="ERR second"):
            await client.pipeline([("ECHO", "a"), ("FAIL", "ERR second"), ("FAIL", "ERR third")])
        assert await client.execute("ECHO", "still usable") == b"still usable"
        assert await client.pipeline([]) == []
        await client.aclose()


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("READONLY You can't write against a read only replica.", ServerUnavailable),
        ("OOM command not allowed when used memory > 'maxmemory'.", ServerUnavailable),
        ("LOADING Redis is loading the dataset in memory", ServerUnavailable),
        ("NOSCRIPT No matching script.", NoScript),
        ("ERR wrong number of arguments", ReplyError),
        ("WRONGTYPE Operation against a key holding the wrong kind of value", ReplyError),
    ],
)
async def test_error_replies_are_told_apart(message: str, kind: type[ReplyError]) -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        with pytest.raises(ReplyError, match=message.split(maxsplit=1)[0]) as raised:
            await client.execute("FAIL", message)
        assert type(raised.value) is kind
        assert not isinstance(raised.value, Unreachable)
        await client.aclose()


async def test_evalsha_loads_an_unknown_script_and_runs_it() -> None:
    script = Script("return 7")
    known: set[bytes] = set()

    async def scripting(command: list[bytes]) -> bytes | None:
        if command[:2] == [b"SCRIPT", b"LOAD"]:
            known.add(hashlib.sha1(command[2]).hexdigest().encode())
            return bulk(hashlib.sha1(command[2]).hexdigest())
        if command[1] in known:
            return integer(7)
        return error("NOSCRIPT No matching script. Please use EVAL.")

    async with FakeRedis(scripting) as server:
        client = RespClient.from_url(server.url)
        assert await client.evalsha(script, ["k1"], [1, "x"]) == 7
        assert await client.evalsha(script, ["k1"], [2, "y"]) == 7
        evalsha = [b"EVALSHA", script.sha.encode(), b"1", b"k1"]
        assert server.received == [
            [*evalsha, b"1", b"x"],
            [b"SCRIPT", b"LOAD", b"return 7"],
            [*evalsha, b"1", b"x"],
            [*evalsha, b"2", b"y"],
        ]
        await client.aclose()


async def test_no_reply_in_time_fails_every_waiting_command_then_reconnects() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url, timeout=0.05)
        results = await asyncio.gather(
            client.execute("HANG"), client.execute("PING"), return_exceptions=True
        )
        assert [type(result) for result in results] == [CommandTimeout, CommandTimeout]
        assert await client.execute("PING") == b"PONG"
        assert server.connections == 2
        await client.aclose()


async def test_a_connection_lost_mid_flight_fails_its_commands_then_reconnects() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        assert await client.execute("PING") == b"PONG"
        results = await asyncio.gather(
            client.execute("SLOW", "a"),
            client.execute("DIE"),
            client.execute("ECHO", "b"),
            return_exceptions=True,
        )
        assert results[0] == b"a"
        assert [type(result) for result in results[1:]] == [Unreachable, Unreachable]
        assert await client.execute("ECHO", "c") == b"c"
        assert server.connections == 2
        await client.aclose()


async def test_a_cancelled_caller_leaves_the_replies_in_step() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        slow = asyncio.create_task(client.execute("SLOW", "a"))
        after = asyncio.create_task(client.execute("ECHO", "b"))
        await asyncio.sleep(0.01)
        slow.cancel()
        assert await after == b"b"
        assert await client.execute("ECHO", "c") == b"c"
        await client.aclose()


async def test_callers_arriving_while_it_connects_share_one_connection() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        assert await asyncio.gather(*(client.execute("PING") for _ in range(50))) == [b"PONG"] * 50
        assert server.connections == 1
        await client.aclose()


async def test_credentials_and_database_from_the_url_come_first() -> None:
    async def accepting(command: list[bytes]) -> bytes | None:
        return OK if command[0] in (b"AUTH", b"SELECT", b"CLIENT") else await echo(command)

    async with FakeRedis(accepting) as server:
        url = f"redis://alice:s%40cret@127.0.0.1:{server.port}/3?client_name=gw-1"
        client = RespClient.from_url(url)
        assert await client.execute("PING") == b"PONG"
        await client.aclose()
        client = RespClient.from_url(f"redis://:pw@127.0.0.1:{server.port}")
        assert await client.execute("PING") == b"PONG"
        await client.aclose()
        assert server.received == [
            [b"AUTH", b"alice", b"s@cret"],
            [b"SELECT", b"3"],
            [b"CLIENT", b"SETNAME", b"gw-1"],
            [b"PING"],
            [b"AUTH", b"pw"],
            [b"PING"],
        ]


async def test_refused_credentials_make_redis_unavailable() -> None:
    async def refusing(command: list[bytes]) -> bytes | None:
        return error("WRONGPASS invalid username-password pair or user is disabled.")

    async with FakeRedis(refusing) as server:
        client = RespClient.from_url(f"redis://bob:wrong@127.0.0.1:{server.port}")
        with pytest.raises(ServerUnavailable, match="WRONGPASS"):
            await client.execute("PING")
        await client.aclose()


async def test_a_refused_connection_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = RespClient.from_url(f"redis://127.0.0.1:{port}")
    with pytest.raises(Unreachable, match="cannot connect"):
        await client.execute("PING")
    await client.aclose()


async def test_drop_idle_leaves_a_busy_connection_and_closes_an_idle_one() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        slow = asyncio.create_task(client.execute("SLOW", "a"))
        await asyncio.sleep(0.01)
        client.drop_idle()
        assert await slow == b"a"
        client.drop_idle()
        assert await client.execute("PING") == b"PONG"
        assert server.connections == 2
        await client.aclose()


async def test_close_fails_what_still_waits() -> None:
    async with FakeRedis(echo) as server:
        client = RespClient.from_url(server.url)
        hang = asyncio.create_task(client.execute("HANG"))
        await asyncio.sleep(0.01)
        await client.aclose()
        with pytest.raises(Unreachable):
            await hang
