"""A flight's usage record carries what the stages learned."""

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
from behest.gateway.store.usage_record import TokenCounts


def test_a_streamed_flight_becomes_a_record() -> None:
    now = datetime.now(UTC)
    project = ProjectView(ProjectRecord("proj_a", "A", {}, now, now), ProjectSettings(), ())
    call = Call("chat", "fast", {"messages": []}, stream=True, request_id="req_1")
    flight = Flight(
        Principal("proj_a", "alice", "sess_1", "jwt", "key_1"), project, call, started=100.0
    )
    target = Target("openai", "openai", "gpt-4o-mini", "http://x", "sk", credential_id="cred_1")
    flight.targets, flight.served_by, flight.first_token_at = [target], target, 100.25
    flight.usage = {
        "prompt_tokens": 12,
        "completion_tokens": 7,
        "completion_tokens_details": {"reasoning_tokens": 2},
    }
    record = usage_record(flight, 0.0042, thread_id="t1", now=101.5)
    assert (record.request_id, record.user_id, record.session_id) == ("req_1", "alice", "sess_1")
    assert (record.model_requested, record.model_served, record.provider) == (
        "fast",
        "gpt-4o-mini",
        "openai",
    )
    assert (record.credential_id, record.thread_id, record.stream) == ("cred_1", "t1", True)
    assert record.tokens == TokenCounts(12, 7, 0, 2)
    assert (record.latency_ms, record.ttft_ms, record.cost_usd) == (1500, 250, 0.0042)
    assert (record.status, record.guardrail, record.rate_limit) == (200, "none", "admitted")
