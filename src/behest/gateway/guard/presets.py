# ruff: noqa: E501  (long regular expressions)
"""Named guard policies: the shape a project writes, with the preset's values underneath.

A project's policy is its preset (``minimal`` when none is named) with the project's own
fields on top. ``minimal`` never changes what a request means: it redacts what is
unambiguously sensitive and leaves the request answerable with a placeholder (contact
details, payment and national ids, secrets), and only reports names, places, URLs, dates of
birth and IP addresses, which ordinary prose, code and tool arguments are full of.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Preset = Literal["minimal", "strict", "healthcare"]

REPORTED_BY_MINIMAL = ("PERSON", "LOCATION", "URL", "DATE_OF_BIRTH", "IP_ADDRESS")

# a labelled medical record number ("MRN: 004512877", "medical record no. A-99812")
_MRN = (
    r"\b(?:MRN|[Mm]edical [Rr]ecord(?: [Nn]umber| [Nn]o\.?)?)\s*[:#]?\s*[A-Z0-9][A-Z0-9-]{4,14}\b"
)
# any full date, as dates of admission, discharge and death identify a patient too
_DATE = (
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}(?:st|nd|rd|th)? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,? (?:19|20)\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d{2})\b"
)

PRESETS: Mapping[Preset, Mapping[str, Any]] = {
    "minimal": {
        "pii_mode": "redact",
        "entities": {name: {"mode": "detect"} for name in REPORTED_BY_MINIMAL},
        "injection_mode": "detect",
    },
    "strict": {"pii_mode": "redact", "entities": {}, "injection_mode": "block"},
    "healthcare": {
        "pii_mode": "redact",
        "entities": {},
        "injection_mode": "block",
        "custom_patterns": {"MEDICAL_RECORD_NUMBER": _MRN, "DATE": _DATE},
    },
}


def layered(preset: Preset, own: Mapping[str, Any]) -> dict[str, Any]:
    """The preset's fields with the project's on top.

    Entity rules and custom patterns merge by name. A project that sets ``pii_mode`` itself
    means that mode for every type but its own ``entities``, so the preset's per-entity
    rules are dropped then.
    """
    base = PRESETS[preset]
    merged = {**base, **own}
    preset_rules = {} if "pii_mode" in own else base.get("entities", {})
    merged["entities"] = _by_name(preset_rules, own.get("entities"))
    if "custom_patterns" in base:
        merged["custom_patterns"] = _by_name(base["custom_patterns"], own.get("custom_patterns"))
    return merged


def _by_name(base: Mapping[str, Any], own: Any) -> Any:
    """``own`` over ``base``; ``own`` as it is when it is not an object, for validation to refuse."""
    if own is None:
        return dict(base)
    return {**base, **own} if isinstance(own, Mapping) else own
