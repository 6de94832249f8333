"""A fake gateway on an in-memory transport: mints counted, calls answered, no network."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

KEY = "behest_sk_live_unitkeyid_" + "s" * 40
BASE = "http://gateway.test"


def completion(text: str = "hi") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def error(status: int, code: str, message: str = "no") -> httpx2.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return httpx2.Response(status, json=body)


@dataclass
class FakeGateway:
    """Mints ``tok-N`` tokens; ``expired`` tokens are refused with ``token_expired``."""

    expires_in: int = 900
    mint_delay_s: float = 0.0
    mint_reply: Callable[[dict[str, Any]], httpx2.Response] | None = None
    expired: set[str] = field(default_factory=set)
    refuse_calls_with: str | None = None  # a 401 code for every call
    mints: list[dict[str, Any]] = field(default_factory=list)
    calls: list[httpx2.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def answer(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/v1/auth/mint":
            return self._mint(request)
        self.calls.append(request)
        token = request.headers["authorization"].removeprefix("Bearer ")
        if self.refuse_calls_with:
            return error(401, self.refuse_calls_with)
        if token in self.expired:
            return error(401, "token_expired", "The access token has expired.")
        headers = {"x-request-id": "req_1", "x-ratelimit-limit-requests": "10"}
        return httpx2.Response(200, json=completion(token), headers=headers)

    def _mint(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.mints.append({**body, "authorization": request.headers["authorization"]})
        if self.mint_reply is not None:
            return self.mint_reply(body)
        reply = {
            "access_token": f"tok-{next(self._ids)}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "session_id": body.get("session_id") or "sess_generated",
        }
        return httpx2.Response(200, json=reply)

    def sync_client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self.answer))

    def async_client(self) -> httpx2.AsyncClient:
        async def answer(request: httpx2.Request) -> httpx2.Response:
            if request.url.path == "/v1/auth/mint" and self.mint_delay_s:
                await asyncio.sleep(self.mint_delay_s)
            return self.answer(request)

        return httpx2.AsyncClient(transport=httpx2.MockTransport(answer))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
