"""Detectors look for cheap anchors before their patterns; the edges of those pre-checks."""

from __future__ import annotations

import re
import sys

import pytest

from behest.gateway.guard import detect_pii, detect_secrets, locations

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


def test_street_prefix_first_letters_are_what_the_pattern_folds_to() -> None:
    firsts = "".join(sorted({prefix[0] for prefix in locations._PREFIX.split("|")}))
    folded = re.compile(f"(?i:[{firsts}])")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (char in locations._PREFIX_FIRSTS) == bool(folded.fullmatch(char)), hex(code)


def test_a_lower_start_is_the_class_capitalised_words_cannot_start_with() -> None:
    lower = re.compile(r"[a-zß-ÿ]")
    for code in range(0x3000):
        assert locations._lower_start(chr(code)) == bool(lower.fullmatch(chr(code))), hex(code)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call +44 20 7946 0123 today", "+44 20 7946 0123"),  # 12 digits over four runs
        ("call 1 2 3 4 5 6 7 890 123 4567 now", "890 123 4567"),  # short runs join the stretch
        ("12 apples, then 555-123-4567", "555-123-4567"),  # a short stretch before
    ],
)
def test_phone_numbers_in_stretches_of_digits(text: str, value: str) -> None:
    assert value in [text[f.start : f.end] for f in detect_pii(text) if f.type == "PHONE"]


@pytest.mark.parametrize(
    "text",
    [
        "Ship it to 42 Baker Street, London.",
        "at 12, 14 Old Mill Farm Cottage Lane today",  # a second number, four words
        "at 12 , , 14 Mill Lane today",  # commas and spaces between the numbers
        "at 7 " + "Abcdefghij" * 30 + " Road now",  # one word longer than what is read
        "at 7 Grosse Straße Road",  # text outside ASCII
        "at 7\tPark",  # the text ends after the street word
    ],
)
def test_street_matches_equal_a_full_scan(text: str) -> None:
    full = [m.span() for m in locations._STREET.finditer(text)]
    assert full
    assert [m.span() for m in locations.street_matches(text)] == full


def test_only_w_has_a_lower_case_holding_w() -> None:
    """``detect_url`` looks for ``www`` before a dot only when the lowered text holds it."""
    holding = [code for code in range(sys.maxunicode + 1) if "w" in chr(code).lower()]
    assert holding == [ord("W"), ord("w")]
