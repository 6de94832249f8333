"""``detect_pii(text)``: every PII detector of the default tier, overlaps resolved."""

from __future__ import annotations

from behest.gateway.guard.findings import Finding, resolve_overlaps
from guard_reference.locations import detect_locations
from guard_reference.people import detect_persons
from guard_reference.structured import STRUCTURED_DETECTORS

STRUCTURED_TYPES = frozenset(
    {"EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "URL", "DATE_OF_BIRTH"}
)
PII_TYPES = STRUCTURED_TYPES | {"PERSON", "LOCATION"}


def detect_pii(text: str, *, heuristics: bool = True) -> list[Finding]:
    """PII spans in ``text``; ``heuristics=False`` keeps only checksum/parser-backed types."""
    found: list[Finding] = []
    for detector in STRUCTURED_DETECTORS:
        found += detector(text)
    if heuristics:
        found += detect_persons(text)
        found += detect_locations(text)
    return resolve_overlaps(found)
