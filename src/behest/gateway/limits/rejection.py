"""Turning a failed check into the 429 (or 503) the client sees.

    RateLimited (errors.py)         429 rate_limit_exceeded  - retry after Retry-After
    └── BudgetExceeded              429 insufficient_quota   - x-should-retry: false
    LimiterUnavailable (errors.py)  503 api_error            - Redis down, fail_closed

Both backends report a rejection as ``(kind, index, wait)``: the kind of check, its
index in the plan, and seconds until it would pass (``inf``: it never can).
"""

from __future__ import annotations

import math

from behest.gateway.errors import BudgetExceeded, GatewayError, LimiterUnavailable, RateLimited
from behest.gateway.limits.admission import format_duration
from behest.gateway.limits.plan import CONCURRENCY as CONCURRENCY_LAYER
from behest.gateway.limits.plan import Layer, Plan
from behest.gateway.limits.policy import NANO_USD

RATE, CONCURRENCY, BUDGET = 1, 2, 3  # higher kinds win when several checks fail


def _retry_headers(wait: float, *, retry: bool) -> dict[str, str]:
    headers = {
        "Retry-After": str(max(1, math.ceil(wait))),
        "retry-after-ms": str(max(1, math.ceil(wait * 1000))),
    }
    if not retry:
        headers["x-should-retry"] = "false"
    return headers


def _amount(layer: Layer, value: int) -> str:
    if layer.unit == "cost_usd":
        return f"${value / NANO_USD:.6f}".rstrip("0").rstrip(".")
    return f"{value} {layer.unit}"


def rejection(plan: Plan, kind: int, index: int, wait: float) -> GatewayError:
    error = _rejection(plan, kind, index, wait)
    if isinstance(error, RateLimited):
        layer = _refused_layer(plan, kind, index)
        error.layer = f"{layer.scope}:{layer.unit}:{layer.period}"
    return error


def _refused_layer(plan: Plan, kind: int, index: int) -> Layer:
    if kind == BUDGET:
        return plan.budgets[index][4]
    if kind == CONCURRENCY:
        return CONCURRENCY_LAYER
    return plan.rates[index][3]


def _rejection(plan: Plan, kind: int, index: int, wait: float) -> GatewayError:
    if kind == BUDGET:
        _, limit, amount, end, layer = plan.budgets[index]
        wait = max(0.0, end - plan.clock)
        message = (
            f"You exceeded your {layer.name} of {_amount(layer, limit)} "
            f"(this request needs {_amount(layer, amount)}); it resets in {format_duration(wait)}."
        )
        return BudgetExceeded(message, headers=_retry_headers(wait, retry=False))
    if kind == CONCURRENCY:
        message = f"Too many requests in flight at once: the gateway allows {plan.concurrency}."
        return RateLimited(message, headers=_retry_headers(1.0, retry=True))
    _, limit, amount, layer = plan.rates[index]
    if math.isinf(wait):
        message = (
            f"Request too large for the {layer.name} limit: limit {limit}, "
            f"requested {amount}. Reduce max_tokens or the prompt."
        )
        return RateLimited(message, headers=_retry_headers(60.0, retry=False))
    message = (
        f"Rate limit reached for {layer.name}: limit {limit}, requested {amount}. "
        f"Please try again in {format_duration(wait)}."
    )
    return RateLimited(
        message, headers=_retry_headers(wait, retry=True) | _rate_state(layer, limit, wait)
    )


def _rate_state(layer: Layer, limit: int, wait: float) -> dict[str, str]:
    """The refused layer's ``x-ratelimit-*``, as OpenAI sends them on a 429. Only a requests
    layer's remaining is known here: a request that did not fit one more left none."""
    if layer.unit not in ("requests", "tokens"):
        return {}
    headers = {
        f"x-ratelimit-limit-{layer.unit}": str(limit),
        f"x-ratelimit-reset-{layer.unit}": format_duration(wait),
    }
    if layer.unit == "requests":
        headers["x-ratelimit-remaining-requests"] = "0"
    return headers


def unavailable() -> LimiterUnavailable:
    return LimiterUnavailable(
        "The rate limiter is unavailable and this project is set to fail closed.",
        headers={"Retry-After": "1"},
    )
