"""One real gateway wired to all three mock upstreams: OpenAI, Anthropic and Gemini.

A project with one credential per provider (base URLs pointing at the mocks), so a
model name picks the provider: ``CHAT_MODELS`` and ``EMBEDDING_MODELS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import openai
import pytest

from servers import Process, http, start_gateway, start_mock

ADMIN = "admin-test-token"
CHAT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
}
EMBEDDING_MODEL = "gemini-embedding-001"
EMBEDDING_MODELS = {"openai": "text-embedding-3-small", "gemini": EMBEDDING_MODEL}
_CREDENTIALS = {
    "openai": ("/v1", ["gpt-4o-mini", "text-embedding-3-small"]),
    "anthropic": ("", ["claude-sonnet-4-5"]),
    "gemini": ("", ["gemini-2.5-flash", EMBEDDING_MODEL]),
}


@dataclass
class Gateway:
    process: Process
    mocks: dict[str, Process]
    api_key: str

    def client(self) -> openai.OpenAI:
        status, token, _ = http(
            "POST", f"{self.process.url}/v1/auth/mint", {"user_id": "user_1"}, token=self.api_key
        )
        assert status == 200 and isinstance(token, dict), token
        return openai.OpenAI(
            base_url=f"{self.process.url}/v1",
            api_key=token["access_token"],
            max_retries=0,
            default_headers={"X-Session-Id": token["session_id"]},
        )

    def fault(self, provider: str, **fault: object) -> None:
        http("POST", f"{self.mocks[provider].url}/__mock__/faults", fault)

    def last_request(self, provider: str) -> dict[str, Any]:
        """The body the provider's mock last received, in its own API's shape."""
        _, seen, _ = http("GET", f"{self.mocks[provider].url}/__mock__/last_request")
        assert isinstance(seen, dict) and isinstance(seen["body"], dict), seen
        return seen["body"]


def _admin(gateway: Process, path: str, body: object) -> dict[str, object]:
    status, answer, _ = http("POST", f"{gateway.url}/admin/v1{path}", body, token=ADMIN)
    assert status == 201 and isinstance(answer, dict), answer
    return answer


@pytest.fixture(scope="module")
def providers_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    logs = tmp_path_factory.mktemp("provider-mocks")
    data_dir = tmp_path_factory.mktemp("provider-gw") / "data"
    with ThreadPoolExecutor() as pool:  # the processes start side by side
        starting = {name: pool.submit(start_mock, name, logs) for name in _CREDENTIALS}
        gateway_start = pool.submit(start_gateway, data_dir)
    started = [f.result() for f in (gateway_start, *starting.values()) if not f.exception()]
    if len(started) < len(starting) + 1:  # one failed to start: stop the others, then say why
        for running in started:
            running.stop()
        for future in (gateway_start, *starting.values()):
            future.result()
    process = gateway_start.result()
    mocks = {name: future.result() for name, future in starting.items()}
    try:
        project = _admin(process, "/projects", {"name": "providers-e2e"})
        key = _admin(process, f"/projects/{project['id']}/keys", {"name": "e2e"})
        for name, (suffix, models) in _CREDENTIALS.items():
            credential = {
                "provider": name,
                "base_url": mocks[name].url + suffix,
                "api_key": f"mock-key-{name}",
                "models": models,
            }
            _admin(process, f"/projects/{project['id']}/credentials", credential)
        yield Gateway(process, mocks, str(key["key"]))
    finally:
        with ThreadPoolExecutor() as pool:
            for running in (process, *mocks.values()):
                pool.submit(running.stop)
