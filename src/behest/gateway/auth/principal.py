"""Who is calling: the result of authentication, read by every later stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CredentialKind = Literal["jwt", "api_key"]


@dataclass(frozen=True, slots=True)
class Principal:
    project_id: str
    user_id: str
    session_id: str
    kind: CredentialKind
    key_id: str
    ip: str = ""
    tier: str = ""
