"""What the gateway sends upstream and answers its clients, checked against OpenAI's spec."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest
from tenancy import Tenant

from servers import http

pytestmark = pytest.mark.shared

TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> Any:
    sys.path.insert(0, str(shared_dir / "specs"))
    from validate_openai import SpecValidator

    return SpecValidator()


def _post(tenant: Tenant, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    status, answer, _ = http(
        "POST", f"{tenant.gateway.url}/v1{path}", body, token=tenant.mint()["access_token"]
    )
    return status, answer


def _stream(tenant: Tenant, body: dict[str, Any]) -> str:
    request = urllib.request.Request(
        f"{tenant.gateway.url}/v1/chat/completions",
        data=orjson.dumps(body),
        method="POST",
        headers={
            "Authorization": f"Bearer {tenant.mint()['access_token']}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(response.read().decode())


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"tools": TOOLS, "tool_choice": "required"},
        {"max_tokens": 1, "temperature": 0.2, "n": 1},
    ],
)
def test_chat_request_and_response(tenant: Tenant, spec: Any, extra: dict[str, Any]) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}], **extra}
    status, answer = _post(tenant, "/chat/completions", body)
    assert status == 200
    assert (
        spec.validate_request(
            "POST", "/v1/chat/completions", tenant.last_upstream_request()["body"]
        )
        == []
    )
    assert spec.validate_response("POST", "/v1/chat/completions", 200, answer) == []


@pytest.mark.parametrize("include_usage", [False, True])
def test_chat_stream(tenant: Tenant, spec: Any, include_usage: bool) -> None:
    body: dict[str, Any] = {
        "model": "gpt-4o",
        "stream": True,
        "tools": TOOLS,
        "messages": [{"role": "user", "content": "call tools"}],
    }
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    raw = _stream(tenant, body)
    assert (
        spec.validate_request(
            "POST", "/v1/chat/completions", tenant.last_upstream_request()["body"]
        )
        == []
    )
    assert spec.validate_sse("POST", "/v1/chat/completions", raw) == []
    assert ('"choices":[],"usage":{' in raw) is include_usage


def test_errors_are_openai_error_bodies(tenant: Tenant, spec: Any) -> None:
    status, answer = _post(
        tenant,
        "/chat/completions",
        {"model": "nope", "messages": [{"role": "user", "content": "x"}]},
    )
    assert status == 404
    assert spec.validate_schema("ErrorResponse", answer) == []


def test_embeddings_and_moderations(tenant: Tenant, spec: Any) -> None:
    status, answer = _post(tenant, "/embeddings", {"model": "text-embedding-3-small", "input": "a"})
    assert status == 200
    assert spec.validate_response("POST", "/v1/embeddings", 200, answer) == []
    status, answer = _post(
        tenant, "/moderations", {"model": "omni-moderation-latest", "input": "a"}
    )
    assert status == 200
    assert spec.validate_response("POST", "/v1/moderations", 200, answer) == []
