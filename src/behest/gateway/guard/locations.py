# ruff: noqa: RUF001  (long regular expressions; typographic apostrophes are matched on purpose)
"""Street addresses and places, by structure (numbers, street words, postal lines) and a gazetteer.

An address is reported as several findings (house number, street, unit, city, country,
postcode) so that each can be redacted and restored on its own.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from functools import cache

from behest.gateway.guard import gazetteer
from behest.gateway.guard.findings import Finding
from behest.gateway.guard.windows import digit_starts, match_at, mirror

_W = r"[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"  # one word, unicode letters
_CAPW = r"(?-i:[^\W\d_a-zß-ÿ])[^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"  # capitalised word
_SUFFIX = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl"
    r"|square|sq|crescent|cres|terrace|close|highway|hwy|parkway|pkwy|circle|cir|trail|alley"
    r"|row|walk|grove|gardens|park|parks|hill|hills|lodge|greens|gateway|radial|mews|rise|wharf"
    r"|view|vale|heights|loop|pass|plaza|port|run|track|glen|crossing|meadows|landing|ridge"
)
_PREFIX = (
    r"rue|via|viale|avenida|av\.|calle|c/|ul\.|ulica|piazza|piazzetta|largo|rua|travessa|strada"
    r"|chemin|allée|plaza|paseo|carrer|camino|aleja|corso|rambla|praça|avinguda|boulevard|bd\."
)
_LOCAL_SUFFIX = (
    r"(?:katu|gata|gatan|veien|vegen|vej|vei|straße|strasse|str\.|weg|gasse|platz|allee|laan"
    r"|straat|plein|utca|tie|polku|vænget|vangen|gade|stræde|torget|tori|väg|vägen|steig|ring"
    r"|damm|ufer|markt|berg|gränd|stien|bakken|sgata|stigen|tanya|kuja|rinne|ská|ova|ská)"
)
_NUM = r"\d{1,6}[A-Za-z]?"
# Where a _STREET match can start: at a run of digits, or at a word at most 5 runs of
# spaces or tabs before one, with no digit or other white space between (``_street_starts``).
_BACK_TO_WORDS = re.compile(r"[^\s\d]*(?:[ \t]+[^\s\d]*){0,5}")
_WORD_START = re.compile(r"(?<!\w)[^\W\d_]")
_PREFIX_AT = re.compile(rf"(?i:{_PREFIX})")  # a digit glued to a word ends a prefixed street
_STREET = re.compile(
    rf"(?i:\b{_NUM}(?:[ ,]+{_NUM})?[ \t]+(?:{_W}[ \t]+){{0,4}}(?:{_SUFFIX})\b\.?)"
    rf"|(?i:(?<!\w)(?:{_PREFIX})[ \t]+(?:{_W}[ \t]*){{1,4}}\d{{1,5}}\b\.?)"
    rf"|\b(?:{_NUM}[ \t]+)?{_CAPW}(?:[ \t]+{_CAPW}){{0,2}}[ \t]+(?:u\.[ \t]+)?\d{{1,5}}[A-Za-z]?\b"
    rf"|(?i:\b(?:{_NUM}[ \t]+)?{_W}{_LOCAL_SUFFIX}[ \t]+\d{{1,5}}[A-Za-z]?\b)"
)
_UNIT = re.compile(
    r"\b(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.|Room|Rm\.|Box|P\.?O\.? Box|PSC|"
    r"Building|Bldg\.?)\s*#?\d{1,6}[A-Za-z]?\b"
)
_MILITARY = re.compile(
    r"\b(?:USNS|USS|USNV|USCGC)\s+[^\W\d_]+|\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"
)
_POSTAL = re.compile(
    r"\b[A-Z]{2}\s+\d{4,5}(?:-\d{4})?\b|(?<=[,\n ])\d{5}(?:-\d{4})?(?=\s*(?:\n|$|[,.?]))"
)
_CORNER = re.compile(
    r"\bcorner of\s+(.{3,60}?)\s+and\s+(.{3,40}?)(?=[,.?!]|\s*$|\n)", re.IGNORECASE
)
_LINE = re.compile(r"[^\n,]+")
_TOKEN = re.compile(r"[^\W\d_]+(?:[.'’-][^\W\d_]+)*")
_SKIP_TAIL = frozenset({"nan", "st.", "st", "rd.", "ave."})
_FALSE_STREETS = frozenset(
    {"the", "a", "an", "my", "your", "our", "in", "on", "at", "by", "of", "to"}
)


def _split_house_number(start: int, text: str, score: float) -> list[Finding]:
    """``"864 Piazzetta Rubiani 104"`` -> the leading house number and the rest, separately."""
    m = re.match(r"(\d{1,6}[A-Za-z]?)([ ,]+)(?=\S)", text)
    if m and re.search(r"\d", text[m.end() :]):
        rest = start + m.end()
        return [
            Finding(start, start + len(m.group(1)), "LOCATION", score),
            Finding(rest, start + len(text), "LOCATION", score),
        ]
    return [Finding(start, start + len(text), "LOCATION", score)]


def _all_common(candidate: str) -> bool:
    """``"Article 50"``, ``"March 2017"``: ordinary words and numbers, no street."""
    words = [w for w in _TOKEN.findall(candidate)]
    common = gazetteer.common_words()
    last = candidate.rsplit(maxsplit=1)[-1].lower().rstrip(".")
    if re.fullmatch(f"(?:{_SUFFIX})", last) and candidate[0].isdigit():
        return False
    return all(w.lower() in common for w in words)


def _street_starts(text: str) -> Iterator[int]:
    for at in digit_starts(text):
        yield at
        back = len(text) - at
        found = _BACK_TO_WORDS.match(mirror(text), back)
        lo = at - (found.end() - back) if found else at
        words = (m.start() for m in _WORD_START.finditer(text, lo, at))
        spaced = at > 0 and text[at - 1] in " \t"
        yield from (w for w in words if spaced or _PREFIX_AT.match(text, w))


def _street_findings(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in match_at(_STREET, text, _street_starts(text)):
        first = m.group().split()[0].lower().rstrip(".")
        if first in _FALSE_STREETS or m.group().strip().isdigit():
            continue
        if not re.search(r"\d", m.group()) and not re.search(_PREFIX, first):
            continue
        if _all_common(m.group()):
            continue
        found.extend(_split_house_number(m.start(), m.group(), 0.75))
    return found


def _address_tail(text: str, anchors: list[Finding]) -> list[Finding]:
    """Lines and comma parts right after a street (city, region, country) are places too."""
    found: list[Finding] = []
    for anchor in anchors:
        tail = text[anchor.end : anchor.end + 80]
        for part in list(_LINE.finditer(tail))[:4]:
            piece = part.group().strip()
            words = piece.split()
            if not piece or len(words) > 4 or piece.lower() in _SKIP_TAIL:
                continue
            if not all(w[:1].isupper() or w[:1].isdigit() for w in words):
                break
            offset = anchor.end + part.start() + part.group().index(piece)
            found.append(Finding(offset, offset + len(piece), "LOCATION", 0.6))
    return found


@cache
def _place_starts() -> frozenset[str]:
    """The first token of every gazetteer place: a phrase starting elsewhere is no place."""
    return frozenset(m.group() for p in gazetteer.places() if (m := _TOKEN.match(p)))


@cache
def _place_candidates() -> re.Pattern[str]:
    """Where a token that may begin a place starts: a token the pattern ``_TOKEN`` finds
    (no letter before it, nor a letter and an apostrophe, dot or hyphen) whose first
    letter is not ASCII lower-case, or a lower-case first token of the gazetteer ("la")."""
    lower = sorted((w for w in _place_starts() if "a" <= w[0] <= "z"), key=len, reverse=True)
    words = "|".join(map(re.escape, lower)) or "(?!)"
    return re.compile(
        r"[^\W\d_a-z](?<![^\W\d_].)(?<![^\W\d_][.'’-].)"
        rf"|(?<![^\W\d_])(?<![^\W\d_][.'’-])(?:{words})(?![^\W\d_]|[.'’-][^\W\d_])"
    )


_CAPITAL_START = re.compile(r"[^\W\d_a-z](?<![^\W\d_].)(?<![^\W\d_][.'’-].)")
_LETTER = re.compile(r"[^\W\d_]")


def _free_start(text: str, at: int) -> bool:
    """No letter before ``at``, nor a letter and an apostrophe, dot or hyphen."""
    if at >= 1 and _LETTER.match(text, at - 1):
        return False
    return not (at >= 2 and text[at - 1] in ".'’-" and _LETTER.match(text, at - 2))


@cache
def _lower_starts() -> re.Pattern[str]:
    """The lower-case first tokens of the gazetteer ("la"), not followed by a letter (the
    letter before is checked by ``_candidate_starts``: no look-behind at every position)."""
    lower = sorted((w for w in _place_starts() if "a" <= w[0] <= "z"), key=len, reverse=True)
    words = "|".join(map(re.escape, lower)) or "(?!)"
    return re.compile(rf"(?:{words})(?![^\W\d_]|[.'’-][^\W\d_])")


def _candidate_starts(text: str) -> Iterator[int]:
    """The starts of ``_place_candidates().finditer(text)``, in order, from two cheaper scans:
    no valid lower-case start lies inside a rejected match, as a letter precedes it."""
    capitals = (m.start() for m in _CAPITAL_START.finditer(text))
    lowers = (m.start() for m in _lower_starts().finditer(text) if _free_start(text, m.start()))
    return heapq.merge(capitals, lowers)


def _place_findings(text: str) -> list[Finding]:
    """Gazetteer phrases of up to 4 tokens, longest first, never overlapping.

    A phrase is only found as written (or title-cased when written in capitals), so a token
    in ASCII lower case begins one only if it is itself a gazetteer entry's first token:
    only the candidates of ``_place_candidates`` are looked at.
    """
    found = []
    known, starts = gazetteer.places(), _place_starts()
    common = gazetteer.common_words()
    cursor = 0
    for start in _candidate_starts(text):
        if start < cursor:
            continue
        first = _TOKEN.match(text, start)
        assert first is not None  # a candidate starts a token
        if first.group() not in starts and first.group().title() not in starts:
            continue
        tokens = [first]
        while len(tokens) < 4 and (following := _TOKEN.search(text, tokens[-1].end())):
            tokens.append(following)
        for n in range(len(tokens), 0, -1):
            phrase = text[first.start() : tokens[n - 1].end()]
            if phrase.isupper() and len(phrase) > 3:
                phrase = phrase.title()
            if phrase in known and (n > 1 or phrase.lower() not in common):
                found.append(Finding(first.start(), tokens[n - 1].end(), "LOCATION", 0.7))
                cursor = tokens[n - 1].end()
                break
    return found


# Each pattern with the words one of which any match holds (None: no such words).
_GATED: tuple[tuple[re.Pattern[str], tuple[str, ...] | None], ...] = (
    (_UNIT, ("Apt", "Apartment", "Suite", "Ste", "Unit", "Flat", "Floor", "Fl.", "Room", "Rm.",
             "Box", "PSC", "Building", "Bldg")),
    (_MILITARY, ("US", "PO")),
    (_POSTAL, None),
)  # fmt: skip


def detect_locations(text: str) -> list[Finding]:
    streets = _street_findings(text)
    found = streets + _address_tail(text, streets)
    for pattern, words in _GATED:
        if words is None or any(word in text for word in words):
            found += [Finding(m.start(), m.end(), "LOCATION", 0.7) for m in pattern.finditer(text)]
    corners = _CORNER.finditer(text) if "corner" in text.lower() else ()
    for m in corners:
        found += [Finding(m.start(k), m.end(k), "LOCATION", 0.7) for k in (1, 2)]
    found += _place_findings(text)
    return found
