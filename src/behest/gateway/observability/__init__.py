"""Metrics and traces: the pipeline's observer, and the ``/metrics`` exposition.

metrics   Prometheus counters and histograms, per process
tracing   OpenTelemetry spans per stage; imported only when ``OTEL_*`` asks for it
access    the JSON access-log line (``BEHEST_LOG_FORMAT=json``)
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from behest.gateway.observability.metrics import CONTENT_TYPE, Metrics
from behest.gateway.observability.tracing import Tracing, tracing_wanted
from behest.gateway.stages.flight import Flight
from behest.gateway.store.usage_record import UsageRecord

__all__ = ["CONTENT_TYPE", "Metrics", "Observability", "Tracing", "tracing_wanted"]

_NOTHING: AbstractContextManager[None] = nullcontext()


class Observability:
    """The pipeline's observer: metrics always, a span per stage when tracing is on."""

    def __init__(self, metrics: Metrics, tracing: Tracing | None = None) -> None:
        self.metrics = metrics
        self.tracing = tracing

    def stage(self, name: str, flight: Flight) -> AbstractContextManager[None]:
        if self.tracing is None:
            return _NOTHING
        return self.tracing.stage(name, flight)

    def settled(self, flight: Flight, record: UsageRecord, error: BaseException | None) -> None:
        self.metrics.settled(flight, record, error)
        if self.tracing is not None:
            self.tracing.settled(flight, record, error)

    def close(self) -> None:
        if self.tracing is not None:
            self.tracing.shutdown()
