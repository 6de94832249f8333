"""Rate limits and budgets: every layer checked and reserved in one step.

Layers (each optional, configured by a project's ``LimitPolicy`` JSON):
project RPM/TPM, user RPM/TPM (tiers, per-user overrides), IP RPM (and the mint
endpoint's own IP bucket), token/cost budgets per project and user per calendar day
and month, per-credential RPM/TPM; plus the gateway-wide concurrency cap
(``GatewayLimits``, held by the limiter).

How the pipeline uses it::

    limiter = build_limiter(settings.redis_url, gateway=GatewayLimits(concurrency=512))

    admission = await limiter.admit(AdmissionRequest(
        project_id, user_id, ip, policy, credential_id=cred,
        estimated_tokens=prompt_tokens + max_tokens, estimated_cost_usd=cost))
    # raises RateLimited (429, rate_limit_exceeded) or BudgetExceeded (429,
    # insufficient_quota, x-should-retry: false), each with Retry-After and
    # retry-after-ms; LimiterUnavailable (503) when Redis is down and the project
    # fails closed. A rejection reserves nothing.
    response.headers.update(admission.headers)      # x-ratelimit-*-requests / -tokens
    try:
        ...call upstream, relay the stream...
    except UpstreamError:
        await limiter.release(admission)            # tokens and cost returned
        raise
    finally:                                         # also on client disconnect
        await limiter.settle(admission, usage.total_tokens, usage.cost_usd)

``settle`` and ``release`` free the concurrency slot and are idempotent: the first call
on an admission counts, later ones do nothing (so ``release`` then ``settle`` in a
``finally`` is safe). For a cancelled stream, settle with the tokens relayed so far.

``await limiter.check_ip(project_id, ip, policy)`` guards ``/v1/auth/mint``;
``await limiter.usage(project_id, policy, user_id=...)`` lists ``LimitUsage`` rows
for the admin API; ``await limiter.aclose()`` on shutdown. The limiter's ``gateway``
attribute may be replaced at any time; policies are passed per call, so changes take
effect on the next request. Algorithm, error bound and the Redis failure stance:
docs/limits.md.
"""

from __future__ import annotations

from behest.gateway.errors import BudgetExceeded, LimiterUnavailable
from behest.gateway.limits.admission import Admission, LimitUsage, format_duration
from behest.gateway.limits.base import Limiter
from behest.gateway.limits.memory import MemoryLimiter
from behest.gateway.limits.plan import AdmissionRequest
from behest.gateway.limits.policy import (
    Budget,
    BudgetPeriods,
    BudgetPolicy,
    FailureMode,
    GatewayLimits,
    IpLimits,
    LimitPolicy,
    RateLimit,
    UserLimits,
)

DEFAULT_KEY_PREFIX = "behest:lim:"


def build_limiter(
    redis_url: str | None,
    *,
    gateway: GatewayLimits | None = None,
    key_prefix: str = DEFAULT_KEY_PREFIX,
) -> Limiter:
    """The Redis limiter when a URL is given (connects lazily), else the in-process one."""
    if not redis_url:
        return MemoryLimiter(gateway)
    from behest.gateway.limits.redis_backend import RedisLimiter  # only when used
    from behest.gateway.limits.resp import RespClient

    return RedisLimiter(RespClient.from_url(redis_url), gateway=gateway, key_prefix=key_prefix)


__all__ = [
    "Admission",
    "AdmissionRequest",
    "Budget",
    "BudgetExceeded",
    "BudgetPeriods",
    "BudgetPolicy",
    "FailureMode",
    "GatewayLimits",
    "IpLimits",
    "LimitPolicy",
    "LimitUsage",
    "Limiter",
    "LimiterUnavailable",
    "MemoryLimiter",
    "RateLimit",
    "RedisLimiter",
    "UserLimits",
    "build_limiter",
    "format_duration",
]


def __getattr__(name: str) -> object:
    """The Redis backend (and hiredis) is imported only by deployments that use it."""
    if name == "RedisLimiter":
        from behest.gateway.limits import redis_backend

        return getattr(redis_backend, name)
    raise AttributeError(name)
