"""The compact price table answers exactly as the genai-prices package it was built from."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from genai_prices import data
from genai_prices import types as gp

from behest.gateway.routing import price_table
from behest.gateway.routing.price_package import PackagePrices, _when
from behest.gateway.routing.price_table import TABLE, TablePrices, build, read


@pytest.fixture(scope="module")
def table() -> TablePrices:
    return TablePrices(read(TABLE)["providers"])


@pytest.fixture(scope="module")
def package() -> PackagePrices:
    return PackagePrices()


def test_the_shipped_table_is_built_from_the_installed_package() -> None:
    shipped = read(TABLE)
    rebuilt = json.loads(json.dumps(build()))
    assert shipped == rebuilt, "rebuild it: python -m behest.gateway.routing.price_table"


def _clause_texts(clause: gp.MatchLogic) -> list[str]:
    if isinstance(clause, gp.ClauseOr):
        return [text for part in clause.or_ for text in _clause_texts(part)]
    if isinstance(clause, gp.ClauseAnd):
        return [text for part in clause.and_ for text in _clause_texts(part)]
    for field in ("starts_with", "ends_with", "contains", "equals"):
        if hasattr(clause, field):
            return [getattr(clause, field)]
    return []


def _names(model: gp.ModelInfo) -> set[str]:
    names = {model.id, model.id.upper(), f"{model.id}-20250219", f"{model.id}-20251399"}
    for text in _clause_texts(model.match):
        names |= {text, f"my-{text}-preview"}
    return names


def test_every_model_the_package_knows_is_found_alike(
    table: TablePrices, package: PackagePrices
) -> None:
    asked = [("unknown-provider", "gpt-4o"), ("openai", "no-such-model")]
    for provider in data.providers:
        asked += [(provider.id, name) for model in provider.models for name in _names(model)]
        for fallback_id in provider.fallback_model_providers or []:
            fallback = package.providers[fallback_id]
            asked += [(provider.id, model.id) for model in fallback.models]
    for provider_id, name in asked:
        assert table.find(provider_id, name) == package.find(provider_id, name), (provider_id, name)
    assert len(asked) > 10_000


def _moments() -> list[datetime]:
    start = datetime(2024, 12, 30, tzinfo=UTC)
    hours = [start + timedelta(hours=7 * step, minutes=13 * step) for step in range(400)]
    offset = timezone(timedelta(hours=8))
    return (
        hours
        + [moment.astimezone(offset) for moment in hours[::7]]
        + [moment.replace(tzinfo=None) for moment in hours[::5]]
    )


def test_conditional_prices_apply_at_the_same_moments() -> None:
    constraints = {
        repr(price.constraint): price.constraint
        for provider in data.providers
        for model in provider.models
        if not isinstance(model.prices, gp.ModelPrice)
        for price in model.prices
        if price.constraint is not None
    }
    assert any(isinstance(c, gp.TimeOfDateConstraint) for c in constraints.values())
    for constraint in constraints.values():
        when = _when(constraint)
        assert when is not None
        for moment in _moments():
            assert when.holds(moment) == constraint.active(moment), (constraint, moment)


def test_another_package_version_reads_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(price_table, "_installed_version", lambda: "0.0.0-other")
    assert isinstance(price_table.open_price_source(), PackagePrices)
    monkeypatch.setattr(price_table, "_installed_version", lambda: None)
    assert isinstance(price_table.open_price_source(), TablePrices)


def test_pricing_a_call_does_not_load_the_package() -> None:
    code = (
        "import sys\n"
        "from behest.gateway.routing.catalog import Catalog\n"
        "usage = {'prompt_tokens': 1000, 'completion_tokens': 10}\n"
        "assert Catalog().cost_usd('openai', 'gpt-4o-mini', usage) > 0\n"
        "assert 'genai_prices' not in sys.modules, 'the package was loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
