"""Metrics: a bounded model label, reroutes by cause, breaker states at scrape time."""

from __future__ import annotations

from datetime import UTC, datetime

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.observability.metrics import MAX_MODELS, Metrics
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.policy import BreakerPolicy
from behest.gateway.stages.flight import Flight
from behest.gateway.store import ProjectRecord
from behest.gateway.store.usage_record import UsageRecord
from behest.gateway.upstream.dispatch import Route


def test_models_past_the_cap_are_reported_as_other() -> None:
    metrics = Metrics()
    names = [metrics._model(f"gpt-{n}") for n in range(MAX_MODELS + 5)]
    assert names[:MAX_MODELS] == [f"gpt-{n}" for n in range(MAX_MODELS)]
    assert set(names[MAX_MODELS:]) == {"other"}
    assert metrics._model("gpt-0") == "gpt-0"


def _flight(reason: str) -> tuple[Flight, UsageRecord]:
    now = datetime.now(UTC)
    project = ProjectView(ProjectRecord("proj_a", "A", {}, now, now), ProjectSettings(), ())
    call = Call("chat", "gpt-4o", {"messages": []}, request_id="req_1")
    flight = Flight(Principal("proj_a", "alice", "sess_1", "jwt", "key_1"), project, call)
    target = Target("anthropic", "anthropic", "claude-sonnet-4-5", "http://x", "k")
    flight.targets, flight.served_by = [target], target
    flight.route = Route(attempts=2, reason=reason, target=target)
    record = UsageRecord("req_1", "proj_a", "alice", "sess_1", "gpt-4o", provider="anthropic")
    return flight, record


def test_fallbacks_and_retries_are_counted_by_cause() -> None:
    metrics = Metrics()
    for reason in ("primary", "fallback:upstream_500", "fallback:upstream_500", "retry:timeout"):
        metrics.settled(*_flight(reason), None)
    text = metrics.exposition().decode()
    assert (
        'behest_reroutes_total{cause="upstream_500",kind="fallback",provider="anthropic"} 2.0'
        in text
    )
    assert 'behest_reroutes_total{cause="timeout",kind="retry",provider="anthropic"} 1.0' in text


def test_breaker_states_are_a_gauge_read_at_scrape_time() -> None:
    breakers = Breakers()
    breakers.get("p", "c1", "m", BreakerPolicy())
    metrics = Metrics(breakers=breakers.counts)
    text = metrics.exposition().decode()
    assert 'behest_breakers{state="closed"} 1.0' in text
    assert 'behest_breakers{state="open"} 0.0' in text
