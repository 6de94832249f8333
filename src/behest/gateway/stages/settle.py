"""The settle stage: each request booked once, however it ended.

The reservation is settled to the actual usage and catalog cost (or released when the
upstream never answered), the thread lease freed, and the usage record queued.
"""

from __future__ import annotations

import asyncio
import time

from behest.gateway.errors import GatewayError, RateLimited
from behest.gateway.limits import Limiter
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.observer import NULL_OBSERVER, Observer
from behest.gateway.store.usage_record import TokenCounts, UsageRecord
from behest.gateway.usage.accounting import partial_usage, total_tokens
from behest.gateway.usage.service import UsageService


class Settler:
    def __init__(
        self,
        limiter: Limiter,
        catalog: Catalog,
        usage: UsageService,
        observer: Observer = NULL_OBSERVER,
    ) -> None:
        self.limiter = limiter
        self.catalog = catalog
        self.usage = usage
        self.observer = observer

    async def settle(self, flight: Flight, error: BaseException | None = None) -> None:
        """Books the request once: limits settled or released, thread freed, usage queued.

        Shielded: a client that leaves while this runs (the server then cancels its
        handler) must not leave the reservation, the thread lease or the record behind.
        A booking that waits on nothing (no thread, limits in process) runs to its end
        without a suspension, so no cancellation can reach it: it skips the shield's task.
        """
        if flight.settled:
            return
        flight.settled = True
        booking = self._book(flight, error)
        if flight.turn is None and (flight.admission is None or flight.admission.settles_at_once):
            await booking
        else:
            await asyncio.shield(booking)

    async def _book(self, flight: Flight, error: BaseException | None) -> None:
        if isinstance(error, GatewayError):
            flight.status, flight.error_type = error.status, error.error_type
        elif error is not None:
            flight.status, flight.error_type = 499, type(error).__name__
        if flight.turn is not None:
            await flight.turn.abort()  # a no-op once the reply was committed
        if flight.usage is None and flight.relayed_chars and flight.estimate:
            flight.usage = partial_usage(flight.estimate.prompt_tokens, flight.relayed_chars)
        cost = self._cost(flight)
        if flight.admission is not None and flight.usage is None:
            await self.limiter.release(flight.admission)
        elif flight.admission is not None:
            await self.limiter.settle(flight.admission, total_tokens(flight.usage), cost)
        limited = "limited" if isinstance(error, RateLimited) else "admitted"
        thread_id = flight.turn.thread_id if flight.turn else None
        record = usage_record(flight, cost, thread_id=thread_id, rate_limit=limited)
        self.usage.record(record)
        self.observer.settled(flight, record, error)

    def _cost(self, flight: Flight) -> float:
        target = flight.served_by
        if flight.usage is None or target is None:
            return 0.0
        overrides = flight.project.settings.price_overrides
        return self.catalog.cost_usd(target.provider, target.model, flight.usage, overrides)


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
        attempts=flight.route.attempts if flight.route else 0,
        route=flight.route.reason if flight.route else "",
    )
