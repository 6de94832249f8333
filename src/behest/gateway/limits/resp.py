"""A lean asyncio Redis client for the limiter: one connection, every command pipelined.

A command is packed to bytes (hiredis), queued for the next write and answered through
a FIFO of pending replies that the hiredis reader resolves as bytes arrive; Redis
answers in order, so concurrent requests share one socket, one write per event-loop
turn and one read per batch of replies. No pool, no per-command lock or task.

Errors::

    RespError
    ├── Unreachable          connecting failed, the connection broke or was closed;
    │   │                    every command pending on it fails with it
    │   └── CommandTimeout   no reply within ``timeout``; the connection is dropped
    │                        (a late reply could not be matched to its command)
    └── ReplyError           Redis answered with an error
        ├── NoScript         EVALSHA of a script Redis does not hold (handled here)
        └── ServerUnavailable  up but not serving: READONLY, OOM, LOADING, MASTERDOWN,
                               NOAUTH, WRONGPASS

The connection opens lazily on the first command and again after it is lost; callers
arriving while it opens share that one attempt. ``evalsha`` loads a script on
``NOSCRIPT`` (after a restart or ``SCRIPT FLUSH``) and runs it again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import hiredis

from behest.gateway.limits.resp_address import RedisAddress, parse_redis_url

Arg = str | bytes | int | float
Reply = Any  # bytes, int, list of replies, or None: as Redis answered


class RespError(Exception):
    pass


class Unreachable(RespError):
    pass


class CommandTimeout(Unreachable):
    pass


class ReplyError(RespError):
    pass


class NoScript(ReplyError):
    pass


class ServerUnavailable(ReplyError):
    pass


_UNAVAILABLE = ("READONLY", "OOM", "LOADING", "MASTERDOWN", "NOAUTH", "WRONGPASS")


def reply_error(message: str) -> ReplyError:
    code = message.partition(" ")[0]
    if code == "NOSCRIPT":
        return NoScript(message)
    return ServerUnavailable(message) if code in _UNAVAILABLE else ReplyError(message)


class Script:
    """A Lua script run by its SHA1, loaded on demand."""

    __slots__ = ("sha", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()


class _Pending:
    __slots__ = ("count", "deadline", "future", "replies")

    def __init__(self, future: asyncio.Future[list[Reply]], count: int, deadline: float) -> None:
        self.future = future
        self.count = count
        self.deadline = deadline
        self.replies: list[Reply] = []


class Connection(asyncio.Protocol):
    """One socket: writes coalesced per loop turn, replies matched to commands in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop = loop
        self.timeout = timeout
        self.open = False
        self.closed: asyncio.Future[None] = loop.create_future()
        self._transport: asyncio.Transport | None = None
        self._reader = hiredis.Reader(replyError=reply_error)
        self._waiting: deque[_Pending] = deque()
        self._out: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None

    @property
    def idle(self) -> bool:
        return not self._waiting

    def send(self, packed: bytes, count: int = 1) -> asyncio.Future[list[Reply]]:
        """Queue ``count`` packed commands; the future gets their ``count`` replies."""
        if not self.open:
            raise Unreachable("connection closed")
        future: asyncio.Future[list[Reply]] = self.loop.create_future()
        pending = _Pending(future, count, self.loop.time() + self.timeout)
        self._waiting.append(pending)
        if self._timer is None:
            self._timer = self.loop.call_at(pending.deadline, self._check_deadline)
        if not self._out:
            self.loop.call_soon(self._flush)
        self._out.append(packed)
        return future

    def close(self, error: Exception | None = None) -> None:
        self._fail_all(error or Unreachable("connection closed"))
        if self._transport is not None:
            self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.open = True

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        try:
            reader.feed(data)
            while self.open and (reply := reader.gets()) is not False:
                self._deliver(reply)
        except (hiredis.ProtocolError, IndexError) as exc:  # IndexError: a reply unasked for
            self.close(Unreachable(f"invalid reply from Redis: {exc!r}"))

    def connection_lost(self, exc: Exception | None) -> None:
        error = Unreachable("connection to Redis lost")
        error.__cause__ = exc
        self._fail_all(error)
        if not self.closed.done():
            self.closed.set_result(None)

    def _deliver(self, reply: Reply) -> None:
        pending = self._waiting[0]
        pending.replies.append(reply)
        if len(pending.replies) == pending.count:
            self._waiting.popleft()
            if not pending.future.done():  # else its caller was cancelled
                pending.future.set_result(pending.replies)

    def _flush(self) -> None:
        if self.open and self._transport is not None:
            self._transport.write(b"".join(self._out))
        self._out.clear()

    def _check_deadline(self) -> None:
        self._timer = None
        if not self._waiting:
            return
        deadline = self._waiting[0].deadline
        if self.loop.time() >= deadline:
            self.close(CommandTimeout(f"no reply from Redis within {self.timeout} s"))
        else:
            self._timer = self.loop.call_at(deadline, self._check_deadline)

    def _fail_all(self, error: Exception) -> None:
        self.open = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting:
            future = self._waiting.popleft().future
            if not future.done():
                future.set_exception(error)
        self._out.clear()


class RespClient:
    """``execute``, ``pipeline`` and ``evalsha`` over one lazily opened connection."""

    def __init__(
        self, address: RedisAddress, *, timeout: float = 1.0, connect_timeout: float = 2.0
    ) -> None:
        self.address = address
        self.timeout = address.timeout or timeout
        self.connect_timeout = address.connect_timeout or connect_timeout
        self._connection: Connection | None = None
        self._opening: asyncio.Task[Connection] | None = None

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 1.0, connect_timeout: float = 2.0
    ) -> RespClient:
        return cls(parse_redis_url(url), timeout=timeout, connect_timeout=connect_timeout)

    async def execute(self, *args: Arg) -> Reply:
        replies = await self._send(_pack(args), 1)
        return _checked(replies[0])

    async def pipeline(self, commands: Sequence[Sequence[Arg]]) -> list[Reply]:
        """Every command's reply, in order; raises the first error reply."""
        if not commands:
            return []
        packed = b"".join(_pack(command) for command in commands)
        replies = await self._send(packed, len(commands))
        for reply in replies:
            _checked(reply)
        return replies

    async def evalsha(self, script: Script, keys: Sequence[Arg], args: Sequence[Arg]) -> Reply:
        """Once per admission and settle: packed and sent without ``execute`` and
        ``_send`` in between, so the reply resumes one coroutine less deep."""
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        connection = self._connection
        if connection is None or not connection.open:
            connection = await self._connect()
        reply = (await connection.send(_pack(command), 1))[0]
        if isinstance(reply, NoScript):
            load = ("SCRIPT", "LOAD", script.source)
            return (await self.pipeline([load, command]))[1]
        return _checked(reply)

    def drop_idle(self) -> None:
        """Close the connection if no command waits on it (the next one reconnects)."""
        connection = self._connection
        if connection is not None and connection.idle:
            self._connection = None
            connection.close()

    async def aclose(self) -> None:
        if self._opening is not None:
            self._opening.cancel()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
            await connection.closed

    async def _send(self, packed: bytes, count: int) -> list[Reply]:
        connection = self._connection
        if connection is None or not connection.open:
            connection = await self._connect()
        return await connection.send(packed, count)

    async def _connect(self) -> Connection:
        if self._opening is None:
            self._opening = asyncio.get_running_loop().create_task(self._open())
            self._opening.add_done_callback(self._opened)
        return await asyncio.shield(self._opening)

    def _opened(self, task: asyncio.Task[Connection]) -> None:
        self._opening = None
        if not task.cancelled() and task.exception() is None:
            self._connection = task.result()

    async def _open(self) -> Connection:
        loop = asyncio.get_running_loop()
        connection = Connection(loop, self.timeout)
        try:
            async with asyncio.timeout(self.connect_timeout):
                await self._dial(loop, connection)
                await self._handshake(connection)
        except BaseException as exc:
            connection.close()
            if isinstance(exc, TimeoutError):
                raise Unreachable(
                    f"connecting to Redis took over {self.connect_timeout} s"
                ) from exc
            if isinstance(exc, OSError):
                raise Unreachable(f"cannot connect to Redis: {exc}") from exc
            raise
        return connection

    async def _dial(self, loop: asyncio.AbstractEventLoop, connection: Connection) -> None:
        address = self.address
        if address.path:
            await loop.create_unix_connection(lambda: connection, address.path, ssl=address.tls)
        else:
            await loop.create_connection(
                lambda: connection, address.host, address.port, ssl=address.tls
            )

    async def _handshake(self, connection: Connection) -> None:
        address = self.address
        commands: list[tuple[Arg, ...]] = []
        if address.password:
            user = (address.username,) if address.username else ()
            commands.append(("AUTH", *user, address.password))
        if address.db:
            commands.append(("SELECT", address.db))
        if address.client_name:
            commands.append(("CLIENT", "SETNAME", address.client_name))
        if not commands:
            return
        packed = b"".join(_pack(command) for command in commands)
        for reply in await connection.send(packed, len(commands)):
            if isinstance(reply, ReplyError):
                raise ServerUnavailable(f"Redis refused the connection setup: {reply}")


def _pack(command: Sequence[Arg]) -> bytes:
    packed: bytes = hiredis.pack_command(tuple(command))  # type: ignore[arg-type]  # stub: 1-tuple
    return packed


def _checked(reply: Reply) -> Reply:
    if isinstance(reply, ReplyError):
        raise reply
    return reply
