"""The fast detectors find exactly what the slow reference (``guard_reference``, the code
before the speed work) finds, on random texts built from the pieces that trigger them."""

from __future__ import annotations

import guard_reference.pii as reference_pii
import guard_reference.secrets as reference_secrets
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.guard import detect_pii, detect_secrets

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
    "İ", "K", "é", "the", "a", "of", "Key", "secret", "PAT",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_pii_findings_equal_the_reference(text: str) -> None:
    assert detect_pii(text) == reference_pii.detect_pii(text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_secret_findings_equal_the_reference(text: str) -> None:
    assert detect_secrets(text) == reference_secrets.detect_secrets(text)
