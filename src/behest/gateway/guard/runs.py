# ruff: noqa: RUF001  (typographic apostrophes are matched on purpose)
"""Runs of capitalised words that may be a name or a place, with what each word is.

Both detectors start from these: ``capitals`` finds the capitalised words once, the ordinary
ones (``The`` at a sentence start, ``Monday``, ``English``, honorifics) are
dropped by one set look-up each, and what is left is grouped into runs of words one
space apart. Each word gets a kind from the word lists: ``first`` name, ``last`` name,
``initial``, ``place``, ``common`` (an ordinary word, a product-like ``GitHub``) or
``unknown``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress, repeat

from behest.gateway.guard import gazetteer
from behest.gateway.guard.capitals import Capitals, capitals

HONORIFICS = str.split(
    "Mr Mrs Ms Miss Mx Dr Prof Sir Madam Dame Lord Lady Rev Herr Frau Mme Mlle Sr Sra"
)
_NOT_NAMES = ("I", "I'm", "I’m", "I'll", "I've", "I'd", "St", "Rd", "Ave", "OK")
# Capitalised only at a sentence start, though a few are listed as first names ("In", "So").
FUNCTION_WORDS = frozenset(
    str.split(
        "a an the and or but nor so yet if then than of in on at to for by with from as into onto"
        " is are was were be been am do does did has have had it its this that these those there"
        " here we you he she they me us him them my your his her our their what which who whom"
        " when where why how all any each every some no not yes also just only very"
    )
)
_SURNAME_PREFIXES = ("Mc", "Mac", "O'", "O’", "D'", "D’")
_PART = re.compile(r"['’-]")


# Not frozen: one is made for every run of every text, and a frozen one costs several times
# as much to make. The detectors that share a text's runs only read them.
@dataclass(slots=True)
class Run:
    start: int
    end: int
    words: tuple[str, ...]
    kinds: tuple[str, ...]


@cache
def ordinary_words() -> frozenset[str]:
    """Capitalised words never part of a name: ordinary words, weekdays, languages,
    honorifics. Ordinary words that are first or last names stay (``Will``, ``Turner``),
    unless they are weekdays or languages (``Sunday``, ``German``)."""
    common = frozenset(w.capitalize() for w in gazetteer.common_words() if len(w) > 1)
    dull = common - gazetteer.first_names() - gazetteer.last_names()
    function_words = frozenset(w.capitalize() for w in FUNCTION_WORDS)
    return dull | function_words | gazetteer.proper_words() | frozenset((*HONORIFICS, *_NOT_NAMES))


def word_kind(word: str) -> str:
    if len(word) == 1:
        return "initial"
    if word in gazetteer.first_names():
        return "first"
    if word.lower() in gazetteer.common_words() or _camel(word):
        return "common"
    if word in gazetteer.places():
        return "place"
    if word in gazetteer.last_names():
        return "last"
    return "unknown"


def _camel(word: str) -> bool:
    """``GitHub``, ``PostgreSQL``: a capital inside a word part, after no surname prefix."""
    if word.startswith(_SURNAME_PREFIXES):
        return False
    return any(not part[1:].islower() for part in _PART.split(word) if len(part) > 1)


@lru_cache(maxsize=2)
def name_runs(text: str) -> tuple[Run, ...]:
    """Maximal runs of capitalised words that are not ordinary, one space apart (an
    initial's dot included: ``J. R. Smith``); all-capital words of two letters or more
    (``NASA``, headings) are left out."""
    found = capitals(text)
    words = found.words
    # A text repeats its words: each distinct one is judged and looked up in the lists once.
    kinds: dict[str, str] = {}
    no_run_alone = set()
    for word in found.distinct - ordinary_words():
        if len(word) == 1 or not word.isupper():
            kind = kinds[word] = word_kind(word)
            if kind == "common" and word not in STREET_WORDS:
                no_run_alone.add(word)
    keep = list(compress(range(len(words)), map(kinds.__contains__, words)))
    runs: list[Run] = []
    at = 0
    while at < len(keep):
        last = at  # the group grows over the next capitals while they join
        while (
            last + 1 < len(keep)
            and keep[last + 1] == keep[last] + 1
            and _joins(text[_end(text, found, keep[last]) : found.starts[keep[last + 1]]])
        ):
            last += 1
        if last > at or words[keep[at]] not in no_run_alone:
            runs += _run(text, found, keep[at : last + 1], kinds)
        at = last + 1
    return tuple(runs)


def _end(text: str, found: Capitals, i: int) -> int:
    """Where the ``i``-th capitalised word ends, an initial's dot included."""
    end = found.ends[i]
    return end + 1 if len(found.words[i]) == 1 and text[end : end + 1] == "." else end


_PARTICLES = frozenset(str.split("van von de der den da di del la le du ten ter bin al el"))


def _joins(gap: str) -> bool:
    """Words one space apart, or with a surname particle between (``Dyan van Gijn``)."""
    return gap in (" ", "") or (gap[:1] == " " == gap[-1:] and gap[1:-1] in _PARTICLES)


def _run(text: str, found: Capitals, group: list[int], known: dict[str, str]) -> list[Run]:
    """The run of the grouped words (their places in ``found``), leading ordinary words
    left out (``Dear`` in ``Dear Oksana`` is a family name too, but here it is what
    introduces the name); none for one ordinary word alone (``Long`` at a sentence start),
    unless a street word. ``known`` holds the kind of each word."""
    words = tuple(map(found.words.__getitem__, group))
    kinds = tuple(map(known.__getitem__, words))
    first, last = 0, len(kinds) - 1
    while first < last and kinds[first] == "common":
        first += 1
    if first == last and kinds[last] == "common" and words[last] not in STREET_WORDS:
        return []
    start = found.starts[group[first]]
    return [Run(start, _end(text, found, group[-1]), words[first:], kinds[first:])]


STREET_WORDS = frozenset(
    str.split("Street Road Avenue Lane Drive Boulevard Square Crescent Terrace")
)


_OPENERS = " \t\"'(“‘"


def sentence_start(text: str, start: int) -> bool:
    """Whether only openers (spaces, quotes, brackets) stand between ``start`` and the end
    of a sentence or line (or the beginning of the text); looks back a little at a time."""
    span = 64
    while True:
        lo = start - span if start > span else 0  # max() is a slow call for two ints
        before = text[lo:start].rstrip(_OPENERS)
        if before:
            return before[-1] in ".!?\n:;#*-•>|"
        if lo == 0:
            return True
        span *= 4


_OPENING = "\"'([{“‘«"


def words_before(text: str, start: int, count: int = 3) -> list[str]:
    """The last ``count`` words before ``start``, lower-cased, opening quotes and brackets
    taken off (``'(Dr.'`` -> ``'dr.'``); a few characters are read, never the text."""
    words = text[start - 48 if start > 48 else 0 : start].lower().split()[-count:]
    return list(map(str.lstrip, words, repeat(_OPENING)))


# A place follows: a preposition of place alone, or one of movement or position after a
# verb or noun of going, living or staying ("I am in Sutri", "moved here from Laax"); a bare
# "in" is not enough ("written in Kubernetes", "works in Linux").
_PLACE_PREPOSITIONS = frozenset(str.split("near outside towards visit visits visited visiting"))
_MOVE_PREPOSITIONS = frozenset(("to", "from", "at", "in"))
_MOVE_VERBS = frozenset(
    str.split(
        "live lives lived living born raised based located moved moving travel travelling"
        " traveling travelled traveled trip flight flights fly flying flew went going go came"
        " come comes coming back originally here there relocate relocated relocating visit"
        " visited visiting world home drive driving headed arrive arrived am i'm i’m we're"
        " are were was stay stays stayed staying year years week weeks holiday vacation office"
        " offices headquarters headquartered settled street road city town village country"
        " region district suburb state province county island neighbourhood neighborhood"
    )
)


def after_place_word(before: list[str]) -> bool:
    """Whether the words before a run (``words_before``, four) end in a preposition of place."""
    words = before[:]
    if words and words[-1] == "the":
        words.pop()
    if not words:
        return False
    if words[-1] in _PLACE_PREPOSITIONS:
        return True
    if len(words) < 2 or words[-1] not in _MOVE_PREPOSITIONS:
        return False
    return words[-2] in _MOVE_VERBS or words[-3:-1] == ["grew", "up"]


_SMALL_WORDS = frozenset(
    str.split("a an the and or but nor of in on at to for by with from as vs via")
)


def title_case_line(text: str, at: int) -> bool:
    """Whether the line around ``at`` is a heading in title case ("Getting Started With
    Docker Compose"): at least three words, and all but the small ones capitalised."""
    lo = max(text.rfind("\n", max(0, at - 120), at) + 1, at - 120, 0)
    hi = text.find("\n", at, at + 120)
    words = [w for w in text[lo : hi if hi >= 0 else at + 120].split() if w not in _SMALL_WORDS]
    if len(words) < 3:
        return False
    return all(w[:1].isupper() or not w[:1].isalpha() for w in words)
