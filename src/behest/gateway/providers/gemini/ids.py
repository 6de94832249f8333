"""OpenAI tool-call ids that carry what Gemini needs back on the next turn.

Gemini function calls may have no id (one is synthesised), an opaque id of their own
(Gemini 3) and a ``thoughtSignature`` that must be echoed in the next request. The
OpenAI tool-call id is the one value every client sends back untouched, so both ride
in it::

    call_<24 hex>                       no Gemini id, no signature
    call_gid-<gemini id>                Gemini's own id
    call_<…>~<thoughtSignature>         plus the signature (base64 never holds "~")

Responses also carry the signature as ``extra_content.google.thought_signature`` (the
field Google's own OpenAI-compatible endpoint uses); on the way in that field wins
over the id.
"""

from __future__ import annotations

import uuid
from typing import Any

_PREFIX = "call_"
_GEMINI_ID = "call_gid-"
_SIGNATURE = "~"


def encode_call_id(gemini_id: str | None, signature: str | None) -> str:
    call_id = _GEMINI_ID + gemini_id if gemini_id else _PREFIX + uuid.uuid4().hex[:24]
    return call_id + _SIGNATURE + signature if signature else call_id


def decode_call_id(call_id: str) -> tuple[str | None, str | None]:
    """(Gemini id, thought signature) carried by an id this adapter made, else Nones."""
    body, signature = call_id, None
    if call_id.startswith(_PREFIX) and _SIGNATURE in call_id:
        body, _, signature = call_id.rpartition(_SIGNATURE)
    gemini_id = body[len(_GEMINI_ID) :] if body.startswith(_GEMINI_ID) else None
    return gemini_id or None, signature or None


def signature_of(tool_call: dict[str, Any]) -> str | None:
    extra = tool_call.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    signature = google.get("thought_signature") if isinstance(google, dict) else None
    if isinstance(signature, str) and signature:
        return signature
    return decode_call_id(str(tool_call.get("id") or ""))[1]
