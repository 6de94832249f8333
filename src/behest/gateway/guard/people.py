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
# Any _HONORIFIC match ends the text but for spaces, so the text stripped of them ends with
# one of these (lowered); characters that case-insensitive matching relates to ASCII letters
# but ``str.lower`` does not map to one send the text to the pattern regardless.
_HONORIFIC_WORDS = str.split(
    "mr mrs ms miss mx dr prof sir madam dame lord lady rev herr frau mme mlle sr sra"
)
_HONORIFIC_ENDS = tuple(word + dot for word in _HONORIFIC_WORDS for dot in ("", "."))
_FOLD_ODDITIES = ("\u0130", "\u0131", "\u017f", "\u212a")
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


# Where a capitalised word may start: a letter that begins a _WORD token (not after a
# letter, nor after a letter and an apostrophe or hyphen) and is no ASCII lower-case letter.
# (The first letter is matched before the look-behinds, so the scan skips other characters
# fast; the rest is ``_WORD`` after its first letter.)
_CAP_WORD = re.compile(
    r"[^\W\d_a-z](?<![^\W\d_].)(?<![^\W\d_]['’-].)[^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
)


def _runs(text: str) -> list[_Run]:
    """Maximal runs of capitalised words separated by one space.

    Only capitalised words are visited: any other word between two of them leaves more than
    a space between them, which ends the run just as visiting it would.
    """
    runs: list[_Run] = []
    current: list[re.Match[str]] = []
    for m in _CAP_WORD.finditer(text):
        word = m.group()
        if not _is_cap(word) or _HONORIFIC.fullmatch(word):
            continue
        if current and text[current[-1].end() : m.start()] not in (" ", ""):
            runs.append(_make_run(text, current))
            current = []
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


_OPENERS = " \t\"'(“"


def _sentence_start(text: str, start: int) -> bool:
    """Whether only openers (spaces, quotes, brackets) stand between ``start`` and the end
    of a sentence or line (or the beginning of the text); looks back a little at a time."""
    span = 64
    while True:
        lo = max(0, start - span)
        before = text[lo:start].rstrip(_OPENERS)
        if before:
            return before[-1] in ".!?\n:;"
        if lo == 0:
            return True
        span *= 4


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


def _ends_with_honorific(before: str) -> bool:
    tail = before.rstrip()[-8:]
    if not tail.lower().endswith(_HONORIFIC_ENDS) and not any(o in tail for o in _FOLD_ODDITIES):
        return False
    return _HONORIFIC.search(before) is not None


def _score(text: str, run: _Run) -> float:
    kinds = [_word_kind(w) for w in run.words]
    before = text[max(0, run.start - 40) : run.start]
    namey = sum(k in ("first", "last", "unknown", "initial") for k in kinds)
    if _ends_with_honorific(before):
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
