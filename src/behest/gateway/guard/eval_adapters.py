"""Thin callables in the shape ``../shared/evaldata/eval_guard.py --callable`` expects."""

from __future__ import annotations

from typing import Any

from behest.gateway.guard.pii import detect_pii

_LABELS = {"EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER", "IBAN": "IBAN_CODE", "DATE_OF_BIRTH": "DOB"}


def pii(text: str) -> dict[str, Any]:
    entities = [
        {"start": f.start, "end": f.end, "label": _LABELS.get(f.type, f.type)} for f in detect_pii(text)
    ]
    return {"entities": entities}
