"""Tokens and cost of one call from the provider's usage object and the catalog's prices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from behest.gateway.routing.catalog import Catalog, PriceOverrides
from behest.gateway.store.usage_record import TokenCounts


def meter(
    catalog: Catalog,
    provider: str,
    model: str,
    usage: Mapping[str, Any] | None,
    overrides: PriceOverrides | None = None,
) -> tuple[TokenCounts, float]:
    """``(tokens, cost_usd)``; zero cost when the usage or the model's price is unknown."""
    if not usage:
        return TokenCounts(), 0.0
    return TokenCounts.from_usage(usage), catalog.cost_usd(provider, model, usage, overrides)
