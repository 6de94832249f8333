"""POST /api/token for the signed-in user, minted with the server-side key (never sent).

    BEHEST_KEY=behest_sk_live_… BEHEST_BASE_URL=http://localhost:8080 \
        uvicorn app:app --port 3000
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request

from fastapi import Cookie, FastAPI, HTTPException
from fastapi.responses import JSONResponse

BEHEST_BASE_URL = os.environ.get("BEHEST_BASE_URL", "http://localhost:8080").rstrip("/")
BEHEST_KEY = os.environ["BEHEST_KEY"]  # server-side only

app = FastAPI()


def signed_in_user(demo_user: str | None) -> str:
    """Your authentication goes here; for the demo, the user is the ``demo_user`` cookie."""
    if not demo_user or not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", demo_user):
        raise HTTPException(401, "Sign in first.")
    return demo_user


def mint(user_id: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{BEHEST_BASE_URL}/v1/auth/mint",
        data=json.dumps({"user_id": user_id}).encode(),
        headers={"Authorization": f"Bearer {BEHEST_KEY}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@app.post("/api/token")
def token(demo_user: str | None = Cookie(default=None)) -> JSONResponse:
    # A plain `def`: FastAPI runs it in its thread pool, so the blocking mint is fine.
    user = signed_in_user(demo_user)
    try:
        minted = mint(user)
    except (urllib.error.URLError, OSError) as error:
        raise HTTPException(502, "Could not get a token from behest.") from error
    body = {"access_token": minted["access_token"], "expires_in": minted["expires_in"]}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
