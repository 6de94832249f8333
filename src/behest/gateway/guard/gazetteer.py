"""Word lists shipped with the package (see ``data/NOTICE``), loaded once on first use.

Each list is a :class:`WordSet`: 130,000 words as separate strings in frozensets held
about 16 MB; packed sixteen to a string they hold about 2 MB.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Set
from functools import cache
from importlib.resources import files
from typing import TypeVar

_S = TypeVar("_S")

WORDS_PER_BUCKET = 16  # longer buckets: less memory, slower look-ups
_BUCKET = re.compile(f"(?:[^\n]*\n){{1,{WORDS_PER_BUCKET}}}")
_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class WordSet(Set[str]):
    """A read-only set of words, in sorted order a few to a string ``"\nword\nword\n"``;
    the bucket a word would be in is found by bisection on the buckets' first words."""

    __slots__ = ("_buckets", "_firsts", "_size")

    def __init__(self, text: str) -> None:
        """The words of ``text``, one a line (blank lines skipped)."""
        self._buckets = _pack(text)
        self._firsts = [bucket[1 : bucket.index("\n", 1)] for bucket in self._buckets]
        self._size = sum(bucket.count("\n") - 1 for bucket in self._buckets)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or not word or "\n" in word:
            return False
        at = bisect_right(self._firsts, word) - 1
        return at >= 0 and f"\n{word}\n" in self._buckets[at]

    def __iter__(self) -> Iterator[str]:
        for bucket in self._buckets:
            yield from bucket[1:-1].split("\n")

    def __len__(self) -> int:
        return self._size

    @classmethod
    def _from_iterable(cls, it: Iterable[_S]) -> frozenset[_S]:
        return frozenset(it)  # what set operations (``&``, ``|``, ``-``) return

    __hash__ = Set._hash


def _pack(text: str) -> list[str]:
    """The sorted words in buckets, cut straight from ``text`` when its lines are sorted
    and distinct (the shipped lists are): no string per word is made at all. Any other
    text is sorted first."""
    if not text.endswith("\n"):
        text += "\n"
    if not _OTHER_LINE_BREAKS.search(text):
        buckets = ["\n" + m.group() for m in _BUCKET.finditer(text)]
        if _sorted_and_distinct(buckets):
            return buckets
    words = sorted(set(text.splitlines()) - {""})
    return _pack("".join(f"{word}\n" for word in words)) if words else []


def _sorted_and_distinct(buckets: list[str]) -> bool:
    previous = ""
    for bucket in buckets:
        words = bucket[1:-1].split("\n")
        if words != sorted(set(words)) or not previous < words[0]:
            return False
        previous = words[-1]
    return True


def _load(name: str) -> WordSet:
    text = files("behest.gateway.guard").joinpath("data", name).read_text(encoding="utf-8")
    return WordSet(text.replace("\r\n", "\n"))


@cache
def first_names() -> WordSet:
    return _load("first_names.txt")


@cache
def last_names() -> WordSet:
    return _load("last_names.txt")


@cache
def places() -> WordSet:
    return _load("places.txt")


def is_place(phrase: str, seen: dict[str, bool]) -> bool:
    """``phrase in places()``, remembered in ``seen``: a text repeats its names and places,
    and each look-up is a bisection and a search in a bucket."""
    place = seen.get(phrase)
    if place is None:
        place = seen[phrase] = phrase in places()
    return place


@cache
def common_words() -> WordSet:
    """Ordinary lower-case English words: a capitalised one is probably not a name."""
    return _load("common_words.txt")


@cache
def proper_words() -> WordSet:
    """Weekdays, months, languages, nationalities: capitalised, yet no person or place."""
    return _load("proper_words.txt")
