"""A project's response-cache policy (setting ``cache``), parsed once per change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from behest.gateway.errors import InvalidRequest

MAX_TTL_S = 7 * 24 * 3600
MAX_ENTRY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachePolicy:
    enabled: bool = False
    ttl_s: int = 300
    shared_across_users: bool = False  # one entry serves every user of the project
    allow_temperature: bool = False  # cache even when temperature > 0 (or absent)
    max_entry_bytes: int = 1024 * 1024

    @classmethod
    def parse(cls, data: dict[str, Any]) -> CachePolicy:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidRequest(f"Unknown cache settings: {', '.join(sorted(unknown))}.")
        return cls(
            enabled=_flag(data, "enabled", False),
            ttl_s=_int(data, "ttl_s", 300, MAX_TTL_S),
            shared_across_users=_flag(data, "shared_across_users", False),
            allow_temperature=_flag(data, "allow_temperature", False),
            max_entry_bytes=_int(data, "max_entry_bytes", 1024 * 1024, MAX_ENTRY_BYTES),
        )


def _flag(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidRequest(f"cache.{name} must be true or false.", param="cache")
    return value


def _int(data: dict[str, Any], name: str, default: int, top: int) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise InvalidRequest(f"cache.{name} must be an integer from 1 to {top}.", param="cache")
    return value
