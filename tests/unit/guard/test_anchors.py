"""Detectors look for cheap anchors before their patterns; the edges of those pre-checks."""

from __future__ import annotations

import pytest

from behest.gateway.guard import detect_pii, detect_secrets

KEYS = [
    "glpat-Xq7vK2xW9mTz4LpB8nYc",  # a two-character group ("gl") told apart by startswith
    "AIzaSyXq7vK2xW9mTz4LpB8nYc3HdF6sJa1G0g7",  # "AI" group
    "hvs.CAESIXq7vK2xW9mTz4LpB8nYc3HdF",  # "hv" group
    "sntrys_Xq7vK2xW9mTz4LpB8nYc3HdF6sJa",  # "sntry" group
    "sk-proj-Xq7vK2xW9mTz4LpB8nYc3HdF",  # "sk" group
    "xoxb-4711458203-Xq7vK2xW9mTz4LpB",  # a literal of its own
]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("around", ["{}", "{} ", " {}", "Schlüssel: {} — fertig", "密钥 {}。"])
def test_provider_keys_found_anywhere_in_the_text(key: str, around: str) -> None:
    text = around.format(key)
    spans = [text[f.start : f.end] for f in detect_secrets(text)]
    assert key in spans


def test_a_key_prefix_without_its_other_characters_is_not_looked_for() -> None:
    assert detect_secrets("gl" * 50) == []
    assert detect_secrets("AI AI AI glory hv sntry sk") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4111 1111 1111 1111", "4111 1111 1111 1111"),  # the whole text, no other digit
        ("pay with 4111111111111111", "4111111111111111"),
        ("4111-1111-1111-1111 is mine", "4111-1111-1111-1111"),
    ],
)
def test_card_numbers_at_the_edges(text: str, value: str) -> None:
    assert {text[f.start : f.end]: f.type for f in detect_pii(text)}.get(value) == "CREDIT_CARD"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("WWW.Example.org is up", "WWW.Example.org"),
        ("ww.x", None),
        ("a.co/x", "a.co/x"),
        ("see shop.example.COM/cart now", "shop.example.COM/cart"),
        ("end of sentence. Orders go to shop.example.io/orders", "shop.example.io/orders"),
        ("no links here. Only prose. Even at the end.", None),
    ],
)
def test_urls_around_dots(text: str, value: str | None) -> None:
    urls = [text[f.start : f.end] for f in detect_pii(text) if f.type == "URL"]
    assert urls == ([value] if value else [])


def test_a_short_number_is_a_phone_only_with_context() -> None:
    assert [f.type for f in detect_pii("call me at 555 0142")] == ["PHONE"]
    assert [f.type for f in detect_pii("there were 555 0142 of them")] == []
