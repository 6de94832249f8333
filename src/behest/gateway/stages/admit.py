"""The admit stage: every limit layer and the budget, reserved in one step.

The call reserves the aggregate limits (``limits.credentials``) of the credential it
will try first. When several credentials serve the model (the leading group of the
targets, in load-balanced order) and the first one's aggregate limit refuses, the next
is tried, and so on; the call is refused only when every one of them is at its limit
(with the refusal that clears soonest). A credential that refused is left out of the
call's targets: it is at its limit. The other layers (project, user, IP, budgets,
concurrency) do not depend on the credential: their refusal stands at once.
"""

from __future__ import annotations

from behest.gateway.errors import RateLimited
from behest.gateway.limits import AdmissionRequest, Limiter
from behest.gateway.providers.base import Target
from behest.gateway.routing.balance import group_size
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.flight import Flight
from behest.gateway.usage.accounting import estimate


async def admit(limiter: Limiter, catalog: Catalog, flight: Flight) -> None:
    targets = flight.targets
    refusals: list[RateLimited] = []
    for target in targets[: max(1, group_size(targets))]:
        try:
            await _admit_on(limiter, catalog, flight, target)
        except RateLimited as refused:
            if not (refused.layer or "").startswith("credential:"):
                raise
            refusals.append(refused)
            continue
        if refusals:
            full = {t.credential_id for t in targets[: len(refusals)]}
            flight.targets = [t for t in targets if t.credential_id not in full]
        return
    raise min(refusals, key=_wait_ms)


async def _admit_on(limiter: Limiter, catalog: Catalog, flight: Flight, target: Target) -> None:
    principal = flight.principal
    flight.estimate = estimate(flight.call, target, catalog)
    if limiter.admits_freely(flight.project.limits):
        return
    flight.admission = await limiter.admit(
        AdmissionRequest(
            principal.project_id,
            principal.user_id,
            principal.ip or None,
            flight.project.limits,
            credential_id=target.credential_id,
            estimated_tokens=flight.estimate.total_tokens,
            estimated_cost_usd=flight.estimate.cost_usd,
            tier=principal.tier or None,
        )
    )
    flight.headers.update(flight.admission.headers)


def _wait_ms(refused: RateLimited) -> int:
    return int(refused.headers.get("retry-after-ms", "0"))
