"""The behest headers of a response, typed: rate-limit state, guard report, ids.

``behest_headers(x)`` takes what carries headers: a raw response
(``….with_raw_response.create(...)``), an ``openai.APIStatusError``, or a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import openai

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)s)?(?:(\d+)ms)?")


class _HasHeaders(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...


HeaderSource = _HasHeaders | openai.APIStatusError | Mapping[str, str]


@dataclass(frozen=True, slots=True)
class GuardReport:
    """``x-behest-guard``, e.g. ``pii=email:2,phone:1;action=redact;injection=0.12``."""

    pii: Mapping[str, int]
    action: str
    injection: float | None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One unit (requests or tokens) of OpenAI's ``x-ratelimit-*`` headers."""

    limit: int | None
    remaining: int | None
    reset: str | None

    @property
    def reset_s(self) -> float | None:
        return parse_duration(self.reset) if self.reset else None


@dataclass(frozen=True, slots=True)
class BehestHeaders:
    request_id: str | None
    thread_id: str | None
    requests: RateLimit
    tokens: RateLimit
    guard: GuardReport | None
    retry_after_s: float | None


def behest_headers(source: HeaderSource) -> BehestHeaders:
    headers = _headers_of(source)
    return BehestHeaders(
        request_id=headers.get("x-request-id"),
        thread_id=headers.get("x-thread-id"),
        requests=_rate_limit(headers, "requests"),
        tokens=_rate_limit(headers, "tokens"),
        guard=parse_guard(headers.get("x-behest-guard")),
        retry_after_s=_retry_after(headers),
    )


def _headers_of(source: HeaderSource) -> Mapping[str, str]:
    if isinstance(source, openai.APIStatusError):
        found: Mapping[str, str] = source.response.headers
    elif isinstance(source, Mapping):
        found = source
    else:
        found = source.headers
    return {name.lower(): value for name, value in found.items()}


def _rate_limit(headers: Mapping[str, str], unit: str) -> RateLimit:
    return RateLimit(
        limit=_int(headers.get(f"x-ratelimit-limit-{unit}")),
        remaining=_int(headers.get(f"x-ratelimit-remaining-{unit}")),
        reset=headers.get(f"x-ratelimit-reset-{unit}"),
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    millis = _int(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    seconds = headers.get("retry-after")
    try:
        return float(seconds) if seconds is not None else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_duration(text: str) -> float | None:
    """Go's duration strings as OpenAI sends them: ``20ms``, ``1.5s``, ``6m0s``, ``1h2m3s``."""
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds, millis = match.groups()
    try:
        total = float(seconds or 0) + int(minutes or 0) * 60 + int(hours or 0) * 3600
    except ValueError:
        return None
    return total + int(millis or 0) / 1000


def parse_guard(value: str | None) -> GuardReport | None:
    if not value:
        return None
    parts = dict(part.split("=", 1) for part in value.split(";") if "=" in part)
    pii: dict[str, int] = {}
    for item in parts.get("pii", "none").split(","):
        name, _, count = item.partition(":")
        if name and name != "none":
            pii[name] = _int(count) or 0
    injection = parts.get("injection")
    try:
        score = float(injection) if injection is not None else None
    except ValueError:
        score = None
    return GuardReport(pii=pii, action=parts.get("action", ""), injection=score)
