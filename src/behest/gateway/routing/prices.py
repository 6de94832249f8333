"""Model prices from the ``genai-prices`` package's bundled data, and the cost of one call.

Source: the snapshot shipped inside the installed ``genai-prices`` wheel
(``genai_prices.data.providers``). Nothing is ever fetched; upgrading the package
upgrades the prices. Its own ``calc_price`` costs ~75 µs a call, so each model's
price is read once into a :class:`Prices` (floats, USD per million tokens) and the
cost is computed here with the same rules:

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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from behest.gateway.errors import InvalidRequest

if TYPE_CHECKING:
    from genai_prices import types as gp

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


class PriceBook:
    """Looks up a model in the bundled genai-prices data; callers cache the answers."""

    @cached_property
    def _providers(self) -> dict[str, gp.Provider]:
        from genai_prices import data  # ~0.5 s: loaded on first use only

        return {provider.id: provider for provider in data.providers}

    def model(self, provider: str, model: str) -> gp.ModelInfo | None:
        """The package's entry for ``model`` served by ``provider``, if it has one.

        A namespaced name (``anthropic/claude-…`` through OpenRouter) falls back to the
        namespace's own provider, whose prices OpenRouter passes on.
        """
        found = self._find(_GENAI_PROVIDER.get(provider, provider), model)
        if found is None and "/" in model:
            namespace, _, rest = model.partition("/")
            found = self._find(_GENAI_PROVIDER.get(namespace, namespace), rest)
        return found

    def _find(self, provider_id: str, model: str) -> gp.ModelInfo | None:
        provider = self._providers.get(provider_id)
        if provider is None:
            return None
        return provider.find_model(model, all_providers=list(self._providers.values()))


def current_price(entry: gp.ModelInfo, now: datetime | None = None) -> gp.ModelPrice:
    from genai_prices import types as gp

    """The entry's standard price now (some change with the date or time of day)."""
    if isinstance(entry.prices, gp.ModelPrice):
        return entry.prices
    return entry.get_prices(now or datetime.now(tz=UTC))


def is_time_dependent(entry: gp.ModelInfo) -> bool:
    from genai_prices import types as gp

    return not isinstance(entry.prices, gp.ModelPrice)


def to_prices(price: gp.ModelPrice) -> Prices:
    from genai_prices import types as gp

    """The package's price object as flat float :class:`Prices`, tiers included."""
    raw = {key: getattr(price, key) for key in _PACKAGE_KEYS.values()}
    thresholds = sorted(
        {
            tier.start
            for value in raw.values()
            if isinstance(value, gp.TieredPrices)
            for tier in value.tiers
        }
    )
    base = _flat(raw, None)
    tiers = tuple((start, _flat(raw, start)) for start in thresholds)
    return replace(base, tiers=tiers)


_PACKAGE_KEYS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cached_input": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "reasoning": "output_reasoning_mtok",
    "per_request": "requests_kcount",
}


def _flat(raw: Mapping[str, object], threshold: int | None) -> Prices:
    """The rates that apply just above ``threshold`` prompt tokens (None: the base)."""
    rates = {name: _rate(raw[key], threshold) for name, key in _PACKAGE_KEYS.items()}
    per_request = rates.pop("per_request")
    return Prices.of(
        input=rates.pop("input") or 0.0,
        output=rates.pop("output") or 0.0,
        per_request=(per_request or 0.0) / 1000,
        **rates,
    )


def _rate(value: object, threshold: int | None) -> float | None:
    from genai_prices import types as gp

    if isinstance(value, gp.TieredPrices):
        chosen = value.base
        for tier in value.tiers:
            if threshold is not None and threshold >= tier.start:
                chosen = tier.price
        return float(chosen)
    return float(value) if isinstance(value, Decimal) else None
