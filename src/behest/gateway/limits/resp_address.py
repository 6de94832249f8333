"""Where and how the lean Redis client connects, read from a ``redis://`` URL.

The URL forms are redis-py's: ``redis://[[user]:password@]host[:port][/db]``,
``rediss://…`` (TLS, certificate and host name verified unless the query says
otherwise) and ``unix://[[user]:password@]/path/to.sock[?db=N]``. Query parameters:
``db``, ``client_name``, ``socket_timeout``, ``socket_connect_timeout``,
``ssl_cert_reqs`` (``none`` / ``optional`` / ``required``), ``ssl_check_hostname``,
``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``. redis-py's pool and retry tuning
(``max_connections``, ``timeout``, ``health_check_interval``, ``retry_on_timeout``,
``socket_keepalive``, ``socket_read_size``) means nothing for one pipelined connection
without retries and is ignored; anything else raises ``ValueError`` naming it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

_CERT_REQS = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}
_SSL_OPTIONS = (
    "ssl_cert_reqs",
    "ssl_check_hostname",
    "ssl_ca_certs",
    "ssl_certfile",
    "ssl_keyfile",
)
_POOL_TUNING = (
    "max_connections",
    "timeout",
    "health_check_interval",
    "retry_on_timeout",
    "socket_keepalive",
    "socket_read_size",
)
_OPTIONS = ("db", "client_name", "socket_timeout", "socket_connect_timeout", *_SSL_OPTIONS)


@dataclass(frozen=True, slots=True)
class RedisAddress:
    host: str = "127.0.0.1"
    port: int = 6379
    path: str = ""  # a Unix socket when set
    username: str = ""
    password: str = ""
    db: int = 0
    client_name: str = ""
    tls: ssl.SSLContext | None = None
    timeout: float | None = None  # from the URL; the caller's default otherwise
    connect_timeout: float | None = None


def parse_redis_url(url: str) -> RedisAddress:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"Redis URL must start with redis://, rediss:// or unix://: {url!r}")
    options = dict(parse_qsl(parts.query))
    unknown = sorted(set(options) - set(_OPTIONS) - set(_POOL_TUNING))
    if unknown:
        raise ValueError(f"Redis URL: unsupported query parameter(s) {', '.join(unknown)}")
    db = options.get("db") or (parts.path.lstrip("/") if parts.scheme != "unix" else "")
    return RedisAddress(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        path=unquote(parts.path) if parts.scheme == "unix" else "",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        db=int(db or 0),
        client_name=options.get("client_name", ""),
        tls=_tls_context(options) if parts.scheme == "rediss" else None,
        timeout=_seconds(options.get("socket_timeout")),
        connect_timeout=_seconds(options.get("socket_connect_timeout")),
    )


def _seconds(value: str | None) -> float | None:
    return None if value is None else float(value)


def _tls_context(options: dict[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    reqs = options.get("ssl_cert_reqs", "required").lower()
    if reqs not in _CERT_REQS:
        raise ValueError(f"Redis URL: ssl_cert_reqs must be one of {', '.join(_CERT_REQS)}")
    check = options.get("ssl_check_hostname", "true").lower() in ("1", "true", "yes", "y", "on")
    context.check_hostname = check and reqs != "none"
    context.verify_mode = _CERT_REQS[reqs]
    if "ssl_certfile" in options:
        context.load_cert_chain(options["ssl_certfile"], options.get("ssl_keyfile"))
    return context
