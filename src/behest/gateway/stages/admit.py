"""The admit stage: every limit layer and the budget, reserved in one step."""

from __future__ import annotations

from behest.gateway.limits import AdmissionRequest, Limiter
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.flight import Flight
from behest.gateway.usage.accounting import estimate


async def admit(limiter: Limiter, catalog: Catalog, flight: Flight) -> None:
    principal, target = flight.principal, flight.targets[0]
    flight.estimate = estimate(flight.call, target, catalog)
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
