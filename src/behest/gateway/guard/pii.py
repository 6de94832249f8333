"""``detect_pii(text)``: every PII detector of the default tier, overlaps resolved."""

from __future__ import annotations

from collections.abc import Collection

from behest.gateway.guard.findings import Finding, resolve_overlaps
from behest.gateway.guard.locations import detect_locations
from behest.gateway.guard.people import detect_persons
from behest.gateway.guard.structured import (
    Detector,
    detect_credit_card,
    detect_date_of_birth,
    detect_email,
    detect_iban,
    detect_ip,
    detect_phone,
    detect_ssn,
    detect_url,
)

_STRUCTURED: tuple[tuple[str, Detector], ...] = (
    ("EMAIL", detect_email),
    ("URL", detect_url),
    ("CREDIT_CARD", detect_credit_card),
    ("IBAN", detect_iban),
    ("US_SSN", detect_ssn),
    ("IP_ADDRESS", detect_ip),
    ("PHONE", detect_phone),
    ("DATE_OF_BIRTH", detect_date_of_birth),
)
_HEURISTIC: tuple[tuple[str, Detector], ...] = (
    ("PERSON", detect_persons),
    ("LOCATION", detect_locations),
)
STRUCTURED_TYPES = frozenset(name for name, _ in _STRUCTURED)
PII_TYPES = STRUCTURED_TYPES | {"PERSON", "LOCATION"}


def detect_pii(
    text: str, *, heuristics: bool = True, types: Collection[str] | None = None
) -> list[Finding]:
    """PII spans in ``text``; ``heuristics=False`` keeps only checksum/parser-backed types;
    ``types`` runs only the detectors of those entity types (``None``: all)."""
    found: list[Finding] = []
    for name, detector in _STRUCTURED + (_HEURISTIC if heuristics else ()):
        if types is None or name in types:
            found += detector(text)
    return resolve_overlaps(found)
