"""The fast detectors find exactly what the slow reference (``guard_reference``, the code
before the speed work) finds, on random texts built from the pieces that trigger them."""

from __future__ import annotations

import guard_reference.locations as reference_locations
import guard_reference.people as reference_people
import guard_reference.pii as reference_pii
import guard_reference.structured as reference_structured
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.guard import (
    detect_pii,
    locations,
    people,
    secrets,
    structured,
)

PIECES = [
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
    assert detect_pii(text) == reference_pii.detect_pii(text)


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
] + [
    (people.detect_persons, reference_people.detect_persons),
    (locations.detect_locations, reference_locations.detect_locations),
]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_each_pii_detector_equals_the_reference(text: str) -> None:
    for fast, slow in DETECTORS:
        assert fast(text) == slow(text), fast.__name__


@settings(max_examples=300, deadline=None)
@given(texts)
def test_place_candidate_starts_equal_the_single_pattern(text: str) -> None:
    single = [m.start() for m in locations._place_candidates().finditer(text)]
    assert list(locations._candidate_starts(text)) == single
