"""Admission over a group of credentials: the next one is tried when the first one's
aggregate limit refuses; the other layers refuse at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import RateLimited
from behest.gateway.limits import LimitPolicy, MemoryLimiter
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.admit import admit
from behest.gateway.stages.flight import Flight
from behest.gateway.store import ProjectRecord

NOW = 1_000_000.0
A, B = (
    Target("openai", "openai", "gpt-4o-mini", f"http://{name}/v1", "sk", credential_id=name)
    for name in ("cred_a", "cred_b")
)
CHAIN = Target("anthropic", "anthropic", "claude-haiku-4-5", "http://c", "sk", "cred_c")


def _flight(limits: dict[str, Any], targets: list[Target]) -> Flight:
    now = datetime.now(UTC)
    record = ProjectRecord("proj_a", "A", {}, now, now)
    project = ProjectView(record, ProjectSettings(), (), LimitPolicy.from_dict(limits))
    call = Call("chat", "gpt-4o-mini", {"messages": [{"role": "user", "content": "x"}]}, size=40)
    flight = Flight(Principal("proj_a", "alice", "s", "jwt", "k"), project, call)
    flight.targets = targets
    return flight


async def _admitted_on(limiter: MemoryLimiter, limits: dict[str, Any], n: int) -> list[str]:
    """The credential each of ``n`` calls was admitted on ("429" when refused)."""
    seen = []
    for _ in range(n):
        flight = _flight(limits, [A, B, CHAIN])
        try:
            await admit(limiter, Catalog(), flight)
        except RateLimited:
            seen.append("429")
            continue
        seen.append(flight.targets[0].credential_id)
    return seen


@pytest.fixture
def limiter(monkeypatch: pytest.MonkeyPatch) -> MemoryLimiter:
    monkeypatch.setattr("behest.gateway.limits.plan.time.time", lambda: NOW)
    return MemoryLimiter()


async def test_beyond_the_first_credentials_limit_the_second_serves(
    limiter: MemoryLimiter,
) -> None:
    limits = {"credentials": {"cred_a": {"rpm": 2}}}
    assert await _admitted_on(limiter, limits, 4) == ["cred_a", "cred_a", "cred_b", "cred_b"]
    flight = _flight(limits, [A, B, CHAIN])
    await admit(limiter, Catalog(), flight)
    assert flight.targets == [B, CHAIN]  # the full credential is not a fallback either


async def test_when_every_credential_is_at_its_limit_the_call_is_refused(
    limiter: MemoryLimiter,
) -> None:
    limits = {"credentials": {"cred_a": {"rpm": 1}, "cred_b": {"rpm": 2}}}
    assert await _admitted_on(limiter, limits, 4) == ["cred_a", "cred_b", "cred_b", "429"]
    with pytest.raises(RateLimited) as raised:
        await admit(limiter, Catalog(), _flight(limits, [A, B]))
    refused = raised.value
    assert refused.layer == "credential:requests:minute"
    # the refusal that clears soonest: cred_b drains one request in 30 s, cred_a in 60 s
    assert refused.headers["x-ratelimit-limit-requests"] == "2"
    assert refused.headers["retry-after-ms"] == "30000"


async def test_a_layer_that_is_not_the_credentials_refuses_at_once(
    limiter: MemoryLimiter,
) -> None:
    limits = {"project": {"rpm": 1}, "credentials": {"cred_a": {"rpm": 5}}}
    assert await _admitted_on(limiter, limits, 3) == ["cred_a", "429", "429"]
    with pytest.raises(RateLimited) as raised:
        await admit(limiter, Catalog(), _flight(limits, [A, B]))
    assert raised.value.layer == "project:requests:minute"


async def test_only_the_group_of_the_model_is_tried(limiter: MemoryLimiter) -> None:
    limits = {"credentials": {"cred_a": {"rpm": 1}, "cred_c": {"rpm": 100}}}
    flights = [_flight(limits, [A, CHAIN]) for _ in range(2)]
    await admit(limiter, Catalog(), flights[0])
    with pytest.raises(RateLimited):  # the chain's model is another one: not admission's pick
        await admit(limiter, Catalog(), flights[1])
