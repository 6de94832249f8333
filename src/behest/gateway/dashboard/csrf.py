"""CSRF: the synchronizer token pattern. Each session has one random token; every form
carries it in a hidden field and every state-changing request must present it."""

from __future__ import annotations

import hmac

from behest.gateway.dashboard.session import Session

FIELD = "csrf_token"


def valid(session: Session | None, presented: str | None) -> bool:
    if session is None or not presented:
        return False
    return hmac.compare_digest(session.csrf.encode(), presented.encode())
