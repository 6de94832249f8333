"""The usage record of one request in flight, built at settlement."""

from __future__ import annotations

import time

from behest.gateway.stages.flight import Flight
from behest.gateway.store.usage_record import TokenCounts, UsageRecord


def usage_record(
    flight: Flight,
    cost_usd: float,
    *,
    thread_id: str | None = None,
    rate_limit: str = "admitted",
    now: float | None = None,
) -> UsageRecord:
    """What ``flight`` used and how it went; call once, when the request is over.

    ``rate_limit`` is ``"limited"`` for a request the limits refused (no admission).
    """
    call, principal = flight.call, flight.principal
    target = flight.served_by or (flight.targets[0] if flight.targets else None)
    ended = time.monotonic() if now is None else now
    first = flight.first_token_at
    return UsageRecord(
        request_id=call.request_id,
        project_id=principal.project_id,
        user_id=principal.user_id,
        session_id=principal.session_id,
        model_requested=call.model,
        model_served=target.model if flight.served_by and target else "",
        provider=target.provider if target else "",
        credential_id=target.credential_id if target else "",
        thread_id=thread_id,
        tokens=TokenCounts.from_usage(flight.usage),
        cost_usd=cost_usd,
        latency_ms=round((ended - flight.started) * 1000),
        ttft_ms=None if first is None else round((first - flight.started) * 1000),
        status=flight.status,
        error_type=flight.error_type,
        guardrail=flight.guard.report.outcome if flight.guard else "none",
        rate_limit=rate_limit,
        stream=call.stream,
    )
