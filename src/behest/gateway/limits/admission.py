"""What goes into admission and what comes out: request, admission, usage, headers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from behest.gateway.limits.plan import Plan

EPSILON = 1e-9  # slack for float rounding when comparing bucket levels to limits


class Adjuster(Protocol):
    in_process: bool  # adjusting touches only this process's memory: it never waits

    async def adjust(self, admission: Admission, tokens: int, nanos: int) -> None: ...


class Admission:
    """A granted admission: what was reserved, and the headers to answer with.

    Pass it back to ``settle`` (actual usage) or ``release`` (upstream failure) exactly
    once; further calls are no-ops.
    """

    __slots__ = ("_headers", "done", "lease", "levels", "nanos", "now", "owner", "plan", "tokens")

    def __init__(
        self, plan: Plan, levels: Sequence[float], now: float, tokens: int, nanos: int
    ) -> None:
        self.plan = plan
        self.levels = levels
        self.now = now
        self.tokens = tokens
        self.nanos = nanos
        self.lease = ""
        self.owner: Adjuster | None = None
        self.done = False
        self._headers: dict[str, str] | None = None

    @property
    def settles_at_once(self) -> bool:
        """Settling or releasing it waits on nothing (no round trip to a shared store)."""
        return self.done or self.owner is None or self.owner.in_process

    @property
    def headers(self) -> dict[str, str]:
        """OpenAI's ``x-ratelimit-*`` headers for the tightest requests and tokens layers."""
        if self._headers is None:
            self._headers = rate_headers(self.plan, self.levels)
        return self._headers


@dataclass(frozen=True, slots=True)
class LimitUsage:
    """Current use of one limit, for the admin API. Cost budgets are in USD."""

    layer: str
    scope: str
    unit: str
    period: str
    limit: float
    used: float
    remaining: float
    resets_in_seconds: float


def format_duration(seconds: float) -> str:
    """OpenAI's (Go's) duration strings, to the millisecond: ``20ms``, ``1.5s``, ``6m0s``."""
    millis = max(0, math.ceil(seconds * 1000 - 1e-6))
    if millis < 1000:
        return f"{millis}ms" if millis else "0s"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest // 1000}s" if rest % 1000 == 0 else f"{rest / 1000:.3f}".rstrip("0") + "s"
    if hours:
        return f"{hours}h{minutes}m{secs}"
    return f"{minutes}m{secs}" if minutes else secs


def remaining(limit: int, level: float) -> int:
    return max(0, math.floor(limit - level + EPSILON))


def rate_headers(plan: Plan, levels: Sequence[float]) -> dict[str, str]:
    best: dict[str, tuple[float, int, float]] = {}  # unit -> (headroom, limit, level)
    for (_, limit, _, layer), level in zip(plan.rates, levels, strict=True):
        found = best.get(layer.unit)
        headroom = limit - level
        if found is None or headroom < found[0] or (headroom == found[0] and limit < found[1]):
            best[layer.unit] = (headroom, limit, level)
    headers: dict[str, str] = {}
    for unit in ("requests", "tokens"):
        if unit in best:
            _, limit, level = best[unit]
            headers[f"x-ratelimit-limit-{unit}"] = str(limit)
            headers[f"x-ratelimit-remaining-{unit}"] = str(remaining(limit, level))
            headers[f"x-ratelimit-reset-{unit}"] = format_duration(level * 60.0 / limit)
    return headers
