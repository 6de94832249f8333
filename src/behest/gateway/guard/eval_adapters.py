"""Thin callables in the shape ``../shared/evaldata/eval_guard.py --callable`` expects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from behest.gateway.guard.heavy import scorer_from_env
from behest.gateway.guard.injection import score_injection
from behest.gateway.guard.pii import detect_pii
from behest.gateway.guard.secrets import detect_secrets

INJECTION_THRESHOLD = 0.5
_LABELS = {
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER",
    "IBAN": "IBAN_CODE",
    "DATE_OF_BIRTH": "DOB",
}


def pii(text: str) -> dict[str, Any]:
    entities = [
        {"start": f.start, "end": f.end, "label": _LABELS.get(f.type, f.type)}
        for f in detect_pii(text)
    ]
    return {"entities": entities}


def secrets(text: str) -> dict[str, Any]:
    findings = detect_secrets(text)
    return {"flagged": bool(findings), "score": max((f.score for f in findings), default=0.0)}


def injection(text: str) -> dict[str, Any]:
    verdict = score_injection(text)
    return {"score": verdict.score, "flagged": verdict.score >= INJECTION_THRESHOLD}


def injection_heavy() -> Callable[[str], dict[str, Any]]:
    """``--factory``: the scorer ``BEHEST_GUARD_INJECTION_MODEL`` configures, loaded once."""
    scorer = scorer_from_env()

    def detect(text: str) -> dict[str, Any]:
        verdict = scorer(text)
        return {"score": verdict.score, "flagged": verdict.score >= INJECTION_THRESHOLD}

    return detect
