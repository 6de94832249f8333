"""Word lists shipped with the package (see ``data/NOTICE``), loaded once on first use."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


def _load(name: str) -> frozenset[str]:
    text = files("behest.gateway.guard").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line)


@cache
def first_names() -> frozenset[str]:
    return _load("first_names.txt")


@cache
def last_names() -> frozenset[str]:
    return _load("last_names.txt")


@cache
def places() -> frozenset[str]:
    return _load("places.txt")


@cache
def common_words() -> frozenset[str]:
    """Ordinary lower-case English words: a capitalised one is probably not a name."""
    return _load("common_words.txt")


@cache
def proper_words() -> frozenset[str]:
    """Weekdays, months, languages, nationalities: capitalised, yet no person or place."""
    return _load("proper_words.txt")
