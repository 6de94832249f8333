"""The Redis backend (scale-out): one script call per admission, settle and release.

While Redis is unreachable, each project's ``on_redis_error`` decides: ``fail_open``
admits under this replica's in-process limits (an in-memory limiter over the same
plan), ``fail_closed`` answers 503. After a failure Redis is retried at most every
``retry_interval`` seconds, so an outage costs no connect attempt per request, and
recovery needs no restart. Scripts run by EVALSHA and are reloaded on NOSCRIPT
(after a restart or SCRIPT FLUSH). The limiter talks to Redis through ``resp.py``, one
pipelined connection.
"""

from __future__ import annotations

import itertools
import logging
import struct
import time
import uuid

from behest.gateway.limits.admission import Admission
from behest.gateway.limits.base import Limiter, RateState
from behest.gateway.limits.memory import COUNTER_GRACE, MemoryLimiter
from behest.gateway.limits.plan import Plan
from behest.gateway.limits.policy import FailureMode, GatewayLimits, LimitPolicy
from behest.gateway.limits.rejection import rejection, unavailable
from behest.gateway.limits.resp import RespClient, Script, ServerUnavailable, Unreachable
from behest.gateway.limits.scripts import ADJUST, ADMIT

log = logging.getLogger(__name__)

UNREACHABLE = (Unreachable, ServerUnavailable, OSError)
Arg = str | bytes | int | float


def _doubles(numbers: list[float]) -> bytes:
    """The scripts' ``checks`` argument: little-endian doubles, read by ``struct``."""
    return struct.pack(f"<{len(numbers)}d", *numbers)


class RedisLimiter(Limiter):
    def __init__(
        self,
        client: RespClient,
        *,
        gateway: GatewayLimits | None = None,
        key_prefix: str = "behest:lim:",
        retry_interval: float = 1.0,
    ) -> None:
        super().__init__(gateway, key_prefix)
        self.client = client
        self.fallback = MemoryLimiter(self.gateway, key_prefix)
        self.retry_interval = retry_interval
        self._admit_script = Script(ADMIT)
        self._adjust_script = Script(ADJUST)
        self._leases = itertools.count()
        self._lease_prefix = uuid.uuid4().hex[:12]
        self._down_until = 0.0
        self._stale_connection = False  # one opened before an outage may be dead

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _fresh_connection(self) -> None:
        """After an outage, drop the idle connection before using Redis again: one
        opened before the outage would otherwise fail once and mark Redis down for
        another retry interval."""
        if self._stale_connection:
            self._stale_connection = False
            self.client.drop_idle()

    async def _reserve(self, plan: Plan, policy: LimitPolicy, tokens: int, nanos: int) -> Admission:
        if not self.available:
            return self._degraded(plan, policy, tokens, nanos)
        self._fresh_connection()
        lease = "" if plan.concurrency is None else f"{self._lease_prefix}:{next(self._leases)}"
        keys, args = self._admit_args(plan, tokens, nanos, lease)
        try:
            reply = await self.client.evalsha(self._admit_script, keys, args)
        except UNREACHABLE as exc:
            self._mark_down(exc)
            return self._degraded(plan, policy, tokens, nanos)
        if reply[0] != 1:
            raise rejection(plan, int(reply[1]), int(reply[2]), float(reply[3]))
        levels = [float(level) for level in reply[2:]]
        admission = Admission(plan, levels, float(reply[1]), tokens, nanos)
        admission.owner = self
        admission.lease = lease
        return admission

    def _admit_args(
        self, plan: Plan, tokens: int, nanos: int, lease: str
    ) -> tuple[list[str], list[Arg]]:
        keys = [check[0] for check in plan.rates]
        checks: list[float] = [len(plan.rates), len(plan.budgets)]
        for _, limit, amount, _ in plan.rates:
            checks += (limit, amount)
        clock = plan.clock
        for key, limit, _, end, layer in plan.budgets:
            keys.append(key)
            checks += (limit, layer.unit == "cost_usd", max(1, int(end - clock + COUNTER_GRACE)))
        cap = plan.concurrency
        if cap is not None:
            keys.append(self.keys.concurrency)
        now = "" if plan.now is None else repr(plan.now)
        cap_arg = "" if cap is None else cap
        return keys, [now, _doubles(checks), tokens, nanos, cap_arg, lease, plan.lease_seconds]

    def _degraded(self, plan: Plan, policy: LimitPolicy, tokens: int, nanos: int) -> Admission:
        if policy.on_redis_error is FailureMode.CLOSED:
            raise unavailable()
        return self.fallback.reserve(plan, tokens, nanos)

    def _mark_down(self, exc: BaseException) -> None:
        if self.available:
            log.warning("Redis unreachable, limits degraded per project policy: %r", exc)
        self._down_until = time.monotonic() + self.retry_interval
        self._stale_connection = True

    async def adjust(self, admission: Admission, tokens: int, nanos: int) -> None:
        """Only the keys a non-zero change touches are sent (the script would skip the
        others); with none and no lease to free, there is nothing to ask Redis."""
        plan = admission.plan
        keys: list[str] = []
        checks: list[float] = [0, 0]
        if tokens:
            for key, limit, _, layer in plan.rates:
                if layer.unit == "tokens":
                    keys.append(key)
                    checks.append(limit)
        n_rate = len(keys)
        clock = plan.clock
        for key, _, _, end, layer in plan.budgets:
            cost = layer.unit == "cost_usd"
            if nanos if cost else tokens:
                keys.append(key)
                checks += (cost, max(1, int(end - clock + COUNTER_GRACE)))
        checks[0], checks[1] = n_rate, len(keys) - n_rate
        if admission.lease:
            keys.append(self.keys.concurrency)
        elif not keys:
            return
        now = "" if plan.now is None else repr(plan.now)
        args: list[Arg] = [now, _doubles(checks), tokens, nanos, admission.lease]
        try:
            await self.client.evalsha(self._adjust_script, keys, args)
        except UNREACHABLE as exc:
            self._mark_down(exc)
            log.warning("settling an admission failed; its reservation stays until expiry")

    async def _read(self, plan: Plan) -> tuple[list[RateState], list[int], int]:
        commands: list[tuple[str, ...]] = [("GET", key) for key, *_ in plan.rates]
        commands += [("GET", key) for key, *_ in plan.budgets]
        if plan.concurrency is not None:
            commands.append(("ZCOUNT", self.keys.concurrency, f"({plan.clock!r}", "+inf"))
        replies = await self.client.pipeline(commands)
        rates: list[RateState] = []
        for raw in replies[: len(plan.rates)]:
            level, _, stamp = raw.partition(b" ") if raw else (b"", b"", b"")
            rates.append((float(level), float(stamp)) if raw else None)
        counted = replies[len(plan.rates) : len(plan.rates) + len(plan.budgets)]
        budgets = [int(raw or 0) for raw in counted]
        in_flight = int(replies[-1]) if plan.concurrency is not None else 0
        return rates, budgets, in_flight

    async def aclose(self) -> None:
        await self.client.aclose()
