# ruff: noqa: E501  (long regular expressions; typographic apostrophes are matched on purpose)
"""Structured PII: a regular expression finds candidates, a checksum or parser confirms them.

Each detector is a pure function ``text -> list[Finding]``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from functools import partial

import phonenumbers

from behest.gateway.guard.findings import Finding
from behest.gateway.guard.windows import (
    dense_digit_starts,
    digit_starts,
    literal_starts,
    lowered,
    match_at,
    run_starts,
)

Detector = Callable[[str], list[Finding]]

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"'`{}|\\^]+"
    r"|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|org|net|edu|gov|io|co|info|biz|me|app|dev|ai|uk|de|fr|eu)/[^\s<>\"'`]*",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?)]}'\""
_CARD = re.compile(r"(?<![\d+-])(?:\d[ -]?){11,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ]?)(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])")
_SSN_CONTEXT = re.compile(r"\b(?:ssn|social security|tax id|tin)\b", re.IGNORECASE)
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?![\d]|\.\d)"
)
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?\d{0,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\(?\d{1,4}\)?(?:[ .-]?\d{1,5}){1,5}(?!\w)"
)
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|call|tel|telephone|mobile|cell|fax|number|contact|reach|text me|whatsapp|sms"
    r"|registered|dial|answering|ring|landline|hotline|extension|ext)\b",
    re.IGNORECASE,
)
# a label written after the number, as in address books and signatures: "781 1704 office"
_PHONE_LABEL_AFTER = re.compile(
    r"[ \t]*[(\[]?(?:office|fax|mobile|cell|home|work|tel|phone|direct|landline)\b", re.IGNORECASE
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? (?:19|20)\d{2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_BIRTH_CONTEXT = re.compile(
    r"\b(?:born|birth|dob|d\.o\.b|birthday|geboren|né|née)\b", re.IGNORECASE
)
# Where matches can start (``windows.match_at`` tries the patterns there only). A match's
# look-behind rejects a start inside a stretch of these characters, so an e-mail starts
# where the stretch before its "@" does, a bare domain where the stretch holding its
# ".tld" does, an IPv6 address where the stretch holding its colons does.
_EMAIL_RUN = re.compile(r"[\w.%+-]*")
_DOMAIN_RUN = re.compile(r"[\w.-]*")
_IPV6_RUN = re.compile(r"[\w:]*")
_TLD_DOT = re.compile(
    r"\.(?:com|org|net|edu|gov|io|co|info|biz|me|app|dev|ai|uk|de|fr|eu)", re.IGNORECASE
)
# a dot and what can follow the dot of a ".tld" (case-insensitive matching also relates
# U+0130 and U+0131 to "i"): other dots cost no attempt of the pattern
_TLD_DOT_START = re.compile("\\.[cCoOnNeEgGiIbBmMaAdDuUfF\u0130\u0131]")
# what the birth-context pattern needs, lowered; the characters that case-insensitive
# matching relates to ASCII letters but ``str.lower`` does not map to one
_BIRTH_WORDS = ("born", "birth", "dob", "d.o.b", "geboren", "né")
_FOLD_ODDITIES = ("\u0130", "\u0131", "\u017f", "\u212a")
_BIRTH_WORDS_ASCII = tuple(word for word in _BIRTH_WORDS if word.isascii())
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
    "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rotated = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rotated)) % 97 == 1


def detect_email(text: str) -> list[Finding]:
    starts = run_starts(_EMAIL_RUN, text, literal_starts(text, "@"))
    return [Finding(m.start(), m.end(), "EMAIL", 0.99) for m in match_at(_EMAIL, text, starts)]


def _url_starts(text: str) -> Iterator[int]:
    """``http://``/``https://`` 4/5 before ``://``, ``www.`` 3 before its dot, and where the
    stretch holding a ``.tld`` starts."""
    for at in literal_starts(text, "://"):
        yield from (at - 4, at - 5)
    if "www" in lowered(text):  # only "w" and "W" have a lower case holding "w"
        for at in literal_starts(text, "."):
            if at < 3 or text[at - 3 : at].lower() == "www":
                yield at - 3
    else:
        yield from (at - 3 for at in literal_starts(text[:3], "."))
    tld_dots = [m.start() for m in _TLD_DOT_START.finditer(text) if _TLD_DOT.match(text, m.start())]
    yield from run_starts(_DOMAIN_RUN, text, tld_dots)


def detect_url(text: str) -> list[Finding]:
    found = []
    for m in match_at(_URL, text, _url_starts(text)):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAIL:
            end -= 1
        scheme = text[m.start() : m.start() + 4].lower() in ("http", "www.")
        found.append(Finding(m.start(), end, "URL", 0.9 if scheme else 0.6))
    return found


def detect_credit_card(text: str) -> list[Finding]:
    found = []
    # a card number holds 12 digits or more, with spaces or hyphens between
    for m in match_at(_CARD, text, dense_digit_starts(text, 12)):
        digits = re.sub(r"\D", "", m.group())
        if 12 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits):
            found.append(Finding(m.start(), m.end(), "CREDIT_CARD", 0.95))
    return found


def detect_iban(text: str) -> list[Finding]:
    found = []
    for m in match_at(_IBAN, text, (at - 2 for at in digit_starts(text))):
        candidate = m.group()
        # the regex is greedy: try the country's exact length first
        want = _IBAN_LENGTHS.get(candidate[:2])
        if want is None:
            continue
        end = m.start()
        count = 0
        for end in range(m.start(), m.end()):
            count += text[end] != " "
            if count == want:
                break
        span = text[m.start() : end + 1]
        if count == want and iban_valid(span):
            found.append(Finding(m.start(), end + 1, "IBAN", 0.99))
    return found


def detect_ssn(text: str) -> list[Finding]:
    found = []
    for m in match_at(_SSN, text, dense_digit_starts(text, 9)):
        if m.group(1) or _SSN_CONTEXT.search(text, max(0, m.start() - 40), m.start()):
            found.append(Finding(m.start(), m.end(), "US_SSN", 0.85 if m.group(1) else 0.7))
    return found


def detect_ip(text: str) -> list[Finding]:
    ipv4 = match_at(_IPV4, text, dense_digit_starts(text, 4))
    found = [Finding(m.start(), m.end(), "IP_ADDRESS", 0.9) for m in ipv4]
    for m in match_at(_IPV6, text, run_starts(_IPV6_RUN, text, literal_starts(text, ":"))):
        if m.group().count(":") < 2 or not re.search(r"[0-9A-Fa-f]", m.group()):
            continue
        try:
            ipaddress.IPv6Address(m.group().split("%")[0])
        except ValueError:
            continue
        found.append(Finding(m.start(), m.end(), "IP_ADDRESS", 0.9))
    return found


def _phone_score(candidate: str, has_context: Callable[[], bool]) -> float:
    """``has_context()`` is asked only when the number's shape leaves it to the context."""
    digits = re.sub(r"\D", "", candidate)
    if not 7 <= len(digits) <= 15:
        return 0.0
    international = candidate.startswith(("+", "00"))
    try:
        number = phonenumbers.parse(
            "+" + digits[2:] if candidate.startswith("00") else candidate,
            None if international else "US",
        )
    except phonenumbers.NumberParseException:
        return 0.0
    if phonenumbers.is_valid_number(number):
        return 0.9
    groups = len(re.findall(r"\d+", candidate))
    if international and phonenumbers.is_possible_number(number):
        return 0.75
    if (groups >= 2 or len(digits) >= 8) and has_context():
        return 0.7
    if (groups >= 3 and len(digits) >= 8) or "(" in candidate:
        return 0.6
    return 0.0


def _phone_context(text: str, start: int, end: int) -> bool:
    """A phone word in the 60 characters before the number, or a label right after it."""
    return (
        _PHONE_CONTEXT.search(text, max(0, start - 60), start) is not None
        or _PHONE_LABEL_AFTER.match(text, end) is not None
    )


def detect_phone(text: str) -> list[Finding]:
    found = []
    # At most "+ (" stands before the first digit, which starts a run of digits. A match
    # holds digits and NUMBER_JOINERS only, and with fewer than 7 digits it scores 0; it
    # could only keep out matches of its own stretch, which score 0 too.
    runs = dense_digit_starts(text, 7)
    starts = (at - k for at in runs for k in range(4))
    for m in match_at(_PHONE, text, starts):
        candidate = m.group().strip(" .-")
        start = m.start() + m.group().index(candidate)
        end = start + len(candidate)
        score = _phone_score(candidate, partial(_phone_context, text, start, end))
        if score:
            found.append(Finding(start, end, "PHONE", score))
    return found


def detect_date_of_birth(text: str) -> list[Finding]:
    lower, ascii = lowered(text), text.isascii()  # no character outside ASCII in ASCII text
    odd = not ascii and any(odd in text for odd in _FOLD_ODDITIES)
    words = _BIRTH_WORDS_ASCII if ascii else _BIRTH_WORDS
    if not odd and not any(word in lower for word in words):
        return []  # no birth context anywhere
    found = []
    for m in _DATE.finditer(text):
        window = text[max(0, m.start() - 50) : m.start()]
        if _BIRTH_CONTEXT.search(window):
            found.append(Finding(m.start(), m.end(), "DATE_OF_BIRTH", 0.8))
    return found


STRUCTURED_DETECTORS: tuple[Detector, ...] = (
    detect_email,
    detect_url,
    detect_credit_card,
    detect_iban,
    detect_ssn,
    detect_ip,
    detect_phone,
    detect_date_of_birth,
)
