"""The one pooled HTTP client that talks to providers (aiohttp; see PERF on httpx).

Transport failures are translated here, once, into the gateway's upstream errors; their
``code`` says which (``upstream_unreachable``, ``upstream_connect_timeout``,
``upstream_timeout``, ``upstream_reset``), so retries can tell a request the provider
never received from one it may have acted on.

Each call may carry :class:`Limits`: the connect, first-byte and idle timeouts and the
request's deadline (``total_s`` from its start, on the event loop's clock).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import aiohttp

from behest.gateway.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from behest.gateway.providers.base import UpstreamRequest
from behest.gateway.routing.policy import Timeouts

_READ_SIZE = 64 * 1024


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

    def client_timeout(self) -> aiohttp.ClientTimeout:
        t = self.timeouts
        return aiohttp.ClientTimeout(total=None, sock_connect=t.connect_s, sock_read=t.idle_s)


class UpstreamStream:
    """An open streaming response; iterate it for raw bytes as they arrive."""

    def __init__(self, response: aiohttp.ClientResponse, deadline: float | None = None) -> None:
        self._response = response
        self._deadline = deadline
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self) -> bytes:
        with translate_errors():
            return await self._response.read()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; a gap over ``idle_s`` or the deadline passed ends it."""
        deadline, loop = self._deadline, asyncio.get_running_loop()
        with translate_errors():
            async for data in self._response.content.iter_any():
                yield data
                if deadline is not None and loop.time() > deadline:
                    raise TimeoutError


@contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise UpstreamTimeout(
            "The upstream provider could not be reached in time.", code="upstream_connect_timeout"
        ) from exc
    except TimeoutError as exc:
        raise UpstreamTimeout(
            "The upstream provider did not answer in time.", code="upstream_timeout"
        ) from exc
    except aiohttp.ClientConnectorError as exc:
        raise UpstreamUnavailable(
            "The upstream provider could not be reached.", code="upstream_unreachable"
        ) from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        raise UpstreamError(
            "The upstream provider's response broke off.", status=502, code="upstream_reset"
        ) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamError(f"The upstream request failed: {type(exc).__name__}.") from exc


class Upstream:
    def __init__(
        self, *, timeout_s: float = 600.0, connect_timeout_s: float = 10.0, pool_size: int = 1000
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_s, connect=connect_timeout_s, sock_read=timeout_s
        )
        self._pool_size = pool_size
        self.timeouts = Timeouts(connect_timeout_s, timeout_s, timeout_s, timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=0, ttl_dns_cache=300, keepalive_timeout=60
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            auto_decompress=True,
            skip_auto_headers=("User-Agent",),
            raise_for_status=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("Upstream.start() was not awaited")
        return self._session

    def limits(self, project: Timeouts) -> Limits:
        """A call's limits from now: the project's timeouts over the server's."""
        return Limits.starting_now(project.over(self.timeouts))

    async def send(self, request: UpstreamRequest, limits: Limits | None = None) -> UpstreamReply:
        with translate_errors():
            response = await self._open(request, limits)
            try:
                async with asyncio.timeout(limits.remaining_s() if limits else None):
                    body = await response.read()
            finally:
                response.release()
            return UpstreamReply(response.status, response.headers, body)

    async def _open(
        self, request: UpstreamRequest, limits: Limits | None
    ) -> aiohttp.ClientResponse:
        """The response with its headers read: the first byte, within ``first_byte_s``."""
        if limits is None:
            return await self.session.request(
                request.method, request.url, headers=request.headers, data=request.body
            )
        async with asyncio.timeout(limits.first_byte_s()):
            return await self.session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.body,
                timeout=limits.client_timeout(),
            )

    @asynccontextmanager
    async def stream(
        self, request: UpstreamRequest, limits: Limits | None = None
    ) -> AsyncIterator[UpstreamStream]:
        with translate_errors():
            response = await self._open(request, limits)
        try:
            yield UpstreamStream(response, limits.deadline if limits else None)
        finally:
            # Closing (not releasing) drops the connection, which cancels the upstream
            # generation when the client went away mid-stream.
            if not response.content.at_eof():
                response.close()
            else:
                response.release()
            await asyncio.sleep(0)
