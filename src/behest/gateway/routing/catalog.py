"""The model catalog: which provider serves a model name, what it can do, what it costs.

Resolution of a requested name, first rule that applies:

1. **Alias**: the project's ``aliases`` map an exact name to another name (one level;
   the target may itself be ``provider/model``).
2. **Explicit provider**: ``provider/model`` where ``provider`` is one of the project's
   configured providers → that provider, with everything after the *first* ``/`` as the
   upstream name (``openrouter/anthropic/claude-x`` → openrouter, ``anthropic/claude-x``).
3. **Well-known prefix** (the profiles' ``model_prefixes``, longest first,
   case-insensitive) on the whole name: ``gpt-``/``o1``/``o3``/``o4``/``text-embedding-``
   → openai, ``claude-`` → anthropic, ``gemini-``/``text-embedding-004`` → gemini,
   ``deepseek-`` → deepseek, ``mistral-``… → mistral, and vendor namespaces such as
   ``anthropic/`` or ``meta-llama/`` → openrouter. So ``anthropic/claude-sonnet-4-5``
   goes to Anthropic directly when the project has it, else to OpenRouter if it has that.
   The name is sent upstream unchanged.
4. **Only provider**: a name no prefix claims goes to the project's single provider
   when it has exactly one (a project with only Ollama needs no prefixes). Vendor
   namespaces claim nothing here: ``Qwen/Qwen2.5-7B`` goes to a lone vLLM.

Anything else is :class:`ModelNotFound`, with a message that says why and what to write.
A prefix owned by a provider the project has not configured is *not* sent elsewhere.

Prices are floats in USD per million tokens (see :mod:`.prices`); ``cost_usd`` returns
a float in USD. Both ``resolve`` and ``cost_usd`` are served from LRU caches after the
first call for a name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from behest.gateway.errors import InvalidRequest, ModelNotFound
from behest.gateway.providers.profiles import PROFILES, ProviderProfile
from behest.gateway.routing.capabilities import capabilities_for
from behest.gateway.routing.prices import PriceBook, PricedModel, Prices, Tokens, cost

PriceOverrides = Mapping[str, Prices | Mapping[str, float]]
"""Project prices by ``provider/model`` or bare model name; a mapping may be partial."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str  # "provider/upstream_model"
    provider: str
    upstream_model: str
    tools: bool
    vision: bool
    json_schema: bool
    streaming: bool
    embeddings: bool
    context_window: int | None
    max_output_tokens: int | None
    prices: Prices | None  # None: no known price (self-hosted, or unknown to genai-prices)


@dataclass(frozen=True, slots=True)
class _Entry:
    info: ModelInfo
    known: bool  # genai-prices or the capability table knows the model
    timed: PricedModel | None  # set only when the price depends on the time


class Catalog:
    def __init__(
        self,
        profiles: Mapping[str, ProviderProfile] = PROFILES,
        price_book: PriceBook | None = None,
        cache_size: int = 4096,
    ) -> None:
        pairs = [(pre.lower(), p.name) for p in profiles.values() for pre in p.model_prefixes]
        self._prefixes = sorted(pairs, key=lambda pair: -len(pair[0]))
        self._local = frozenset(p.name for p in profiles.values() if p.local)
        self._book = price_book or PriceBook()
        self._resolved = lru_cache(maxsize=cache_size)(self._resolve_uncached)
        self._entry = lru_cache(maxsize=cache_size)(self._entry_uncached)

    def resolve(
        self,
        model_name: str,
        available_providers: Collection[str],
        aliases: Mapping[str, str] | None = None,
    ) -> tuple[str, str]:
        """``(provider, upstream_model)`` for a requested name; rules in the module doc."""
        if aliases:
            model_name = aliases.get(model_name, model_name)
        found = self._resolved(model_name, frozenset(available_providers))
        if isinstance(found, str):
            raise ModelNotFound(found, param="model")
        return found

    def owner(self, model_name: str) -> str | None:
        """The provider a well-known prefix gives ``model_name`` to, if any."""
        lowered = model_name.lower()
        for prefix, provider in self._prefixes:
            if lowered.startswith(prefix):
                return provider
        return None

    def info(self, provider: str, model: str) -> ModelInfo | None:
        """What the catalog knows of ``model`` at ``provider``; None if nothing."""
        entry = self._entry(provider, model)
        return entry.info if entry.known else None

    def describe(self, provider: str, model: str) -> ModelInfo:
        """Like :meth:`info`, with the defaults of an unknown model when nothing is known."""
        return self._entry(provider, model).info

    def prices(
        self, provider: str, model: str, overrides: PriceOverrides | None = None
    ) -> Prices | None:
        """The prices that apply now: the project's override, else the package's."""
        entry = self._entry(provider, model)
        base = entry.info.prices
        if entry.timed is not None:
            base = entry.timed.prices_at()
        if overrides:
            override = overrides.get(f"{provider}/{model}") or overrides.get(model)
            if override is not None:
                return _apply_override(base, override)
        return base

    def cost_usd(
        self,
        provider: str,
        model: str,
        usage: Mapping[str, Any],
        overrides: PriceOverrides | None = None,
    ) -> float:
        """USD for one call from its OpenAI usage object; 0.0 when the price is unknown."""
        return self.tokens_cost(provider, model, Tokens.from_usage(usage), overrides)

    def tokens_cost(
        self, provider: str, model: str, tokens: Tokens, overrides: PriceOverrides | None = None
    ) -> float:
        """Like :meth:`cost_usd`, for counts already read from a usage object."""
        prices = self.prices(provider, model, overrides)
        return 0.0 if prices is None else cost(prices, tokens)

    def _resolve_uncached(self, name: str, available: frozenset[str]) -> tuple[str, str] | str:
        if not name:
            return "No model given: set 'model' to a model name or '<provider>/<model>'."
        if not available:
            return f"Model {name!r} cannot be served: the project has no provider configured."
        head, slash, rest = name.partition("/")
        if slash and rest and head in available:
            return head, rest
        owner = self.owner(name)
        if owner in available:
            return owner, name
        if slash:
            owner = None  # a vendor namespace is a hint for OpenRouter, not a claim
        if owner is None and len(available) == 1:
            return next(iter(available)), name
        return _not_found(name, owner, available)

    def _entry_uncached(self, provider: str, model: str) -> _Entry:
        caps = capabilities_for(model)
        package = None if provider in self._local else self._book.model(provider, model)
        prices = None if package is None else package.prices_at()
        info = ModelInfo(
            id=f"{provider}/{model}",
            provider=provider,
            upstream_model=model,
            tools=caps.tools,
            vision=caps.vision,
            json_schema=caps.json_schema,
            streaming=caps.streaming,
            embeddings=caps.embeddings,
            context_window=(package and package.context_window) or caps.context_window,
            max_output_tokens=caps.max_output_tokens,
            prices=prices,
        )
        known = package is not None or caps.max_output_tokens is not None
        timed = package if package is not None and package.time_dependent else None
        return _Entry(info=info, known=known, timed=timed)


def _apply_override(base: Prices | None, override: Prices | Mapping[str, float]) -> Prices:
    if isinstance(override, Prices):
        return override
    if base is not None:
        return base.with_overrides(override)
    if "input" not in override or "output" not in override:
        raise InvalidRequest(
            "A price override for a model without a known price needs 'input' and 'output'.",
            param="prices",
        )
    return Prices.of(0.0, 0.0).with_overrides(
        {"cached_input": override["input"], "cache_write": override["input"]}
        | {"reasoning": override["output"]}
        | dict(override)
    )


def _not_found(name: str, owner: str | None, available: frozenset[str]) -> str:
    configured = ", ".join(sorted(available))
    if owner is not None:
        return (
            f"Model {name!r} is served by provider {owner!r}, which this project has not "
            f"configured (configured: {configured})."
        )
    return (
        f"Unknown model {name!r}. Name the provider explicitly as '<provider>/<model>' "
        f"(configured: {configured}) or define an alias for it."
    )
