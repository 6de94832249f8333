"""Typed settings read once from ``BEHEST_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from behest.gateway.errors import InvalidRequest


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"BEHEST_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidRequest(f"BEHEST_{name} must be an integer, got {raw!r}.") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=lambda: Path(".behest"))
    database_url: str = ""
    redis_url: str = ""
    master_key: str = ""
    previous_master_keys: tuple[str, ...] = ()
    admin_token: str = ""
    admin_token_previous: str = ""  # also accepted while a new admin token rolls out
    metrics_token: str = ""  # bearer of /metrics besides the admin token
    log_format: str = "text"  # "json": one JSON object a line, and an access log line a request
    max_body_bytes: int = 8 * 1024 * 1024
    max_header_bytes: int = 16 * 1024  # all header lines together; more is a JSON 431
    # a connection whose request headers are not complete (slow-loris), or that sits idle
    # between keep-alive requests, is closed after this many seconds
    header_timeout_s: float = 75.0  # aiohttp's own default; above load balancers' idle timeouts
    body_timeout_s: float = 30.0  # the whole request body, from the end of the headers
    upstream_timeout_s: float = 600.0
    upstream_connect_timeout_s: float = 10.0
    config_poll_s: float = 1.0
    api_key_cache_ttl_s: float = 60.0
    default_jwt_ttl_s: int = 900
    log_level: str = "INFO"
    demo: bool = False
    workers: int = 1
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        data_dir = Path(_env("DATA_DIR", ".behest")).expanduser()
        previous = tuple(key for key in _env("MASTER_KEY_PREVIOUS").split(",") if key)
        settings = cls(
            host=_env("HOST", "127.0.0.1"),
            port=_env_int("PORT", 8080),
            data_dir=data_dir,
            database_url=_env("DATABASE_URL"),
            redis_url=_env("REDIS_URL"),
            master_key=_env("MASTER_KEY"),
            previous_master_keys=previous,
            admin_token=_env("ADMIN_TOKEN"),
            admin_token_previous=_env("ADMIN_TOKEN_PREVIOUS"),
            metrics_token=_env("METRICS_TOKEN"),
            log_format=_env("LOG_FORMAT", "text").lower(),
            max_body_bytes=_env_int("MAX_BODY_BYTES", 8 * 1024 * 1024),
            max_header_bytes=_env_int("MAX_HEADER_BYTES", 16 * 1024),
            header_timeout_s=float(_env_int("HEADER_TIMEOUT_S", 75)),
            body_timeout_s=float(_env_int("BODY_TIMEOUT_S", 30)),
            upstream_timeout_s=float(_env_int("UPSTREAM_TIMEOUT_S", 600)),
            config_poll_s=float(_env("CONFIG_POLL_S", "1.0")),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
            demo=_env("DEMO") in ("1", "true", "yes"),
            workers=_env_int("WORKERS", 1),
            trusted_proxies=tuple(p for p in _env("TRUSTED_PROXIES").split(",") if p),
        )
        return replace(settings, **overrides)  # type: ignore[arg-type]

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'behest.db').resolve()}"
