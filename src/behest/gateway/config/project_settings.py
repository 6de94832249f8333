"""A project's settings: stored as JSON, validated here once per change, not per request."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from behest.gateway.auth.tokens import MAX_TTL_S
from behest.gateway.cache import CachePolicy
from behest.gateway.errors import InvalidRequest
from behest.gateway.guard import GuardPolicy
from behest.gateway.limits import LimitPolicy
from behest.gateway.routing.policy import RoutingPolicy

log = logging.getLogger("behest.config")
_OPAQUE_SECTIONS = (
    "limits",
    "guard",
    "price_overrides",
    "fallbacks",
    "retries",
    "timeouts",
    "breaker",
    "load_balance",
    "cache",
    "auto",
    "routes",
)
_ROUTING = (
    "default_model",
    "fallbacks",
    "retries",
    "timeouts",
    "breaker",
    "load_balance",
    "auto",
    "routes",
)


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    allow_api_key_access: bool = False  # server-to-server use of the API key on /v1/*
    jwt_ttl_s: int = 900
    cors_origins: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    thread_retention_days: int | None = None
    limits: dict[str, Any] = field(default_factory=dict)
    guard: dict[str, Any] = field(default_factory=dict)
    price_overrides: dict[str, Any] = field(default_factory=dict)
    default_model: str | None = None  # serves a chat request that names no model
    fallbacks: dict[str, Any] = field(default_factory=dict)  # model → models tried next
    retries: dict[str, Any] = field(default_factory=dict)
    timeouts: dict[str, Any] = field(default_factory=dict)
    breaker: dict[str, Any] = field(default_factory=dict)
    load_balance: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # the response cache (docs/routing.md)
    auto: dict[str, Any] = field(default_factory=dict)  # model "auto": candidates, prefer
    routes: dict[str, Any] = field(default_factory=dict)  # named routes like auto

    @classmethod
    def stored(cls, data: dict[str, Any]) -> ProjectSettings:
        """Settings read back from the store: origins written before they were checked and
        that no browser can send are left out (and logged), not a reason to refuse the rest."""
        origins = data.get("cors_origins")
        if isinstance(origins, list | tuple):
            kept = [o for o in origins if isinstance(o, str) and _is_origin(o)]
            if len(kept) != len(origins):
                log.warning("ignoring stored cors_origins that are not origins: %r", origins)
            data = {**data, "cors_origins": kept}
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectSettings:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidRequest(f"Unknown project settings: {', '.join(sorted(unknown))}.")
        settings = cls(
            allow_api_key_access=_bool(data, "allow_api_key_access", False),
            jwt_ttl_s=_ttl(data.get("jwt_ttl_s", 900)),
            cors_origins=tuple(_origin(o) for o in _str_list(data, "cors_origins")),
            aliases=_str_map(data, "aliases"),
            thread_retention_days=_optional_days(data.get("thread_retention_days")),
            default_model=data.get("default_model"),
            **{name: _object(data, name) for name in _OPAQUE_SECTIONS},
        )
        _validate_policies(settings)
        return settings

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cors_origins"] = list(self.cors_origins)
        return data

    def routing(self) -> RoutingPolicy:
        sections = {name: getattr(self, name) for name in _ROUTING}
        return RoutingPolicy.parse(**sections, aliases=self.aliases)

    def merged(self, patch: dict[str, Any]) -> ProjectSettings:
        return ProjectSettings.from_dict({**self.to_dict(), **patch})


def _bool(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false.", param=name)
    return value


def _ttl(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 30 <= value <= MAX_TTL_S:
        raise InvalidRequest(
            f"jwt_ttl_s must be an integer from 30 to {MAX_TTL_S}.", param="jwt_ttl_s"
        )
    return value


def _optional_days(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRequest("thread_retention_days must be a positive integer or null.")
    return value


def _str_list(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidRequest(f"{name} must be a list of strings.", param=name)
    return list(value)


_ORIGIN = re.compile(r"(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?")


def _normal_origin(value: str) -> str:
    return value.strip().lower().removesuffix("/")


def _is_origin(value: str) -> bool:
    return _ORIGIN.fullmatch(_normal_origin(value)) is not None


def _origin(value: str) -> str:
    """An origin as browsers send it: ``scheme://host[:port]``, lower case, no path; never
    ``*`` or ``null`` (which any sandboxed frame or local file sends)."""
    origin = _normal_origin(value)
    if not _ORIGIN.fullmatch(origin):
        raise InvalidRequest(
            f"cors_origins: {value!r} is not an origin; write scheme://host[:port], "
            "e.g. https://app.example.com (no path, no wildcard, not null).",
            param="cors_origins",
        )
    return origin


def _str_map(data: dict[str, Any], name: str) -> dict[str, str]:
    value = data.get(name, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidRequest(f"{name} must be an object of strings.", param=name)
    return dict(value)


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be an object.", param=name)
    return dict(value)


def _validate_policies(settings: ProjectSettings) -> None:
    """Policies are parsed here too, so a bad one is a 400 at the admin API, not later."""
    LimitPolicy.from_dict(settings.limits)
    GuardPolicy.from_dict(settings.guard)
    settings.routing()
    CachePolicy.parse(settings.cache)
