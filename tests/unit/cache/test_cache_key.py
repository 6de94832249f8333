"""The cache key: canonical JSON of the request, scoped to the project and the user."""

from __future__ import annotations

from typing import Any

import pytest

from behest.gateway.cache import cache_key

BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "temperature": 0,
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"a": 1, "b": 2}}}],
}


def test_key_order_does_not_matter_at_any_depth() -> None:
    reordered = {
        "tools": [{"function": {"parameters": {"b": 2, "a": 1}, "name": "f"}, "type": "function"}],
        "temperature": 0,
        "messages": [{"content": "hi", "role": "user"}],
        "model": "gpt-4o-mini",
    }
    assert cache_key("p", "u", "gpt-4o-mini", BODY) == cache_key("p", "u", "gpt-4o-mini", reordered)


@pytest.mark.parametrize(
    "change",
    [
        {"messages": [{"role": "user", "content": "hi!"}]},
        {"temperature": 0.0001},
        {"max_tokens": 5},
        {"tool_choice": "none"},
        {"response_format": {"type": "json_object"}},
        {"seed": 1},
        {"top_p": 0.5},
        {"stream": True},
        {"tools": []},
    ],
)
def test_every_field_of_the_request_counts(change: dict[str, Any]) -> None:
    assert cache_key("p", "u", "gpt-4o-mini", BODY) != cache_key(
        "p", "u", "gpt-4o-mini", {**BODY, **change}
    )


def test_projects_users_and_models_are_kept_apart() -> None:
    base = cache_key("p", "u", "gpt-4o-mini", BODY)
    assert base != cache_key("q", "u", "gpt-4o-mini", BODY)
    assert base != cache_key("p", "v", "gpt-4o-mini", BODY)
    assert base != cache_key("p", None, "gpt-4o-mini", BODY)
    assert base != cache_key("p", "u", "gpt-4o", BODY)


def test_the_model_served_by_default_is_keyed_as_named() -> None:
    without = {k: v for k, v in BODY.items() if k != "model"}
    assert cache_key("p", "u", "gpt-4o-mini", without) == cache_key("p", "u", "gpt-4o-mini", BODY)


def test_a_user_id_cannot_forge_a_shared_key() -> None:
    assert cache_key("p", "null", "m", BODY) != cache_key("p", None, "m", BODY)
