# ruff: noqa: E501, RUF001  (long regular expressions; typographic apostrophes are matched on purpose)
"""Person names, heuristically: runs of capitalised words scored by the signals around them.

Signals: an honorific before the run, a phrase that introduces a name ("my name is",
"call me", "Dear", "says"), a speaker label at the start of a line, first and last names
from census lists, the line above a postal address. What speaks against a name: the run
is part of a postal address or follows one on its line, follows a preposition of place
("I am in Sutri", "moved here from Laax"), is a gazetteer place of several words ("Porto
Alegre"), comes before a company or street word ("Gradiant Research", "Isaac Lodge
Street"), holds ordinary words only ("Grace Period"), stands in a title-case heading, or
is one word alone that nothing else marks: a word no list knows ("Metallica",
"Kubernetes"), or any word at a sentence start ("Will you ...", "May I ..."). A name
found with a signal is a name wherever else it appears in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from operator import itemgetter

from behest.gateway.guard import gazetteer
from behest.gateway.guard.findings import Finding
from behest.gateway.guard.locations import address_spans
from behest.gateway.guard.runs import (
    HONORIFICS,
    STREET_WORDS,
    Run,
    after_place_word,
    name_runs,
    sentence_start,
    title_case_line,
    words_before,
)

_HONORIFICS = frozenset(word.lower() for word in HONORIFICS)
# The word or two before a run that introduce a name (their trailing ":" or "," aside).
_STRONG_CUES = frozenset(
    str.split(
        "name name's named dear hi hello hey thanks regards sincerely signed meet says said ask"
        " asked contact friend author cc given told tell i'm i’m"
    )
)
_STRONG_PAIRS = frozenset(
    (("call", "me"), ("called", "me"), ("i", "am"), ("this", "is"), ("thank", "you"),
     ("name", "is"), ("name", "was"))
)  # fmt: skip
# Introduce a name only when the run holds a first or last name ("to Anna", "by Jane Austen").
_WEAK_CUES = frozenset(str.split("by with from to and for of at"))
_STREET_PREFIXES = frozenset(
    str.split("rue rua via viale calle avenida avda avda. av. strada piazza chemin ul.")
)
_AFTER_CUE = re.compile(
    r"\s*(?:said|says|wrote|asked|replied|told|is from|lives|had given)\b", re.IGNORECASE
)
_COMPANY_AFTER = re.compile(
    r",?\s+(?:Inc|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Co|GmbH|AG|SA|S\.A|SAS|BV|NV|plc|PLC|LLP|LP"
    r"|Group|Holdings|Foundation|University|Institute|Bank|Company|Associates|Partners|Technologies"
    r"|Labs|Systems|Solutions|Research|Consulting|Capital|Ventures|Media|Studios|Records|Software"
    r"|Airlines|Motors|Industries|International|Enterprises|Services|Agency|Hotel|Hospital|School"
    r"|College|Church|Museum|Center|Centre|Club|Band)\b"
    r"|(?:[ \t]+[^\W\d_]+){0,2}[ \t]+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Drive|Boulevard|Square|Place"
    r"|Court|Crescent|Terrace|Highway|Parkway|Way)\b"
)
# Between a part of an address and a word of the same address: spaces, commas, capitals.
_ADDRESS_GAP = re.compile(r"[ \t,]*(?:[^\W\d_a-z]{2,}[ \t,]+)*")
_STREET_WORDS = frozenset(
    str.split("Street Road Avenue Lane Drive Boulevard Square Crescent Terrace")
)
_SUFFIXES = frozenset({"Jr", "Sr", "II", "III", "MD", "PhD", "DDS", "Esq"})


def _namey(kinds: tuple[str, ...]) -> int:
    """How many of the kinds are name-like (``first``, ``last``, ``unknown``, ``initial``):
    all but the ordinary words and the places."""
    return len(kinds) - kinds.count("common") - kinds.count("place")


def _cue(words: list[str]) -> str:
    """``"honorific"``, ``"strong"``, ``"weak"`` or ``""``: what the words before a run say."""
    if not words:
        return ""
    last = words[-1]
    if (last[:-1] if last.endswith(".") else last) in _HONORIFICS:
        return "honorific"
    last = last.rstrip(":,")
    if last in _STRONG_CUES or tuple(words[-2:]) in _STRONG_PAIRS:
        return "strong"
    if words[-2:] == ["partner's", "name"] or words[-2:] == ["partner's", "name:"]:
        return "strong"
    return "weak" if last in _WEAK_CUES else ""


def _speaker(text: str, run: Run) -> bool:
    """``Anna:`` at the start of a line, of name-like words only (``Summer Sale:`` is none)."""
    if text[run.end : run.end + 1] != ":" or _namey(run.kinds) < len(run.kinds):
        return False
    return sentence_start(text, run.start)


def _street_before(text: str, run: Run, words: list[str]) -> bool:
    """A house number (on the same line) or a street prefix just before the run."""
    if not words:
        return False
    if words[-1] in _STREET_PREFIXES:
        return True
    gap = text[max(0, run.start - 4) : run.start]
    return words[-1].isdigit() and "\n" not in gap and gap[-1:] in (" ", "\t")


def _against(text: str, run: Run, words: list[str], placed: dict[str, bool]) -> bool:
    """Signals that the run is no person: a place, an address, a company (``placed``:
    the gazetteer answers for the text so far)."""
    if _namey(run.kinds) == 0 or run.words[-1] in STREET_WORDS:
        return True
    if len(run.words) > 1 and gazetteer.is_place(" ".join(run.words), placed):
        return True
    if _COMPANY_AFTER.match(text, run.end) or _street_before(text, run, words):
        return True
    first_is_place = run.kinds[0] != "first" or gazetteer.is_place(run.words[0], placed)
    return first_is_place and after_place_word(words)


def _score(text: str, run: Run, placed: dict[str, bool]) -> float:
    kinds = run.kinds
    words = words_before(text, run.start, 4)
    said = _cue(words)
    if said == "honorific":
        return 0.9
    if said == "strong" and kinds == (
        "place",
    ):  # "says Izumi": a place's name is a family name too
        return 0.8
    has_name = "first" in kinds or "last" in kinds
    cue = (
        said == "strong"
        or (has_name and said == "weak")
        or _AFTER_CUE.match(text, run.end) is not None
        or _speaker(text, run)
    )
    if not cue and len(kinds) == 1 and (kinds[0] != "first" or sentence_start(text, run.start)):
        # one word alone that only its capital marks: a name only on an envelope
        return 0.7 if _addressee(text, run) and not _against(text, run, words, placed) else 0.0
    if _against(text, run, words, placed):
        return 0.0
    namey = _namey(kinds)
    if kinds[0] == "first" and len(kinds) > 1 and namey == len(kinds):
        return 0.85
    if cue:
        return 0.8 if namey else 0.0
    if _addressee(text, run):
        return 0.7
    if len(kinds) > 1 and all(word.lower() in gazetteer.common_words() for word in run.words):
        return 0.0  # "Grace Period", "Summer Sale": ordinary words that are names too
    if len(kinds) == 1:
        score = 0.7
    elif namey == len(kinds):
        score = 0.6
    else:
        score = 0.55 if kinds[0] == "first" and namey >= len(kinds) - 1 else 0.0
    return 0.0 if score and title_case_line(text, run.start) else score


_LINE_AFTER = re.compile(r"[ \t]*\n\s*(?=\d|P\.?O\.? Box|PSC|Apt|Suite)")


def _addressee(text: str, run: Run) -> bool:
    """A line of its own that an address line follows: the name on an envelope."""
    if _LINE_AFTER.match(text, run.end) is None:
        return False
    before = text[max(0, run.start - 80) : run.start].rstrip(" \t")
    return before.endswith("\n") or (not before and run.start <= 80)


_START = itemgetter(0)


def _inside(text: str, spans: list[tuple[int, int]], run: Run) -> bool:
    """Whether the run overlaps a part of an address or follows one on its line
    (``Box 149 Monika Union``, ``Suite 019 CHARLEROI Victoria``)."""
    at = bisect_left(spans, run.end, key=_START) - 1  # the last span starting before the end
    while at >= 0 and spans[at][0] > run.start - 200:
        end = spans[at][1]
        if end > run.start or _ADDRESS_GAP.fullmatch(text, end, run.start):
            return True
        at -= 1
    return False


def detect_persons(text: str, threshold: float = 0.55) -> list[Finding]:
    runs = [
        run for run in name_runs(text) if not (len(run.words) == 1 and run.words[0] in _SUFFIXES)
    ]
    if not runs:
        return []
    addresses = address_spans(text)
    placed: dict[str, bool] = {}
    scored = [(run, _score(text, run, placed)) for run in runs]
    scored = [
        (run, 0.0 if 0.0 < score < 0.9 and _inside(text, addresses, run) else score)
        for run, score in scored
    ]
    named = {run.words for run, score in scored if score >= 0.7}
    found = []
    for run, score in scored:
        echo = score < threshold and run.words in named and _echo(text, run, addresses)
        if score >= threshold or echo:
            found.append(Finding(run.start, run.end, "PERSON", 0.7 if echo else score))
    return found


def _echo(text: str, run: Run, addresses: list[tuple[int, int]]) -> bool:
    """Another mention of a name found elsewhere in the text, where a capital alone does
    not already explain the word (a sentence start, a heading)."""
    if _inside(text, addresses, run):
        return False
    return not sentence_start(text, run.start) and not title_case_line(text, run.start)
