"""The usage record keeps how the call was routed: what served, attempts, the reason."""

from __future__ import annotations

from datetime import UTC, datetime

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.settle import usage_record
from behest.gateway.store import ProjectRecord
from behest.gateway.upstream.dispatch import Route


def test_a_fallback_is_booked_with_its_attempts() -> None:
    now = datetime.now(UTC)
    project = ProjectView(ProjectRecord("proj_a", "A", {}, now, now), ProjectSettings(), ())
    flight = Flight(
        Principal("proj_a", "alice", "sess_1", "jwt", "key_1"),
        project,
        Call("chat", "gpt-4o", {"messages": []}, request_id="req_1"),
    )
    first = Target("openai", "openai", "gpt-4o", "http://x", "sk", credential_id="cred_1")
    served = Target("anthropic", "anthropic", "claude-sonnet-4-5", "http://y", "sk", "cred_2")
    route = Route(attempts=2, reason="fallback:upstream_500", target=served)
    flight.targets, flight.served_by, flight.route = [first, served], served, route
    record = usage_record(flight, 0.0)
    assert (record.model_requested, record.model_served, record.provider) == (
        "gpt-4o",
        "claude-sonnet-4-5",
        "anthropic",
    )
    assert (record.credential_id, record.attempts, record.route) == (
        "cred_2",
        2,
        "fallback:upstream_500",
    )
    assert route.header() == (
        "model=claude-sonnet-4-5; provider=anthropic; attempts=2; reason=fallback:upstream_500"
    )
