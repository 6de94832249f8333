"""The model catalog: name resolution, capabilities, prices and cost.

Prices are compared with genai-prices' own answers, never typed in, so the tests
hold when the package's data changes.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import genai_prices
import pytest

from behest.gateway.errors import InvalidRequest, ModelNotFound
from behest.gateway.routing.catalog import Catalog
from behest.gateway.routing.prices import Prices

ALL = frozenset({"openai", "anthropic", "gemini", "openrouter", "deepseek", "mistral"})


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


def _usage(
    prompt: int, completion: int, cached: int = 0, reasoning: int = 0, write: int = 0
) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "cache_write_tokens": write},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


def _package_cost(model: str, provider_id: str, usage: dict[str, Any]) -> Decimal:
    details = usage["prompt_tokens_details"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tokens = genai_prices.Usage(
            input_tokens=usage["prompt_tokens"],
            output_tokens=usage["completion_tokens"],
            cache_read_tokens=details["cached_tokens"],
            cache_write_tokens=details["cache_write_tokens"],
            output_reasoning_tokens=usage["completion_tokens_details"]["reasoning_tokens"],
        )
    return genai_prices.calc_price(tokens, model, provider_id=provider_id).total_price


# --- resolution --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o", ("openai", "gpt-4o")),
        ("o3-mini", ("openai", "o3-mini")),
        ("o1", ("openai", "o1")),
        ("o4-mini", ("openai", "o4-mini")),
        ("text-embedding-3-small", ("openai", "text-embedding-3-small")),
        ("claude-sonnet-4-5", ("anthropic", "claude-sonnet-4-5")),
        ("gemini-2.5-flash", ("gemini", "gemini-2.5-flash")),
        ("text-embedding-004", ("gemini", "text-embedding-004")),
        ("deepseek-chat", ("deepseek", "deepseek-chat")),
        ("mistral-large-latest", ("mistral", "mistral-large-latest")),
        ("GPT-4o", ("openai", "GPT-4o")),
    ],
)
def test_well_known_prefixes(catalog: Catalog, name: str, expected: tuple[str, str]) -> None:
    assert catalog.resolve(name, ALL) == expected


def test_explicit_provider_wins(catalog: Catalog) -> None:
    assert catalog.resolve("anthropic/claude-sonnet-4-5", ALL) == ("anthropic", "claude-sonnet-4-5")
    assert catalog.resolve("openai/gpt-4o", {"openai"}) == ("openai", "gpt-4o")
    assert catalog.resolve("ollama/llama3.2", {"ollama", "openai"}) == ("ollama", "llama3.2")


def test_explicit_provider_keeps_the_rest_of_the_slashes(catalog: Catalog) -> None:
    name = "openrouter/anthropic/claude-sonnet-4.5"
    assert catalog.resolve(name, ALL) == ("openrouter", "anthropic/claude-sonnet-4.5")


def test_vendor_namespace_goes_to_openrouter_when_vendor_is_not_configured(
    catalog: Catalog,
) -> None:
    available = {"openai", "openrouter"}
    name = "anthropic/claude-sonnet-4.5"
    assert catalog.resolve(name, available) == ("openrouter", name)
    assert catalog.resolve("meta-llama/llama-3.3-70b-instruct", available)[0] == "openrouter"


def test_custom_provider_is_explicit(catalog: Catalog) -> None:
    assert catalog.resolve("corp/big-model", {"corp", "openai"}) == ("corp", "big-model")


def test_aliases_come_first(catalog: Catalog) -> None:
    aliases = {
        "fast": "gpt-4o-mini",
        "smart": "anthropic/claude-opus-4-1",
        "gpt-4o": "gemini-2.5-pro",
    }
    assert catalog.resolve("fast", ALL, aliases) == ("openai", "gpt-4o-mini")
    assert catalog.resolve("smart", ALL, aliases) == ("anthropic", "claude-opus-4-1")
    assert catalog.resolve("gpt-4o", ALL, aliases) == ("gemini", "gemini-2.5-pro")


def test_single_provider_takes_unclaimed_names(catalog: Catalog) -> None:
    assert catalog.resolve("llama3.2:3b", {"ollama"}) == ("ollama", "llama3.2:3b")
    assert catalog.resolve("Qwen/Qwen2.5-7B-Instruct", {"vllm"}) == (
        "vllm",
        "Qwen/Qwen2.5-7B-Instruct",
    )


def test_unknown_model_names_the_way_out(catalog: Catalog) -> None:
    with pytest.raises(ModelNotFound) as caught:
        catalog.resolve("llama3.2", ALL)
    error = caught.value
    assert error.status == 404
    assert error.code == "model_not_found"
    assert error.param == "model"
    assert "'<provider>/<model>'" in error.message
    assert "openai" in error.message


def test_prefix_of_unconfigured_provider_is_not_sent_elsewhere(catalog: Catalog) -> None:
    with pytest.raises(ModelNotFound, match="served by provider 'anthropic'"):
        catalog.resolve("claude-sonnet-4-5", {"ollama"})


def test_no_provider_and_no_model(catalog: Catalog) -> None:
    with pytest.raises(ModelNotFound, match="no provider configured"):
        catalog.resolve("gpt-4o", set())
    with pytest.raises(ModelNotFound, match="No model given"):
        catalog.resolve("", ALL)


def test_errors_are_not_cached_away(catalog: Catalog) -> None:
    for _ in range(2):
        with pytest.raises(ModelNotFound):
            catalog.resolve("nothing-like-it", ALL)


# --- capabilities ------------------------------------------------------------------


def test_info_for_known_models(catalog: Catalog) -> None:
    info = catalog.info("openai", "gpt-4o")
    assert info is not None
    assert (info.id, info.provider, info.upstream_model) == ("openai/gpt-4o", "openai", "gpt-4o")
    assert info.tools and info.vision and info.json_schema and info.streaming
    assert not info.embeddings
    assert info.max_output_tokens is not None
    assert info.context_window is not None


def test_context_window_comes_from_the_package_when_it_has_one(catalog: Catalog) -> None:
    price = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=1), "gpt-4o", provider_id="openai"
    )
    info = catalog.info("openai", "gpt-4o")
    assert info is not None
    if price.model.context_window:
        assert info.context_window == price.model.context_window


def test_embedding_models(catalog: Catalog) -> None:
    info = catalog.info("openai", "text-embedding-3-small")
    assert info is not None
    assert info.embeddings and not info.tools and not info.streaming
    assert catalog.describe("vllm", "bge-m3-embed").embeddings


def test_text_only_models(catalog: Catalog) -> None:
    info = catalog.info("deepseek", "deepseek-chat")
    assert info is not None
    assert not info.vision


def test_openrouter_names_match_the_family_rows(catalog: Catalog) -> None:
    info = catalog.describe("openrouter", "anthropic/claude-3.5-sonnet")
    direct = catalog.describe("anthropic", "claude-3-5-sonnet-latest")
    assert info.max_output_tokens == direct.max_output_tokens is not None


def test_unknown_models_default_to_capable(catalog: Catalog) -> None:
    assert catalog.info("ollama", "my-finetune") is None
    info = catalog.describe("ollama", "my-finetune")
    assert info.tools and info.streaming and info.vision and info.json_schema
    assert info.prices is None
    assert info.context_window is None


# --- prices and cost ---------------------------------------------------------------

PRICED = [
    ("openai", "gpt-4o", "openai"),
    ("openai", "o3", "openai"),
    ("anthropic", "claude-sonnet-4-5", "anthropic"),
    ("gemini", "gemini-2.5-flash", "google"),
    ("deepseek", "deepseek-chat", "deepseek"),
    ("openai", "text-embedding-3-small", "openai"),
]


@pytest.mark.parametrize(("provider", "model", "package_id"), PRICED)
def test_prices_are_the_packages(
    catalog: Catalog, provider: str, model: str, package_id: str
) -> None:
    prices = catalog.prices(provider, model)
    assert prices is not None
    tokens = 100_000  # below every tier threshold
    per_million = 1_000_000 / tokens
    paid_in = float(_package_cost(model, package_id, _usage(tokens, 0))) * per_million
    paid_out = float(_package_cost(model, package_id, _usage(0, tokens))) * per_million
    assert prices.input == pytest.approx(paid_in)
    assert prices.output == pytest.approx(paid_out)


@pytest.mark.parametrize(("provider", "model", "package_id"), PRICED)
@pytest.mark.parametrize(
    "usage",
    [
        _usage(1_200, 340),
        _usage(10_000, 2_000, cached=4_000),
        _usage(5_000, 8_000, reasoning=6_000),
        _usage(9_000, 100, cached=1_000, write=2_000, reasoning=50),
        _usage(250_000, 3_000, cached=20_000),  # above Anthropic's and Gemini's 200k tier
    ],
)
def test_cost_matches_the_package(
    catalog: Catalog, provider: str, model: str, package_id: str, usage: dict[str, Any]
) -> None:
    expected = float(_package_cost(model, package_id, usage))
    assert catalog.cost_usd(provider, model, usage) == pytest.approx(expected, rel=1e-9)


def test_cached_tokens_are_cheaper(catalog: Catalog) -> None:
    plain = catalog.cost_usd("openai", "gpt-4o", _usage(10_000, 0))
    cached = catalog.cost_usd("openai", "gpt-4o", _usage(10_000, 0, cached=8_000))
    assert cached < plain


def test_openrouter_vendor_names_fall_back_to_the_vendor_price(catalog: Catalog) -> None:
    via_router = catalog.prices("openrouter", "anthropic/claude-sonnet-4-5")
    direct = catalog.prices("anthropic", "claude-sonnet-4-5")
    assert via_router == direct is not None


def test_local_and_unknown_models_cost_nothing(catalog: Catalog) -> None:
    assert catalog.cost_usd("ollama", "gpt-4o", _usage(1000, 1000)) == 0.0
    assert catalog.cost_usd("openai", "not-a-model", _usage(1000, 1000)) == 0.0


def test_missing_details_are_zero(catalog: Catalog) -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 10, "prompt_tokens_details": None}
    expected = float(_package_cost("gpt-4o", "openai", _usage(100, 10)))
    assert catalog.cost_usd("openai", "gpt-4o", usage) == pytest.approx(expected)


# --- overrides ---------------------------------------------------------------------


def test_full_override_by_model_name(catalog: Catalog) -> None:
    overrides = {"gpt-4o": Prices.of(1.0, 2.0, cached_input=0.5)}
    usage = _usage(1_000_000, 1_000_000, cached=500_000)
    assert catalog.cost_usd("openai", "gpt-4o", usage, overrides) == pytest.approx(0.5 + 0.25 + 2.0)


def test_partial_override_keeps_the_other_package_prices(catalog: Catalog) -> None:
    package = catalog.prices("openai", "gpt-4o")
    assert package is not None
    overrides = {"openai/gpt-4o": {"input": 1.0}}
    usage = _usage(1_000_000, 1_000_000)
    assert catalog.cost_usd("openai", "gpt-4o", usage, overrides) == pytest.approx(
        1.0 + package.output
    )


def test_provider_qualified_override_wins(catalog: Catalog) -> None:
    overrides = {
        "gpt-4o": {"input": 9.0, "output": 9.0},
        "azure/gpt-4o": {"input": 1.0, "output": 1.0},
    }
    usage = _usage(1_000_000, 0)
    assert catalog.cost_usd("azure", "gpt-4o", usage, overrides) == pytest.approx(1.0)
    assert catalog.cost_usd("openai", "gpt-4o", usage, overrides) == pytest.approx(9.0)


def test_override_prices_a_self_hosted_model(catalog: Catalog) -> None:
    overrides = {"my-llama": {"input": 0.1, "output": 0.2}}
    usage = _usage(1_000_000, 1_000_000, cached=1_000_000 // 2)
    assert catalog.cost_usd("vllm", "my-llama", usage, overrides) == pytest.approx(0.3)


def test_override_with_unknown_key_is_rejected(catalog: Catalog) -> None:
    with pytest.raises(InvalidRequest, match="Unknown price keys"):
        catalog.cost_usd("openai", "gpt-4o", _usage(1, 1), {"gpt-4o": {"inptu": 1.0}})
