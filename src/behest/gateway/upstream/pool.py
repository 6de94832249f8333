"""Keep-alive connections per origin (scheme, host, port), and the request's head.

At most ``size`` connections carry an exchange at once (a caller over that waits for
one to come back); idle ones are reused newest first and closed after ``KEEPALIVE_S``;
idle and busy together stay within ``size`` (the oldest idle one makes room). Host
names are resolved once per ``DNS_TTL_S``; each address is tried in turn.

A request is sent only on a connection that is open and idle. Once any byte of it is
written it is never sent again: a POST a provider may have received is not repeated.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from yarl import URL

from behest.gateway.upstream.connection import (
    ConnectFailed,
    Connection,
    ConnectTimeout,
    TransportError,
)

KEEPALIVE_S = 60.0
DNS_TTL_S = 300.0
Key = tuple[str, str, int]
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # in a header: an injection attempt
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class InvalidURL(TransportError):
    pass


@dataclass(frozen=True, slots=True)
class Target:
    key: Key
    host: str  # the Host header
    path: str  # path and query, as sent


@lru_cache(maxsize=512)
def target_of(url: str) -> Target:
    parsed = URL(url)
    scheme, host, port = parsed.scheme, parsed.raw_host, parsed.port
    if scheme not in ("http", "https") or not host or port is None:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    shown = f"[{host}]" if ":" in host else host
    if not parsed.is_default_port():
        shown = f"{shown}:{port}"
    return Target((scheme, host, port), shown, parsed.raw_path_qs)


def request_head(
    method: str, target: Target, headers: Mapping[str, str], body: bytes | None
) -> bytes:
    """The request line and headers: the caller's, with Host, Accept, Accept-Encoding and
    the body's length and type added where the caller gave none (no User-Agent)."""
    given = {name.lower() for name in headers}
    lines = [f"{method} {target.path} HTTP/1.1"]
    if "host" not in given:
        lines.append(f"Host: {target.host}")
    for name, value in headers.items():
        if _FORBIDDEN.search(name) or _FORBIDDEN.search(value):
            raise ValueError("Forbidden control character detected in headers.")
        lines.append(f"{name}: {value}")
    if "accept" not in given:
        lines.append("Accept: */*")
    if "accept-encoding" not in given:
        lines.append("Accept-Encoding: gzip, deflate")
    if body is not None or method in _BODY_METHODS:
        if "content-length" not in given:
            lines.append(f"Content-Length: {len(body or b'')}")
        if body is not None and "content-type" not in given:
            lines.append("Content-Type: application/octet-stream")
    lines.append("\r\n")
    return "\r\n".join(lines).encode()


class Pool:
    def __init__(self, size: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.size = size
        self._busy = 0
        self._idle: dict[Key, dict[Connection, None]] = {}
        self._idle_count = 0
        self._open: set[Connection] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._sweeper: asyncio.TimerHandle | None = None
        self._addresses: dict[tuple[str, int], tuple[float, list[tuple[int, str, int]]]] = {}
        self._tls: ssl.SSLContext | None = None

    def take(self, key: Key) -> Connection | None:
        """An idle connection to ``key``, if one is open and a place is free."""
        if self._busy < self.size and (reused := self._reuse(key)) is not None:
            self._busy += 1
            return reused
        return None

    async def acquire(self, key: Key, connect_s: float, within_s: float) -> Connection:
        """A connection to ``key`` once a place is free: an idle one, else a new one, within
        ``connect_s`` (ConnectTimeout) and ``within_s`` (TimeoutError), whichever is shorter."""
        try:
            async with asyncio.timeout(min(connect_s, within_s)):
                await self._slot()
                if (reused := self._reuse(key)) is not None:
                    return reused
                return await self._connect(key)
        except TimeoutError as exc:
            if connect_s <= within_s:
                raise ConnectTimeout("connecting took too long") from exc
            raise

    def release(self, conn: Connection) -> None:
        """The exchange is over: ``conn`` goes back to the pool if it can carry another."""
        conn.finish()
        self._busy -= 1
        if conn.reusable:
            conn.idle_since = self.loop.time()
            self._idle.setdefault(conn.key, {})[conn] = None
            self._idle_count += 1
            if self._sweeper is None:
                self._sweeper = self.loop.call_at(conn.idle_since + KEEPALIVE_S, self._sweep)
        else:
            self._open.discard(conn)
        self._wake_one()

    def close(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._idle.clear()
        self._idle_count = 0
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def _reuse(self, key: Key) -> Connection | None:
        idle = self._idle.get(key)
        cutoff = self.loop.time() - KEEPALIVE_S
        while idle:
            conn, _ = idle.popitem()
            self._idle_count -= 1
            if not conn.lost and conn.idle_since > cutoff:
                return conn
            self._drop(conn)
        return None

    async def _slot(self) -> None:
        """One of the ``size`` places for a busy connection, taken (waiting if need be)."""
        while self._busy >= self.size:
            waiter = self.loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # the place it was woken for goes to the next in line
                else:
                    self._waiters.remove(waiter)
                raise
        self._busy += 1

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _connect(self, key: Key) -> Connection:
        """A new connection (the caller holds its place); its place is given back on failure."""
        try:
            if self._busy + self._idle_count > self.size:
                self._evict_oldest()
            conn = await self._open_connection(key)
        except BaseException:
            self._busy -= 1
            self._wake_one()
            raise
        self._open.add(conn)
        return conn

    async def _open_connection(self, key: Key) -> Connection:
        scheme, host, port = key
        tls = self._tls_context() if scheme == "https" else None
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise ConnectFailed(f"cannot resolve {host}: {exc}") from exc
        failure: OSError | None = None
        for family, address, address_port in addresses:
            try:
                _, conn = await self.loop.create_connection(
                    lambda: Connection(self.loop, key),
                    address,
                    address_port,
                    ssl=tls,
                    family=family,
                    server_hostname=host if tls is not None else None,
                )
            except OSError as exc:
                failure = exc
                continue
            sock = conn.transport.get_extra_info("socket") if conn.transport else None
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            return conn
        raise ConnectFailed(f"cannot connect to {host}:{port}: {failure}") from failure

    async def _resolve(self, host: str, port: int) -> list[tuple[int, str, int]]:
        now = self.loop.time()
        cached = self._addresses.get((host, port))
        if cached is not None and cached[0] > now:
            return cached[1]
        infos = await self.loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [(int(family), str(addr[0]), int(addr[1])) for family, _, _, _, addr in infos]
        if not addresses:
            raise OSError(f"no address for {host}")
        self._addresses[(host, port)] = (now + DNS_TTL_S, addresses)
        return addresses

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
            self._tls.set_alpn_protocols(["http/1.1"])
        return self._tls

    def _evict_oldest(self) -> None:
        oldest: Connection | None = None
        for idle in self._idle.values():
            for conn in idle:
                if oldest is None or conn.idle_since < oldest.idle_since:
                    oldest = conn
                break  # each origin's dict is oldest first
        if oldest is not None:
            del self._idle[oldest.key][oldest]
            self._idle_count -= 1
            self._drop(oldest)

    def _drop(self, conn: Connection) -> None:
        conn.close()
        self._open.discard(conn)

    def _sweep(self) -> None:
        """Closes connections idle over ``KEEPALIVE_S``; runs again for the next to expire."""
        self._sweeper = None
        now = self.loop.time()
        cutoff, next_due = now - KEEPALIVE_S, None
        for key, idle in list(self._idle.items()):
            for conn in list(idle):
                if conn.idle_since > cutoff and not conn.lost:
                    due = conn.idle_since + KEEPALIVE_S
                    next_due = due if next_due is None else min(next_due, due)
                    continue
                del idle[conn]
                self._idle_count -= 1
                self._drop(conn)
            if not idle:
                del self._idle[key]
        if next_due is not None:
            self._sweeper = self.loop.call_at(next_due, self._sweep)
