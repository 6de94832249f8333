"""Prometheus metrics: one registry per process, fed once per settled request.

Each process keeps its own registry (no multiprocess mode): with ``BEHEST_WORKERS`` above
1 a scrape sees the worker that answered it, so run one worker per container and let
Prometheus scrape every replica (docs/operations.md, "Metrics").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Metric,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from behest.gateway.errors import RateLimited, UpstreamError
from behest.gateway.stages.flight import Flight
from behest.gateway.store.usage_record import UsageRecord

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# a credential pattern (``gpt-*``) routes names a caller makes up: past this many distinct
# models a process reports the rest as "other", so no caller can grow the label set
MAX_MODELS = 200


BreakerCounts = Callable[[], Mapping[str, int]]
Child = TypeVar("Child", Counter, Histogram)


class _Children(Generic[Child]):
    """A metric's labelled children by label values, looked up in a dict: the client's
    ``labels()`` validates and takes a lock on every call, and each settled request
    makes several. Label sets are bounded as the metric's own are (``MAX_MODELS``)."""

    __slots__ = ("_children", "_metric")

    def __init__(self, metric: Child) -> None:
        self._metric: Child = metric
        self._children: dict[tuple[str, ...], Child] = {}

    def __call__(self, *values: str) -> Child:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


class Metrics:
    def __init__(
        self,
        queue_depth: Callable[[], float] = lambda: 0.0,
        breakers: BreakerCounts = dict,
    ) -> None:
        self.registry = CollectorRegistry()
        self._models: set[str] = set()
        r = self.registry
        self.requests = Counter(
            "behest_requests", "AI requests settled by the pipeline",
            ["route", "model", "provider", "status"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "behest_request_duration_seconds", "Pipeline requests, admission to settlement",
            ["route", "provider"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.ttft = Histogram(
            "behest_time_to_first_token_seconds", "Streams: admission to the first token",
            ["route", "provider"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.upstream_errors = Counter(
            "behest_upstream_errors", "Errors answered by or on the way to a provider",
            ["provider", "status"], registry=r,
        )  # fmt: skip
        self.limit_rejections = Counter(
            "behest_limit_rejections", "Requests refused by a limit layer", ["layer"], registry=r
        )
        self.guard_findings = Counter(
            "behest_guard_findings", "Guard findings in requests, by type", ["type"], registry=r
        )
        self.rerouted = Counter(
            "behest_reroutes", "Requests served after a retry or a fallback, by why",
            ["kind", "cause", "provider"], registry=r,
        )  # fmt: skip
        r.register(_BreakerStates(breakers))
        self.http = Counter(
            "behest_http_requests", "Every HTTP request, by route template",
            ["route", "method", "status"], registry=r,
        )  # fmt: skip
        depth = Gauge("behest_usage_queue_depth", "Usage records not yet written", registry=r)
        depth.set_function(queue_depth)
        tasks = Gauge("behest_asyncio_tasks", "Tasks alive on the event loop", registry=r)
        tasks.set_function(_task_count)
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_open_fds, …
        self._requests = _Children(self.requests)
        self._latency = _Children(self.latency)
        self._ttft = _Children(self.ttft)
        self._http = _Children(self.http)

    def settled(self, flight: Flight, record: UsageRecord, error: BaseException | None) -> None:
        route, provider = flight.call.operation, record.provider or "none"
        model = self._model(record.model_requested) if flight.targets else "unrouted"
        status = str(record.status)
        self._requests(route, model, provider, status).inc()
        self._latency(route, provider).observe(record.latency_ms / 1000)
        if record.ttft_ms is not None:
            self._ttft(route, provider).observe(record.ttft_ms / 1000)
        if isinstance(error, UpstreamError):
            self.upstream_errors.labels(provider, status).inc()
        if isinstance(error, RateLimited):
            self.limit_rejections.labels(error.layer or "unknown").inc()
        reason = flight.route.reason if flight.route is not None else "primary"
        kind, _, cause = reason.rpartition(",")[2].partition(":")  # auto:cost,fallback:…
        if kind in ("retry", "fallback", "exhausted"):
            self.rerouted.labels(kind, cause or "unknown", provider).inc()
        if flight.guard is not None:
            for kind, count in flight.guard.report.found.items():
                self.guard_findings.labels(kind.lower()).inc(count)

    def _model(self, name: str) -> str:
        if name in self._models:
            return name
        if len(self._models) >= MAX_MODELS:
            return "other"
        self._models.add(name)
        return name

    def http_request(self, route: str, method: str, status: int) -> None:
        self._http(route, method, str(status)).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _BreakerStates:
    """``behest_breakers{state}``: this process's circuit breakers in each state."""

    def __init__(self, counts: BreakerCounts) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "behest_breakers", "Circuit breakers in each state", labels=["state"]
        )
        for state, count in sorted(self._counts().items()):
            family.add_metric([state], count)
        yield family


def _task_count() -> float:
    try:
        return float(len(asyncio.all_tasks()))
    except RuntimeError:  # read outside the event loop's thread
        return 0.0
