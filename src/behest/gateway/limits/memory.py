"""The in-process backend (embedded default).

Checking and reserving run without an ``await`` in between, so on one event loop they
are atomic without a lock. Buckets are ``[level, stamp, empty_at]`` lists mutated in
place; counters are ``[used, expires_at]``. Both are swept once a minute.
"""

from __future__ import annotations

import math

from behest.gateway.limits.admission import EPSILON, Admission
from behest.gateway.limits.base import Limiter, RateState
from behest.gateway.limits.plan import Plan
from behest.gateway.limits.policy import GatewayLimits, LimitPolicy
from behest.gateway.limits.rejection import BUDGET, CONCURRENCY, RATE, rejection

SWEEP_EVERY = 60.0
COUNTER_GRACE = 86_400.0  # keep a finished window's counter a day for late settles


class MemoryLimiter(Limiter):
    in_process = True

    def __init__(self, gateway: GatewayLimits | None = None, key_prefix: str = "") -> None:
        super().__init__(gateway, key_prefix)
        self._buckets: dict[str, list[float]] = {}
        self._counters: dict[str, list[float]] = {}
        self._in_flight = 0
        self._next_sweep = 0.0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def _reserve(self, plan: Plan, policy: LimitPolicy, tokens: int, nanos: int) -> Admission:
        return self.reserve(plan, tokens, nanos)

    def reserve(self, plan: Plan, tokens: int, nanos: int) -> Admission:
        """Check and reserve synchronously (also the Redis backend's fail-open path)."""
        now = plan.clock
        if now >= self._next_sweep:
            self._sweep(now)
        buckets: list[list[float] | None] = []
        levels = self._check_rates(plan, now, buckets)
        counters = self._check_rest(plan)
        self._commit(plan, levels, now, buckets, counters)
        admission = Admission(plan, levels, now, tokens, nanos)
        admission.owner = self
        if plan.concurrency is not None:
            self._in_flight += 1
            admission.lease = "local"
        return admission

    def _check_rates(self, plan: Plan, now: float, found: list[list[float] | None]) -> list[float]:
        """Each bucket's level after this request; ``found`` gets the buckets looked up."""
        buckets = self._buckets
        levels: list[float] = []
        worst = -1.0
        failed = 0
        for key, limit, amount, _ in plan.rates:
            state = buckets.get(key)
            found.append(state)
            after = float(amount)
            if state is not None:
                level = state[0]
                if now > state[1]:
                    level -= (now - state[1]) * limit / 60.0
                if level > 0.0:
                    after += level
            if after > limit + EPSILON:
                wait = math.inf if amount > limit else (after - limit) * 60.0 / limit
                if wait > worst:
                    worst, failed = wait, len(levels)
            levels.append(after)
        if worst >= 0:
            self._check_rest(plan)  # a budget or concurrency rejection takes precedence
            raise rejection(plan, RATE, failed, worst)
        return levels

    def _check_rest(self, plan: Plan) -> list[list[float] | None]:
        """The budget counters looked up, when neither they nor the cap refuse."""
        counters = self._counters
        found = []
        for index, (key, limit, amount, _, _) in enumerate(plan.budgets):
            state = counters.get(key)
            if (0 if state is None else state[0]) + amount > limit:
                raise rejection(plan, BUDGET, index, 0.0)
            found.append(state)
        if plan.concurrency is not None and self._in_flight >= plan.concurrency:
            raise rejection(plan, CONCURRENCY, 0, 1.0)
        return found

    def _commit(
        self,
        plan: Plan,
        levels: list[float],
        now: float,
        found_buckets: list[list[float] | None],
        found_counters: list[list[float] | None],
    ) -> None:
        """Each bucket and counter as checked (no await since: none can have changed)."""
        buckets = self._buckets
        for (key, limit, _, _), level, state in zip(plan.rates, levels, found_buckets, strict=True):
            if state is None:
                buckets[key] = [level, now, now + level * 60.0 / limit]
            else:
                stamp = state[1] if state[1] > now else now
                state[0], state[1], state[2] = level, stamp, stamp + level * 60.0 / limit
        counters = self._counters
        for (key, _, amount, end, _), state in zip(plan.budgets, found_counters, strict=True):
            if state is None:
                counters[key] = [amount, end + COUNTER_GRACE]
            else:
                state[0] += amount

    async def adjust(self, admission: Admission, tokens: int, nanos: int) -> None:
        plan = admission.plan
        if tokens:
            buckets = self._buckets
            for key, limit, _, layer in plan.rates:
                if layer.unit != "tokens":
                    continue
                state = buckets.get(key)
                if state is not None:
                    state[0] = max(0.0, state[0] + tokens)
                    state[2] = state[1] + state[0] * 60.0 / limit
                elif tokens > 0:
                    buckets[key] = [
                        tokens,
                        admission.now,
                        admission.now + tokens * 60.0 / limit,
                    ]
        counters = self._counters
        for key, _, _, end, layer in plan.budgets:
            delta = nanos if layer.unit == "cost_usd" else tokens
            if not delta:
                continue
            state = counters.get(key)
            if state is not None:
                state[0] = max(0, state[0] + delta)
            elif delta > 0:
                counters[key] = [delta, end + COUNTER_GRACE]
        if admission.lease:
            self._in_flight -= 1

    async def aclose(self) -> None:
        return None

    async def _read(self, plan: Plan) -> tuple[list[RateState], list[int], int]:
        rates: list[RateState] = []
        for key, *_ in plan.rates:
            state = self._buckets.get(key)
            rates.append(None if state is None else (state[0], state[1]))
        budgets = [int(self._counters.get(key, (0,))[0]) for key, *_ in plan.budgets]
        return rates, budgets, self._in_flight

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_EVERY
        for key in [k for k, state in self._buckets.items() if state[2] <= now]:
            del self._buckets[key]
        for key in [k for k, state in self._counters.items() if state[1] <= now]:
            del self._counters[key]
