"""OpenTelemetry traces: one span per pipeline stage, off unless ``OTEL_*`` turns them on.

``tracing_wanted`` reads only the environment; the OTel SDK is imported by ``Tracing``
alone, so a gateway without OTLP configured imports nothing of it and pays nothing.
The exporter is configured by the standard variables (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``, …).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from behest.gateway.stages.flight import Flight
from behest.gateway.store.usage_record import UsageRecord

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span


def tracing_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return bool(exporter or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def otlp_exporter() -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


class Tracing:
    """Spans named ``behest.<stage>``, each under one ``behest.request`` span per request."""

    def __init__(self, exporter: SpanExporter | None = None, *, batch: bool = True) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "behest")})
        self.provider: TracerProvider = TracerProvider(resource=resource)
        processor = BatchSpanProcessor if batch else SimpleSpanProcessor
        self.provider.add_span_processor(processor(exporter or otlp_exporter()))
        self.tracer = self.provider.get_tracer("behest.gateway")
        self._roots: dict[str, Span] = {}

    def stage(self, name: str, flight: Flight) -> AbstractContextManager[None]:
        return self._span(name, flight)

    @contextmanager
    def _span(self, name: str, flight: Flight) -> Iterator[None]:
        from opentelemetry.trace import set_span_in_context

        root = self._roots.get(flight.call.request_id)
        if root is None:
            root = self.tracer.start_span("behest.request", attributes=_attributes(flight))
            self._roots[flight.call.request_id] = root
        with self.tracer.start_as_current_span(f"behest.{name}", context=set_span_in_context(root)):
            yield

    def settled(self, flight: Flight, record: UsageRecord, error: BaseException | None) -> None:
        root = self._roots.pop(flight.call.request_id, None)
        if root is not None:
            root.set_attribute("http.response.status_code", record.status)
            root.set_attribute("behest.provider", record.provider)
            root.end()

    def shutdown(self) -> None:
        self.provider.shutdown()


def _attributes(flight: Flight) -> dict[str, Any]:
    return {
        "behest.request_id": flight.call.request_id,
        "behest.project_id": flight.principal.project_id,
        "behest.model": flight.call.model,
        "behest.stream": flight.call.stream,
    }
