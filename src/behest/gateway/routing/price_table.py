"""A compact copy of genai-prices' data, so the gateway need not load the package.

The package's data module costs ~0.1 s of CPU and ~12 MB of memory to import; this
table holds what the catalog uses (how names match, context windows, prices and when
they apply) in ~50 KB of gzipped JSON that loads in a few milliseconds. It records the
genai-prices version it was built from; with any other version installed the package
itself is read instead (:mod:`.price_package`). After upgrading genai-prices, rebuild:

    python -m behest.gateway.routing.price_table

A test checks, for every model the package knows, that both give the same answer.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import logging
import re
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from behest.gateway.routing.prices import PricedModel, Prices, PriceSource, When

if TYPE_CHECKING:
    from genai_prices import types as gp

TABLE = Path(__file__).parent / "data" / "genai_prices.json.gz"
log = logging.getLogger("behest.routing")

# genai-prices retries a compact date suffix (``-20251211``) in its dashed form
_COMPACT_DATE = re.compile(r"(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)")

Match = list[Any]  # ["starts", text] | ["ends", …] | ["contains", …] | ["equals", …] |
# ["regex", pattern] | ["or", [Match…]] | ["and", [Match…]]; texts lower-cased


def open_price_source() -> PriceSource:
    table = read(TABLE)
    installed = _installed_version()
    if installed is None or table["genai_prices"] == installed:
        return TablePrices(table["providers"])
    log.info(
        "the price table is from genai-prices %s, %s is installed: reading the package "
        "(rebuild with python -m behest.gateway.routing.price_table)",
        table["genai_prices"],
        installed,
    )
    from behest.gateway.routing.price_package import PackagePrices

    return PackagePrices()


def _installed_version() -> str | None:
    try:
        return importlib.metadata.version("genai-prices")
    except importlib.metadata.PackageNotFoundError:
        return None


def read(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as handle:
        table: dict[str, Any] = json.loads(handle.read())
    return table


class TablePrices:
    """Finds models in the table with genai-prices' own rules: the first model of the
    provider whose match holds for the lower-cased name, then the provider's fallback
    providers (one step), then all of it again with a compact date suffix dashed."""

    def __init__(self, providers: dict[str, Any]) -> None:
        self._providers = providers

    def find(self, provider_id: str, model: str) -> PricedModel | None:
        provider = self._providers.get(provider_id)
        if provider is None:
            return None
        name = model.lower()
        found = self._first(provider, name, with_fallbacks=True)
        if found is None:
            dashed = _COMPACT_DATE.sub(_dashed_date, name)
            if dashed != name:
                found = self._first(provider, dashed, with_fallbacks=True)
        return found

    def _first(
        self, provider: dict[str, Any], name: str, *, with_fallbacks: bool
    ) -> PricedModel | None:
        for match, context_window, options in provider["models"]:
            if _holds(match, name):
                return _priced(context_window, options)
        if with_fallbacks:
            for fallback_id in provider["fallbacks"]:
                fallback = self._providers.get(fallback_id)
                if fallback is not None:
                    found = self._first(fallback, name, with_fallbacks=False)
                    if found is not None:
                        return found
        return None


def _dashed_date(found: re.Match[str]) -> str:
    year, month, day = (int(found.group(index)) for index in range(2, 5))
    try:
        date(year, month, day)
    except ValueError:
        return found.group(0)
    return f"{found.group(1)}{year:04d}-{month:02d}-{day:02d}"


def _holds(match: Match, name: str) -> bool:
    kind: str = match[0]
    value: Any = match[1]
    if kind == "starts":
        return name.startswith(value)
    if kind == "equals":
        return name == str(value)
    if kind == "contains":
        return str(value) in name
    if kind == "ends":
        return name.endswith(value)
    if kind == "regex":
        return _compiled(value).search(name) is not None
    if kind == "or":
        return any(_holds(part, name) for part in value)
    return all(_holds(part, name) for part in value)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _priced(context_window: int | None, options: list[Any]) -> PricedModel:
    return PricedModel(
        context_window=context_window,
        options=tuple((_read_when(when), _read_prices(prices)) for when, prices in options),
    )


def _read_when(raw: list[str] | None) -> When | None:
    if raw is None:
        return None
    if raw[0] == "date":
        return When(from_date=date.fromisoformat(raw[1]))
    return When(daily=(time.fromisoformat(raw[1]), time.fromisoformat(raw[2])))


def _read_prices(raw: list[Any]) -> Prices:
    input, output, cached_input, cache_write, reasoning, per_request, tiers = raw
    return Prices(
        input,
        output,
        cached_input,
        cache_write,
        reasoning,
        per_request,
        tiers=tuple((start, Prices(*rates)) for start, rates in tiers),
    )


# --- building the table from the installed package -----------------------------------


def build() -> dict[str, Any]:
    from genai_prices import data

    from behest.gateway.routing.price_package import priced

    providers = {}
    for provider in data.providers:
        models = []
        for model in provider.models:
            entry = priced(model)
            options = [[_write_when(when), _write_prices(p)] for when, p in entry.options]
            models.append([_write_match(model.match), entry.context_window, options])
        providers[provider.id] = {
            "fallbacks": list(provider.fallback_model_providers or []),
            "models": models,
        }
    return {"genai_prices": importlib.metadata.version("genai-prices"), "providers": providers}


def _write_match(clause: gp.MatchLogic) -> Match:
    from genai_prices import types as gp

    if isinstance(clause, gp.ClauseOr):
        return ["or", [_write_match(part) for part in clause.or_]]
    if isinstance(clause, gp.ClauseAnd):
        return ["and", [_write_match(part) for part in clause.and_]]
    if isinstance(clause, gp.ClauseRegex):
        return ["regex", clause.regex]
    for kind, field in (
        ("starts", "starts_with"),
        ("ends", "ends_with"),
        ("contains", "contains"),
        ("equals", "equals"),
    ):
        if hasattr(clause, field):
            return [kind, getattr(clause, field).lower()]
    raise TypeError(f"genai-prices match clause not known to the table: {clause!r}")


def _write_when(when: When | None) -> list[str] | None:
    if when is None:
        return None
    if when.from_date is not None:
        return ["date", when.from_date.isoformat()]
    assert when.daily is not None
    return ["daily", when.daily[0].isoformat(), when.daily[1].isoformat()]


def _write_prices(prices: Prices) -> list[Any]:
    def rates(p: Prices) -> list[float]:
        return [p.input, p.output, p.cached_input, p.cache_write, p.reasoning, p.per_request]

    return [*rates(prices), [[start, rates(tier)] for start, tier in prices.tiers]]


def write(table: dict[str, Any], path: Path) -> None:
    text = json.dumps(table, separators=(",", ":"), sort_keys=True).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))


def main() -> None:
    write(build(), TABLE)
    print(f"{TABLE}: {TABLE.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
