"""The one pooled HTTP client that talks to providers (HTTP/1.1 over asyncio; see PERF).

Transport failures are translated here, once, into the gateway's upstream errors; their
``code`` says which (``upstream_unreachable``, ``upstream_connect_timeout``,
``upstream_timeout``, ``upstream_reset``), so retries can tell a request the provider
never received from one it may have acted on.

Each call may carry :class:`Limits`: the connect, first-byte and idle timeouts and the
request's deadline (``total_s`` from its start, on the event loop's clock).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from behest.gateway.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from behest.gateway.providers.base import UpstreamRequest
from behest.gateway.routing.policy import Timeouts
from behest.gateway.upstream.connection import (
    Broken,
    ConnectFailed,
    Connection,
    ConnectTimeout,
    TransportError,
)
from behest.gateway.upstream.pool import Pool, request_head, target_of


@dataclass(frozen=True, slots=True)
class UpstreamReply:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Limits:
    timeouts: Timeouts
    deadline: float  # loop time by which the whole request, stream included, is over

    @classmethod
    def starting_now(cls, timeouts: Timeouts) -> Limits:
        """``timeouts`` complete (no field None), as :meth:`Upstream.limits` makes them."""
        return cls(timeouts, asyncio.get_running_loop().time() + (timeouts.total_s or 0.0))

    def remaining_s(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    def first_byte_s(self) -> float:
        return max(0.0, min(self.timeouts.first_byte_s or 0.0, self.remaining_s()))


class UpstreamStream:
    """An open streaming response; iterate it for raw bytes as they arrive."""

    def __init__(self, connection: Connection, deadline: float | None = None) -> None:
        self._connection = connection
        self._deadline = deadline
        self.status = connection.status
        self.headers: Mapping[str, str] = connection.headers or {}

    async def read(self) -> bytes:
        with translate_errors():
            return await self._connection.read_all()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; a gap over ``idle_s`` or the deadline passed ends it."""
        deadline, loop, connection = self._deadline, asyncio.get_running_loop(), self._connection
        with translate_errors():
            while data := await connection.read_any():
                yield data
                if deadline is not None and loop.time() > deadline:
                    raise TimeoutError


def translate_errors() -> _Translation:
    """A context in which transport failures become the gateway's upstream errors."""
    return _TRANSLATION


class _Translation:
    """:func:`translate_errors`' context (a class: it is entered on every call)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _: object
    ) -> None:
        if exc is None or not isinstance(exc, (TimeoutError, TransportError, OSError)):
            return
        raise _translated(exc) from exc


_TRANSLATION = _Translation()


def _translated(exc: BaseException) -> UpstreamError:
    if isinstance(exc, ConnectTimeout):
        return UpstreamTimeout(
            "The upstream provider could not be reached in time.", code="upstream_connect_timeout"
        )
    if isinstance(exc, TimeoutError):
        return UpstreamTimeout(
            "The upstream provider did not answer in time.", code="upstream_timeout"
        )
    if isinstance(exc, ConnectFailed):
        return UpstreamUnavailable(
            "The upstream provider could not be reached.", code="upstream_unreachable"
        )
    if isinstance(exc, Broken):
        return UpstreamError(
            "The upstream provider's response broke off.", status=502, code="upstream_reset"
        )
    return UpstreamError(f"The upstream request failed: {type(exc).__name__}.")


class Upstream:
    def __init__(
        self, *, timeout_s: float = 600.0, connect_timeout_s: float = 10.0, pool_size: int = 1000
    ) -> None:
        self._pool_size = pool_size
        self.timeouts = Timeouts(connect_timeout_s, timeout_s, timeout_s, timeout_s)
        self._pool: Pool | None = None

    async def start(self) -> None:
        self._pool = Pool(self._pool_size)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def limits(self, project: Timeouts) -> Limits:
        """A call's limits from now: the project's timeouts over the server's."""
        return Limits.starting_now(project.over(self.timeouts))

    async def send(self, request: UpstreamRequest, limits: Limits | None = None) -> UpstreamReply:
        limits = limits or Limits.starting_now(self.timeouts)
        pool = self._started()
        with translate_errors():
            connection = await self._open(pool, request, limits, limits.deadline)
            try:
                body = await connection.read_all()
            finally:
                pool.release(connection)
            assert connection.headers is not None
            return UpstreamReply(connection.status, connection.headers, body)

    @asynccontextmanager
    async def stream(
        self, request: UpstreamRequest, limits: Limits | None = None
    ) -> AsyncIterator[UpstreamStream]:
        pool = self._started()
        with translate_errors():
            connection = await self._open(
                pool, request, limits or Limits.starting_now(self.timeouts), math.inf
            )
        connection.stream()
        try:
            yield UpstreamStream(connection, limits.deadline if limits else None)
        finally:
            # A response not read to its end closes its connection, which cancels the
            # upstream generation when the client went away mid-stream.
            pool.release(connection)
            await asyncio.sleep(0)

    async def _open(
        self, pool: Pool, request: UpstreamRequest, limits: Limits, body_due: float
    ) -> Connection:
        """A connection with the response's headers read: the first byte, within
        ``first_byte_s``; the body is then due by ``body_due``."""
        target = target_of(request.url)
        head = request_head(request.method, target, request.headers, request.body)
        timeouts, first_byte_s = limits.timeouts, limits.first_byte_s()
        head_due = pool.loop.time() + first_byte_s
        connection = pool.take(target.key) or await pool.acquire(
            target.key, timeouts.connect_s or math.inf, first_byte_s
        )
        try:
            due = (head_due, body_due, timeouts.idle_s or math.inf)
            connection.start(request.method, head, request.body, due)
            await connection.head()
        except BaseException:
            pool.release(connection)
            raise
        return connection

    def _started(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("Upstream.start() was not awaited")
        return self._pool
