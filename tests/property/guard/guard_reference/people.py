# ruff: noqa: E501, RUF001  (long regular expressions; typographic apostrophes are matched on purpose)
"""Person names, heuristically: runs of capitalised words scored by the signals around them.

Signals: an honorific before the run, a phrase that introduces a name ("my name is",
"call me", "Dear"), a speaker label at the start of a line, first and last names from
census lists, and words that are not ordinary English words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from behest.gateway.guard import gazetteer
from behest.gateway.guard.findings import Finding

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "ten", "bin", "al"})  # fmt: skip
_HONORIFIC = re.compile(
    r"\b(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|dame|lord|lady|rev|herr|frau|mme|mlle|sr|sra)\.?\s*$",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"(?:\bname(?:'s| is| was)?:?|\bnamed|\bcall(?:ed)? me|\bi am|\bi'm|\bthis is|\bdear|\bhi|\bhello"
    r"|\bhey|\bthanks|\bregards,?|\bsincerely,?|\bsigned|\bby|\bwith|\bfrom|\bmeet|\bsays|\bsaid"
    r"|\bask(?:ed)?|\bcontact|\bfriend|\bpartner's name|\bauthor|\bcc|\bto|\bfrom)[:,]?\s*$",
    re.IGNORECASE,
)
_AFTER_CUE = re.compile(
    r"^\s*(?:said|says|wrote|asked|replied|told|is from|lives|had given|:)", re.IGNORECASE
)
_SUFFIXES = frozenset({"Jr.", "Sr.", "II", "III", "MD", "PhD", "DDS", "Esq."})


@dataclass(frozen=True, slots=True)
class _Run:
    start: int
    end: int
    words: tuple[str, ...]


_NOT_NAMES = frozenset({"I", "I'm", "I’m", "I'll", "I've", "I'd", "St", "St.", "Rd", "Ave", "OK"})


def _is_cap(word: str) -> bool:
    if word in _NOT_NAMES or (word.isupper() and 1 < len(word.rstrip(".")) <= 3):
        return False
    return word[:1].isupper() and not (len(word) > 3 and word.isupper())


def _runs(text: str) -> list[_Run]:
    """Maximal runs of capitalised words (particles like "van" and initials may join them)."""
    runs: list[_Run] = []
    current: list[re.Match[str]] = []
    for m in _WORD.finditer(text):
        word = m.group()
        gap = text[current[-1].end() : m.start()] if current else " "
        joined = gap in (" ", "") and (_is_cap(word) or word in _PARTICLES)
        joined = joined and not _HONORIFIC.fullmatch(word)
        if current and not joined:
            runs.append(_make_run(text, current))
            current = []
        if _is_cap(word) and not _HONORIFIC.fullmatch(word):
            current.append(m)
    if current:
        runs.append(_make_run(text, current))
    return runs


def _make_run(text: str, matches: list[re.Match[str]]) -> _Run:
    while len(matches) > 1 and _word_kind(matches[0].group()) == "common":
        matches = matches[1:]
    words = tuple(m.group().rstrip(".") if len(m.group()) > 2 else m.group() for m in matches)
    end = matches[-1].end()
    if matches[-1].group().endswith(".") and len(matches[-1].group()) > 2:
        end -= 1
    return _Run(matches[0].start(), end, words)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(“")
    return not before or before[-1] in ".!?\n:;"


def _word_kind(word: str) -> str:
    bare = word.rstrip(".")
    if len(bare) == 1:
        return "initial"
    if bare in gazetteer.first_names():
        return "first"
    if bare.lower() in gazetteer.common_words() or bare in gazetteer.places():
        return "common"
    if bare in gazetteer.last_names():
        return "last"
    return "unknown"


def _score(text: str, run: _Run) -> float:
    kinds = [_word_kind(w) for w in run.words]
    before = text[max(0, run.start - 40) : run.start]
    namey = sum(k in ("first", "last", "unknown", "initial") for k in kinds)
    if _HONORIFIC.search(before):
        return 0.9
    if all(k == "common" for k in kinds):
        return 0.0
    cue = (
        _CUE.search(before) is not None
        or _AFTER_CUE.match(text[run.end : run.end + 20]) is not None
    )
    line_label = text[run.end : run.end + 1] == ":" and _sentence_start(text, run.start)
    if kinds[0] == "first" and len(kinds) > 1 and namey == len(kinds):
        return 0.85
    if cue or line_label:
        return 0.8 if namey else 0.0
    if kinds[0] == "first" and not _sentence_start(text, run.start):
        return 0.7
    if namey == len(kinds) and not _sentence_start(text, run.start):
        return 0.6 if len(kinds) > 1 or kinds[0] == "unknown" else 0.0
    if len(kinds) > 1 and namey == len(kinds):
        return 0.6
    return 0.55 if len(kinds) > 1 and kinds[0] == "first" and namey >= len(kinds) - 1 else 0.0


def detect_persons(text: str, threshold: float = 0.55) -> list[Finding]:
    found = []
    for run in _runs(text):
        if run.words and run.words[-1] in _SUFFIXES and len(run.words) == 1:
            continue
        score = _score(text, run)
        if score >= threshold:
            found.append(Finding(run.start, run.end, "PERSON", score))
    return found
