"""Token estimates before the call and usage after it, in the units limits and cost use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.routing.catalog import Catalog
from behest.gateway.routing.prices import Tokens

DEFAULT_OUTPUT_TOKENS = 1024
_BYTES_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class Estimate:
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def estimate(call: Call, target: Target, catalog: Catalog) -> Estimate:
    """An upper-leaning guess: body bytes / 4 for the prompt, the output cap for the reply."""
    body = call.body
    prompt = max(1, call.size // _BYTES_PER_TOKEN)
    cap = body.get("max_completion_tokens") or body.get("max_tokens")
    if call.operation != "chat":
        completion = 0
    elif isinstance(cap, int) and cap > 0:
        completion = cap
    else:
        completion = DEFAULT_OUTPUT_TOKENS
    cost = catalog.tokens_cost(target.provider, target.model, Tokens(prompt, completion))
    return Estimate(prompt, completion, cost)


def total_tokens(usage: dict[str, Any] | None) -> int:
    if not usage:
        return 0
    total = usage.get("total_tokens")
    if isinstance(total, int):
        return total
    return int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)


def partial_usage(prompt_tokens: int, relayed_chars: int) -> dict[str, int]:
    """What a stream cut short has cost when the provider never sent its usage."""
    completion = -(-relayed_chars // _BYTES_PER_TOKEN)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
    }
