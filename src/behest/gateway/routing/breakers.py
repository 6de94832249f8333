"""Circuit breakers per target (credential x upstream model), per process.

    closed ──(N consecutive failures, or error rate ≥ r over the window)──▶ open
    open ──(cool-down elapsed; the next call is the one probe)──▶ half-open
    half-open ──probe succeeds──▶ closed        half-open ──probe fails──▶ open

While open (or while the half-open probe is out) a target is skipped at once: the call
goes straight to the next target, with no added latency. State lives in this process
only; each worker and replica learns on its own (documented in docs/routing.md).
The clock is passed in, so transitions are testable without sleeping.

Each breaker also keeps the target's observed latency (an EWMA of its successful
attempts: the whole answer, or a stream's first chunk), which ``prefer: latency``
routes read (routing/chooser.py).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from behest.gateway.routing.policy import BreakerPolicy

Clock = Callable[[], float]
LATENCY_WEIGHT = 0.2  # an observation's weight in the latency EWMA


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(slots=True)
class Breaker:
    policy: BreakerPolicy
    state: State = State.CLOSED
    consecutive: int = 0
    opened_at: float = 0.0
    probing: bool = False
    buckets: deque[list[float]] = field(default_factory=deque)  # [second, calls, failures]
    opened: int = 0  # how many times it has opened, for the admin API
    in_flight: int = 0  # calls open to this target now (streams until they end)
    latency_s: float | None = None  # EWMA of successful attempts; None until one is seen

    def observe(self, seconds: float) -> None:
        """One successful attempt's latency, folded into the EWMA."""
        last = self.latency_s
        self.latency_s = seconds if last is None else last + LATENCY_WEIGHT * (seconds - last)

    def enter(self) -> None:
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1

    def allow(self, now: float) -> bool:
        """Whether a call may go to this target now; the half-open probe is taken here."""
        if not self.policy.enabled or self.state is State.CLOSED:
            return True
        if self.state is State.OPEN and now - self.opened_at >= self.policy.cooldown_s:
            self.state = State.HALF_OPEN
        if self.state is State.HALF_OPEN and not self.probing:
            self.probing = True
            return True
        return False

    def record(self, ok: bool, now: float) -> None:
        if not self.policy.enabled:
            return
        if self.state is State.HALF_OPEN and self.probing:
            self.probing = False
            self._close() if ok else self._open(now)
            return
        self._count(ok, now)
        self.consecutive = 0 if ok else self.consecutive + 1
        if self.state is State.CLOSED and not ok and self._tripped():
            self._open(now)

    def release(self) -> None:
        """The call ended without an outcome (the client left): free the probe."""
        self.probing = False

    def _count(self, ok: bool, now: float) -> None:
        second = float(int(now))
        if not self.buckets or self.buckets[-1][0] != second:
            self.buckets.append([second, 0.0, 0.0])
        bucket = self.buckets[-1]
        bucket[1] += 1
        bucket[2] += 0 if ok else 1
        while self.buckets and self.buckets[0][0] <= now - self.policy.window_s:
            self.buckets.popleft()

    def _tripped(self) -> bool:
        if self.consecutive >= self.policy.failures:
            return True
        calls = sum(bucket[1] for bucket in self.buckets)
        failures = sum(bucket[2] for bucket in self.buckets)
        return calls >= self.policy.min_calls and failures / calls >= self.policy.error_rate

    def _open(self, now: float) -> None:
        self.state, self.opened_at, self.opened = State.OPEN, now, self.opened + 1

    def _close(self) -> None:
        self.state, self.consecutive = State.CLOSED, 0
        self.buckets.clear()

    def describe(self, now: float) -> dict[str, Any]:
        calls = int(sum(bucket[1] for bucket in self.buckets))
        failures = int(sum(bucket[2] for bucket in self.buckets))
        reopens = self.opened_at + self.policy.cooldown_s - now if self.state is State.OPEN else 0
        return {
            "state": self.state.value,
            "consecutive_failures": self.consecutive,
            "window_calls": calls,
            "window_failures": failures,
            "times_opened": self.opened,
            "in_flight": self.in_flight,
            "half_open_in_s": round(max(0.0, reopens), 3),
            "latency_ms": None if self.latency_s is None else round(self.latency_s * 1000, 1),
        }


class Breakers:
    """Every target's breaker in this process, created on first use."""

    def __init__(self, clock: Clock = time.monotonic, capacity: int = 10_000) -> None:
        self.clock = clock
        self.capacity = capacity  # a '*' credential lets callers name any model: bounded
        self._breakers: dict[tuple[str, str, str], Breaker] = {}

    def _forget_idle(self) -> None:
        """Drops closed breakers with nothing in flight: they hold nothing worth keeping."""
        idle = [
            key
            for key, b in self._breakers.items()
            if b.state is State.CLOSED and not b.in_flight and not b.consecutive
        ]
        for key in idle:
            del self._breakers[key]

    def get(
        self, project_id: str, credential_id: str, model: str, policy: BreakerPolicy
    ) -> Breaker:
        key = (project_id, credential_id, model)
        breaker = self._breakers.get(key)
        if breaker is None:
            if len(self._breakers) >= self.capacity:
                self._forget_idle()
            breaker = self._breakers[key] = Breaker(policy)
        elif breaker.policy is not policy:  # a new configuration snapshot
            if breaker.policy != policy:
                # new settings: afresh (what is in flight and how fast it is stay true)
                fresh = Breaker(policy, in_flight=breaker.in_flight, latency_s=breaker.latency_s)
                breaker = self._breakers[key] = fresh
            breaker.policy = policy
        return breaker

    def latency(self, project_id: str, credential_id: str, model: str) -> float | None:
        """The target's observed latency, if any (creates no breaker)."""
        breaker = self._breakers.get((project_id, credential_id, model))
        return None if breaker is None else breaker.latency_s

    def counts(self) -> dict[str, int]:
        """How many breakers are in each state, for metrics."""
        counts = dict.fromkeys((state.value for state in State), 0)
        for breaker in self._breakers.values():
            counts[breaker.state.value] += 1
        return counts

    def describe(self, project_id: str | None = None) -> list[dict[str, Any]]:
        now = self.clock()
        return [
            {"project_id": key[0], "credential_id": key[1], "model": key[2], **b.describe(now)}
            for key, b in sorted(self._breakers.items())
            if project_id is None or key[0] == project_id
        ]
