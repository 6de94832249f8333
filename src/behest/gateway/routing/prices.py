"""Model prices from the ``genai-prices`` package's bundled data, and the cost of one call.

Source: the snapshot shipped inside the installed ``genai-prices`` wheel, read through
:mod:`.price_table` (a compact copy) or :mod:`.price_package`. Nothing is ever fetched;
upgrading the package upgrades the prices. Its own ``calc_price`` costs ~75 µs a call,
so each model's price is read once into a :class:`Prices` (floats, USD per million
tokens) and the cost is computed here with the same rules:

- ``prompt_tokens`` includes cached and cache-write tokens; cached tokens are billed at
  ``cached_input``, cache writes at ``cache_write``, the rest at ``input``;
- ``completion_tokens`` includes reasoning tokens, billed at ``reasoning`` (which is the
  output price unless the provider prices reasoning apart);
- a per-request fee (``requests_kcount``) is added when the model has one;
- tiered prices (e.g. Anthropic above 200k prompt tokens) switch the whole call to the
  tier's rates once ``prompt_tokens`` exceeds the tier's threshold;
- prices that change with the date or time of day are chosen at the moment of the call.

Not priced: audio/image/video tokens apart from text, web searches, batch and
service-tier variants (standard rates apply).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from behest.gateway.errors import InvalidRequest

_MILLION = 1_000_000.0
_GENAI_PROVIDER = {"gemini": "google"}  # behest provider name → genai-prices provider id
_RATE_KEYS = ("input", "output", "cached_input", "cache_write", "reasoning", "per_request")


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per million tokens (``per_request`` in USD per call); all floats.

    ``tiers`` are ``(threshold, prices)``: above ``threshold`` prompt tokens the whole
    call is billed at that tier's prices.
    """

    input: float
    output: float
    cached_input: float
    cache_write: float
    reasoning: float
    per_request: float = 0.0
    tiers: tuple[tuple[int, Prices], ...] = ()

    @classmethod
    def of(
        cls,
        input: float,
        output: float,
        *,
        cached_input: float | None = None,
        cache_write: float | None = None,
        reasoning: float | None = None,
        per_request: float = 0.0,
    ) -> Prices:
        """Prices with the usual defaults: cache rates at ``input``, reasoning at ``output``."""
        return cls(
            input=float(input),
            output=float(output),
            cached_input=float(input if cached_input is None else cached_input),
            cache_write=float(input if cache_write is None else cache_write),
            reasoning=float(output if reasoning is None else reasoning),
            per_request=float(per_request),
        )

    def at(self, prompt_tokens: int) -> Prices:
        chosen = self
        for threshold, tier in self.tiers:
            if prompt_tokens > threshold:
                chosen = tier
        return chosen

    def with_overrides(self, override: Mapping[str, float]) -> Prices:
        """These prices with some rates replaced (tiers dropped: an override is flat)."""
        unknown = set(override) - set(_RATE_KEYS)
        if unknown:
            raise InvalidRequest(
                f"Unknown price keys {sorted(unknown)}; known: {', '.join(_RATE_KEYS)}.",
                param="prices",
            )
        rate = {key: float(override.get(key, getattr(self, key))) for key in _RATE_KEYS}
        return Prices(
            input=rate["input"],
            output=rate["output"],
            cached_input=rate["cached_input"],
            cache_write=rate["cache_write"],
            reasoning=rate["reasoning"],
            per_request=rate["per_request"],
        )


class Tokens(NamedTuple):
    """The billable counts read from an OpenAI usage object (a tuple: cheap to build)."""

    prompt: int
    completion: int
    cached: int = 0
    cache_write: int = 0
    reasoning: int = 0

    @classmethod
    def from_usage(cls, usage: Mapping[str, Any]) -> Tokens:
        prompt_details = usage.get("prompt_tokens_details") or {}
        completion_details = usage.get("completion_tokens_details") or {}
        return cls(
            prompt=int(usage.get("prompt_tokens") or 0),
            completion=int(usage.get("completion_tokens") or 0),
            cached=int(prompt_details.get("cached_tokens") or 0),
            cache_write=int(prompt_details.get("cache_write_tokens") or 0),
            reasoning=int(completion_details.get("reasoning_tokens") or 0),
        )


def cost(prices: Prices, tokens: Tokens) -> float:
    """USD for one call."""
    rates = prices.at(tokens.prompt) if prices.tiers else prices
    cached = min(tokens.cached, tokens.prompt)
    written = min(tokens.cache_write, tokens.prompt - cached)
    reasoning = min(tokens.reasoning, tokens.completion)
    per_million = (
        (tokens.prompt - cached - written) * rates.input
        + cached * rates.cached_input
        + written * rates.cache_write
        + (tokens.completion - reasoning) * rates.output
        + reasoning * rates.reasoning
    )
    return per_million / _MILLION + rates.per_request


@dataclass(frozen=True, slots=True)
class When:
    """When a conditional price applies: from a UTC date on, or daily between two UTC times
    (end excluded; an end before the start wraps past midnight). Naive times are UTC."""

    from_date: date | None = None
    daily: tuple[time, time] | None = None

    def holds(self, now: datetime) -> bool:
        now = now.astimezone(UTC) if now.tzinfo is not None else now
        if self.from_date is not None:
            return now.date() >= self.from_date
        if self.daily is None:
            return True
        start, end = self.daily
        moment = now.time()
        if end < start:
            return moment >= start or moment < end
        return start <= moment < end


@dataclass(frozen=True, slots=True)
class PricedModel:
    """One model's entry in the price data: its context window and its prices, which may
    change with the date or the time of day (the last option that holds applies; when
    none does, the first)."""

    context_window: int | None
    options: tuple[tuple[When | None, Prices], ...]

    @property
    def time_dependent(self) -> bool:
        return any(when is not None for when, _ in self.options)

    def prices_at(self, now: datetime | None = None) -> Prices:
        options = self.options
        if len(options) > 1:
            now = now or datetime.now(tz=UTC)
            for when, prices in reversed(options):
                if when is None or when.holds(now):
                    return prices
        return options[0][1]


class PriceSource(Protocol):
    def find(self, provider_id: str, model: str) -> PricedModel | None: ...


class PriceBook:
    """Model prices by behest provider and model name, from genai-prices' data.

    The data is read on first use from the compact table built from the installed
    package (:mod:`.price_table`: a few milliseconds and ~2 MB), or from the package
    itself (~0.1 s and ~12 MB) when the table was built from another version of it.
    """

    def __init__(self, source: PriceSource | None = None) -> None:
        self._given = source

    @cached_property
    def _source(self) -> PriceSource:
        if self._given is not None:
            return self._given
        from behest.gateway.routing.price_table import open_price_source

        return open_price_source()

    def model(self, provider: str, model: str) -> PricedModel | None:
        """The entry for ``model`` served by ``provider``, if the data has one.

        A namespaced name (``anthropic/claude-…`` through OpenRouter) falls back to the
        namespace's own provider, whose prices OpenRouter passes on.
        """
        found = self._source.find(_GENAI_PROVIDER.get(provider, provider), model)
        if found is None and "/" in model:
            namespace, _, rest = model.partition("/")
            found = self._source.find(_GENAI_PROVIDER.get(namespace, namespace), rest)
        return found
