"""On the Redis limiter too, admission moves on to the next credential of the model when
the first one's aggregate limit refuses, and refuses once every one is at its limit."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import RateLimited
from behest.gateway.limits import LimitPolicy, RedisLimiter
from behest.gateway.limits.resp import RespClient
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.admit import admit
from behest.gateway.stages.flight import Flight
from behest.gateway.store import ProjectRecord

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
A, B = (
    Target("openai", "openai", "gpt-4o-mini", f"http://{name}/v1", "sk", credential_id=name)
    for name in ("cred_a", "cred_b")
)
LIMITS = LimitPolicy.from_dict({"credentials": {"cred_a": {"rpm": 2}, "cred_b": {"rpm": 1}}})


def _flight() -> Flight:
    now = datetime.now(UTC)
    project = ProjectView(ProjectRecord("proj_a", "A", {}, now, now), ProjectSettings(), (), LIMITS)
    call = Call("chat", "gpt-4o-mini", {"messages": [{"role": "user", "content": "x"}]}, size=40)
    flight = Flight(Principal("proj_a", "alice", "s", "jwt", "k"), project, call)
    flight.targets = [A, B]
    return flight


async def test_the_second_credential_serves_beyond_the_first_ones_limit(prefix: str) -> None:
    limiter = RedisLimiter(RespClient.from_url(REDIS_URL), key_prefix=prefix)
    try:
        served = []
        for _ in range(3):
            flight = _flight()
            await admit(limiter, Catalog(), flight)
            assert flight.admission is not None
            await limiter.settle(flight.admission, 10, 0.0)
            served.append(flight.targets[0].credential_id)
        assert served == ["cred_a", "cred_a", "cred_b"]
        with pytest.raises(RateLimited) as raised:
            await admit(limiter, Catalog(), _flight())
        refused = raised.value
        assert refused.status == 429 and refused.layer == "credential:requests:minute"
        # the soonest to clear: cred_a, 2 a minute, frees one in 30 s (cred_b in 60 s)
        assert refused.headers["x-ratelimit-limit-requests"] == "2"
        assert 25_000 < int(refused.headers["retry-after-ms"]) <= 30_000
    finally:
        await limiter.aclose()
