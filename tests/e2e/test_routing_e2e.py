"""Routing through the real gateway and the fault-injecting mocks: the default model,
fallback chains across providers, retries within the deadline, circuit breakers.

One gateway, one mock per provider; each test sets the project's routing settings it
needs through the admin API and reads the ``x-behest-route`` header.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from provider_fixtures import ADMIN, Gateway, providers_gateway

from servers import http

__all__ = ["providers_gateway"]  # the fixture, imported for pytest

HELLO: Any = [{"role": "user", "content": "say hello"}]


class Routed:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        _, projects, _ = self.admin("GET", "/projects")
        self.project_id = projects["data"][0]["id"]

    def admin(self, method: str, path: str, body: object = None) -> tuple[int, Any, Any]:
        return http(method, f"{self.gateway.process.url}/admin/v1{path}", body, token=ADMIN)

    def settings(self, **settings: object) -> None:
        status, body, _ = self.admin(
            "PATCH", f"/projects/{self.project_id}", {"settings": settings}
        )
        assert status == 200, body

    def chat(self, **body: object) -> tuple[int, Any, dict[str, str]]:
        client = self.gateway.client()
        return http(
            "POST",
            f"{self.gateway.process.url}/v1/chat/completions",
            {"messages": HELLO, **body},
            token=client.api_key,
        )

    def seen(self, provider: str) -> int:
        _, body, _ = http("GET", f"{self.gateway.mocks[provider].url}/__mock__/last_request")
        return int(body["requests_seen"])


@pytest.fixture
def routed(providers_gateway: Gateway) -> Iterator[Routed]:
    routed = Routed(providers_gateway)
    yield routed
    for provider in providers_gateway.mocks:
        providers_gateway.fault(provider, clear=True)
    routed.settings(default_model=None, fallbacks={}, retries={}, timeouts={}, breaker={})


def _route(headers: dict[str, str]) -> dict[str, str]:
    pairs = (part.strip().split("=", 1) for part in headers["x-behest-route"].split(";"))
    return {key: value for key, value in pairs}


def test_without_a_default_a_missing_model_is_a_400(routed: Routed) -> None:
    status, body, _ = routed.chat()
    assert status == 400 and body["error"]["param"] == "model"


def test_the_default_model_serves_a_call_without_model(routed: Routed) -> None:
    routed.settings(default_model="claude-sonnet-4-5")
    client = routed.gateway.client()
    answer = client.chat.completions.create(
        model=openai.NOT_GIVEN,
        messages=HELLO,  # type: ignore[call-overload]
    )
    assert answer.choices[0].message.content == "Echo: say hello"
    assert answer.model.startswith("claude-sonnet-4-5")
    models = {m.id: m for m in client.models.list()}
    assert getattr(models["claude-sonnet-4-5"], "default", None) is True
    assert getattr(models["gpt-4o-mini"], "default", None) is None
