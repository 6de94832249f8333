"""The fast detectors find exactly what the slow reference (``guard_reference``, the code
before the speed work) finds, on random texts built from the pieces that trigger them.

Person names and places have since changed on purpose (precision work): for them the
structural parts are compared with the reference (street addresses, postal codes, units)
and the fast candidate scans with the full-text scans they replace; ``detect_pii`` is
compared on the types whose detectors did not change."""

from __future__ import annotations

import guard_reference.locations as reference_locations
import guard_reference.pii as reference_pii
import guard_reference.structured as reference_structured
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.guard import (
    capitals,
    detect_pii,
    locations,
    people,
    secrets,
    structured,
)
from behest.gateway.guard.pii import STRUCTURED_TYPES
from behest.gateway.guard.windows import match_at

PIECES = [
    "X-Box 12", "l'Apt 5", "USS Enterprise", "APO AE 09012", "Marina Fort Street", "in Sutri",
    " ", "  ", ", ", "\n", "\t", ".", "-", "'", "\u2019", "12", "4", "221B", "Baker", "Street",
    "St.", "Rue", "de", "la", "Paix", "Hauptstraße", "Via", "Roma", "Apt", "#4", "NW1", "London",
    "New", "York", "NEW YORK", "Paris", "corner of", "and", "Mr.", "John", "Smith", "Maria",
    "Dear", "my name is", "I'm", "van", "O'Neil", "jane@example.org", "+44 20 7946 0018",
    "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "078-05-1120", "192.168.0.1",
    "2001:db8::1", "born", "01/02/1990", "https://x.example.com/a", "api_key", "API-KEY",
    "password", "=", ": ", '"', "Zq8xT4pLm9vR2sK7wN5b", "sk-", "AKIA", "ABCDEFGHIJKLMNOP",
    "ghp_", "a" * 36, "eyJhbGciOiJIUzI1NiJ9", "token", "Bearer", "-p", "://", "user:pa55w0rd@",
    "db", "kubeadm", "abcdef.0123456789abcdef", "$2b$12$", "xox", "b-", "_live_", "sk", "\u017f",
    "İ", "K", "é", "the", "a", "of", "Key", "secret", "PAT", "@", "a.b", "WWW.", "www.",
    "HTTP://", "http", "x.COM", ".co.uk", "ex-ample.io/p?q=1", "00", "(", ")", "+1", "::", ":",
    "fe80", "1990", "DOB", "née", "Born on", "3 March 1990", "Mar 3, 1990", "%", "_", "GB",
    "82WEST", "12345678", "555-0199", "٣", "Ä", "8 Rue", "Calle", "Oak", "Avenue", "u.",
    "Straße", "Main", "Lane", "12b", "Suite 5", "Springfield", "la Paz", "el Raval",
    "Dr", "mrs.", "M\u017f", "Mi\u0131s", "Sir", "bearer ", "BEARER ", "to\u212aen ", " -U ",
    " -u ", "--password=", " -P ",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_pii_findings_equal_the_reference(text: str) -> None:
    assert detect_pii(text, types=STRUCTURED_TYPES) == reference_pii.detect_pii(
        text, heuristics=False
    )


@settings(max_examples=400, deadline=None)
@given(texts)
def test_secret_candidates_equal_a_full_scan(text: str) -> None:
    """The anchored scans find what scanning the whole text finds (the checks that follow,
    ``secret_checks``, changed what is kept since the reference, so compare the scans)."""
    assert [m.span() for m in secrets._known(text)] == [
        m.span() for m in secrets._KNOWN.finditer(text)
    ]
    assert [m.span() for m in secrets._names(text)] == [
        m.span() for m in secrets._NAME_RE.finditer(text)
    ]
    if secrets._BEARER.search(text):
        assert secrets._may_hold_bearer(text, text.lower())
    if secrets._CLI_PASSWORD.search(text):
        assert "-p" in text or "-P" in text


DETECTORS = [
    (structured.STRUCTURED_DETECTORS[i], reference_structured.STRUCTURED_DETECTORS[i])
    for i in range(len(structured.STRUCTURED_DETECTORS))
]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_each_pii_detector_equals_the_reference(text: str) -> None:
    for fast, slow in DETECTORS:
        assert fast(text) == slow(text), fast.__name__


# Mostly ASCII with single characters of any kind between: the shape path for text with
# a few characters outside ASCII.
sprinkled = st.lists(
    st.one_of(st.sampled_from(PIECES), st.sampled_from(PIECES), st.characters()), max_size=60
).map("".join)


@settings(max_examples=600, deadline=None)
@given(texts | sprinkled)
def test_capitalised_words_equal_the_unicode_scan(text: str) -> None:
    fast, full = capitals.capitals.__wrapped__(text), capitals.unicode_capitals(text)
    assert (fast.starts, fast.ends, fast.words) == (full.starts, full.ends, full.words)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_address_scans_equal_full_text_scans(text: str) -> None:
    """Streets, postal codes, units and military addresses are tried only where they can
    start (or when their words are there): the same matches as scanning the whole text,
    and the same streets as the reference."""
    streets = list(match_at(locations._STREET, text, locations._street_starts(text)))
    full = [m.span() for m in locations._STREET.finditer(text)]
    assert [m.span() for m in streets] == full
    assert [m.span() for m in locations.street_matches(text)] == full
    assert locations._street_findings(text) == reference_locations._street_findings(text)
    postal = match_at(locations._POSTAL, text, locations._postal_starts(text))
    assert [m.span() for m in postal] == [m.span() for m in locations._POSTAL.finditer(text)]
    found = capitals.capitals(text)
    present = locations._present_words(text)
    inside = [range(start, end) for start, end in zip(found.starts, found.ends, strict=True)]
    for pattern, words in locations._GATED:
        for m in pattern.finditer(text):
            if any(m.start() in word for word in inside):
                assert any(word in present for word in words), pattern.pattern


@settings(max_examples=300, deadline=None)
@given(texts)
def test_names_and_places_are_capitalised_runs(text: str) -> None:
    """A person is always a run of capitalised words; a place from the gazetteer or the
    context of a run is one too; nothing is found outside the text."""
    words = capitals.capitals(text)
    for finding in people.detect_persons(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.start in words.starts
    for finding in locations.detect_locations(text):
        assert 0 <= finding.start < finding.end <= len(text)
