"""The one limiter interface; backends supply reserve, adjust and read."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from behest.gateway.limits.admission import Admission, LimitUsage, remaining
from behest.gateway.limits.plan import (
    MINT_IP_RPM,
    AdmissionRequest,
    CheckShapes,
    KeySpace,
    Plan,
    add_budget_layers,
    add_rate_layers,
)
from behest.gateway.limits.policy import NANO_USD, GatewayLimits, LimitPolicy

RateState = tuple[float, float] | None  # (level, stamp) of a bucket, None when empty
_NO_CONCURRENCY = GatewayLimits()


def drained(level: float, stamp: float, limit: int, now: float) -> float:
    """A bucket's level at ``now``: it drains ``limit`` units per minute, never below 0."""
    if now <= stamp:
        return level
    return max(0.0, level - (now - stamp) * limit / 60.0)


class Limiter(ABC):
    """Admission for every limit layer, in one step. See the package docstring."""

    in_process = False  # admissions live in this process's memory (no shared store)

    def __init__(self, gateway: GatewayLimits | None, key_prefix: str) -> None:
        self.gateway = gateway or GatewayLimits()
        self.keys = KeySpace(key_prefix)
        self.shapes = CheckShapes()

    def admits_freely(self, policy: LimitPolicy) -> bool:
        """Admitting under ``policy`` would check, reserve and answer nothing: no layer set,
        no gateway cap, and no shared store whose outage could refuse the request."""
        return self.in_process and policy.unlimited and self.gateway.concurrency is None

    async def admit(self, request: AdmissionRequest) -> Admission:
        """Check every layer and reserve; raises ``RateLimited`` (reserving nothing)."""
        plan = Plan(request.now, self.gateway)
        tokens = request.estimated_tokens
        nanos = round(request.estimated_cost_usd * NANO_USD)
        self.shapes.fill(plan, self.keys, request, tokens, nanos)
        return await self._reserve(plan, request.policy, tokens, nanos)

    async def check_ip(
        self, project_id: str, ip: str, policy: LimitPolicy, *, now: float | None = None
    ) -> Admission:
        """The IP layer alone, for ``/v1/auth/mint`` (its own bucket, ``ip.mint_rpm``)."""
        plan = Plan(now, _NO_CONCURRENCY)
        if policy.ip.mint_rpm is not None:
            key = self.keys.rate(f"qm:{len(project_id)}:{project_id}:{ip}")
            plan.rates.append((key, policy.ip.mint_rpm, 1, MINT_IP_RPM))
        return await self._reserve(plan, policy, 0, 0)

    async def settle(
        self, admission: Admission, actual_tokens: int, actual_cost_usd: float
    ) -> None:
        """Replace the reservation with actual usage and free the concurrency slot."""
        if admission.done:
            return
        admission.done = True
        nanos = round(actual_cost_usd * NANO_USD) - admission.nanos
        await self._adjust_by_owner(admission, actual_tokens - admission.tokens, nanos)

    async def release(self, admission: Admission) -> None:
        """Return reserved tokens and cost (the request still counts) and free the slot."""
        if admission.done:
            return
        admission.done = True
        await self._adjust_by_owner(admission, -admission.tokens, -admission.nanos)

    async def usage(
        self,
        project_id: str,
        policy: LimitPolicy,
        *,
        user_id: str | None = None,
        ip: str | None = None,
        credential_id: str = "",
        tier: str | None = None,
        now: float | None = None,
    ) -> list[LimitUsage]:
        """Current use of each configured limit (for the admin API)."""
        request = AdmissionRequest(
            project_id, user_id, ip, policy, credential_id, tier=tier, now=now
        )
        plan = Plan(now, self.gateway)
        add_rate_layers(plan, self.keys, request, 0)
        add_budget_layers(plan, self.keys, request, 0, 0)
        rates, budgets, in_flight = await self._read(plan)
        return _report(plan, rates, budgets, in_flight)

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections."""

    async def _adjust_by_owner(self, admission: Admission, tokens: int, nanos: int) -> None:
        owner = admission.owner
        if owner is not None:
            await owner.adjust(admission, tokens, nanos)

    @abstractmethod
    async def _reserve(
        self, plan: Plan, policy: LimitPolicy, tokens: int, nanos: int
    ) -> Admission: ...

    @abstractmethod
    async def _read(self, plan: Plan) -> tuple[list[RateState], list[int], int]: ...


def _report(
    plan: Plan, rates: Sequence[RateState], budgets: Sequence[int], in_flight: int
) -> list[LimitUsage]:
    now = plan.clock
    report = []
    for (_, limit, _, layer), state in zip(plan.rates, rates, strict=True):
        level = 0.0 if state is None else drained(state[0], state[1], limit, now)
        report.append(
            LimitUsage(
                layer.name,
                layer.scope,
                layer.unit,
                layer.period,
                limit,
                round(level, 6),
                remaining(limit, level),
                level * 60.0 / limit,
            )
        )
    for (_, limit, _, end, layer), used in zip(plan.budgets, budgets, strict=True):
        scale = NANO_USD if layer.unit == "cost_usd" else 1
        report.append(
            LimitUsage(
                layer.name,
                layer.scope,
                layer.unit,
                layer.period,
                limit / scale,
                used / scale,
                max(0, limit - used) / scale,
                max(0.0, end - now),
            )
        )
    if plan.concurrency is not None:
        report.append(
            LimitUsage(
                "gateway in-flight requests",
                "gateway",
                "in-flight requests",
                "now",
                plan.concurrency,
                in_flight,
                max(0, plan.concurrency - in_flight),
                0.0,
            )
        )
    return report
