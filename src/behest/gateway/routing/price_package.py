"""The installed ``genai-prices`` package's own data, read into :class:`.PricedModel`.

Loading it costs ~0.1 s and ~12 MB, so the gateway reads the compact table built from
it (:mod:`.price_table`) and comes here only when that table is from another version.
The table's builder converts with the same functions, so both give the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cached_property

from genai_prices import data
from genai_prices import types as gp

from behest.gateway.routing.prices import PricedModel, Prices, When

_PACKAGE_KEYS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cached_input": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "reasoning": "output_reasoning_mtok",
    "per_request": "requests_kcount",
}


class PackagePrices:
    """Finds models the way ``genai_prices`` does, answering with :class:`PricedModel`."""

    @cached_property
    def providers(self) -> dict[str, gp.Provider]:
        return {provider.id: provider for provider in data.providers}

    def find(self, provider_id: str, model: str) -> PricedModel | None:
        provider = self.providers.get(provider_id)
        if provider is None:
            return None
        entry = provider.find_model(model, all_providers=list(self.providers.values()))
        return None if entry is None else priced(entry)


def priced(entry: gp.ModelInfo) -> PricedModel:
    if isinstance(entry.prices, gp.ModelPrice):
        options: tuple[tuple[When | None, Prices], ...] = ((None, to_prices(entry.prices)),)
    else:
        options = tuple((_when(c.constraint), to_prices(c.prices)) for c in entry.prices)
    return PricedModel(context_window=entry.context_window, options=options)


def _when(constraint: gp.StartDateConstraint | gp.TimeOfDateConstraint | None) -> When | None:
    if constraint is None:
        return None
    if isinstance(constraint, gp.StartDateConstraint):
        return When(from_date=constraint.start_date)
    return When(daily=(_utc_time(constraint.start_time), _utc_time(constraint.end_time)))


def _utc_time(value: time) -> time:
    """A time of day in UTC, naive (naive input is UTC already)."""
    if value.tzinfo is None:
        return value
    return datetime.combine(date(1970, 1, 1), value).astimezone(UTC).time()


def to_prices(price: gp.ModelPrice) -> Prices:
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
    if isinstance(value, gp.TieredPrices):
        chosen = value.base
        for tier in value.tiers:
            if threshold is not None and threshold >= tier.start:
                chosen = tier.price
        return float(chosen)
    return float(value) if isinstance(value, Decimal) else None
