"""The response cache through the real gateway, the official openai SDK and the OpenAI
mock, once with the in-process store and once with real Redis (``BEHEST_REDIS_URL``).

The mock counts the requests it saw: a hit is an answer the mock was not asked for.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from servers import Process, http, start_gateway, start_mock

ADMIN = "admin-test-token"
MODEL = "gpt-4o-mini"
REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_ON = {"enabled": True, "ttl_s": 300}


@dataclass
class Project:
    id: str
    key: str


@dataclass
class Stack:
    gateway: Process
    mock: Process

    def admin(self, method: str, path: str, body: object = None) -> Any:
        status, answer, _ = http(method, f"{self.gateway.url}/admin/v1{path}", body, token=ADMIN)
        assert status in (200, 201), answer
        return answer

    def project(self, **cache: object) -> Project:
        project = self.admin("POST", "/projects", {"name": f"cache-{uuid.uuid4().hex[:8]}"})
        key = self.admin("POST", f"/projects/{project['id']}/keys", {"name": "e2e"})
        credential = {
            "provider": "openai",
            "base_url": self.mock.url + "/v1",
            "api_key": "mock-key",
            "models": [MODEL],
        }
        self.admin("POST", f"/projects/{project['id']}/credentials", credential)
        self.admin("PATCH", f"/projects/{project['id']}", {"settings": {"cache": cache}})
        return Project(project["id"], str(key["key"]))

    def client(self, project: Project, user: str = "user_1", **headers: str) -> openai.OpenAI:
        status, token, _ = http(
            "POST", f"{self.gateway.url}/v1/auth/mint", {"user_id": user}, token=project.key
        )
        assert status == 200 and isinstance(token, dict), token
        return openai.OpenAI(
            base_url=f"{self.gateway.url}/v1",
            api_key=token["access_token"],
            max_retries=0,
            default_headers={"X-Session-Id": token["session_id"], **headers},
        )

    def seen(self) -> int:
        _, body, _ = http("GET", f"{self.mock.url}/__mock__/last_request")
        return int(body["requests_seen"]) if isinstance(body, dict) else 0


@pytest.fixture(scope="module", params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    env: dict[str, str] = {}
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
        env["BEHEST_REDIS_URL"] = REDIS_URL
    logs: Path = tmp_path_factory.mktemp(f"cache-{request.param}")
    mock = start_mock("openai", logs)
    try:
        gateway = start_gateway(logs / "data", extra_env=env)
    except BaseException:
        mock.stop()
        raise
    yield Stack(gateway, mock)
    gateway.stop()
    mock.stop()


def _ask(client: openai.OpenAI, text: str, **params: Any) -> Any:
    return client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": text}], **params
    )


def _unique() -> str:
    return f"say hello {uuid.uuid4().hex}"


def test_a_second_identical_call_is_a_hit_with_the_identical_body(stack: Stack) -> None:
    client, text = stack.client(stack.project(**CACHE_ON)), _unique()
    before = stack.seen()
    first = _ask(client, text, temperature=0)
    second = _ask(client, text, temperature=0)
    assert first.headers["x-behest-cache"] == "miss"
    assert second.headers["x-behest-cache"] == "hit"
    assert second.headers["x-behest-route"] == "attempts=0; reason=cache"
    assert second.text == first.text  # byte for byte: same id, same created
    assert second.parse().model_dump() == first.parse().model_dump()
    assert stack.seen() == before + 1


def test_a_stream_is_replayed_identically(stack: Stack) -> None:
    client, text = stack.client(stack.project(**CACHE_ON)), _unique()
    before = stack.seen()
    params: Any = {"temperature": 0, "stream": True, "stream_options": {"include_usage": True}}
    first = _ask(client, text, **params)
    first_chunks = [chunk.model_dump() for chunk in first.parse()]
    second = _ask(client, text, **params)
    second_chunks = [chunk.model_dump() for chunk in second.parse()]
    assert (first.headers["x-behest-cache"], second.headers["x-behest-cache"]) == ("miss", "hit")
    assert second_chunks == first_chunks and len(first_chunks) > 2
    assert first_chunks[-1]["usage"] is not None
    assert stack.seen() == before + 1


def test_a_sampled_request_bypasses_unless_asked(stack: Stack) -> None:
    project, text = stack.project(**CACHE_ON), _unique()
    plain = stack.client(project)
    assert _ask(plain, text).headers["x-behest-cache"] == "bypass"  # absent temperature is 1
    assert _ask(plain, text, temperature=0.7).headers["x-behest-cache"] == "bypass"
    asked = stack.client(project, **{"X-Behest-Cache": "on"})
    assert _ask(asked, text, temperature=0.7).headers["x-behest-cache"] == "miss"
    assert _ask(asked, text, temperature=0.7).headers["x-behest-cache"] == "hit"


def test_users_never_share_unless_the_project_says_so(stack: Stack) -> None:
    private, text = stack.project(**CACHE_ON), _unique()
    _ask(stack.client(private, "alice"), text, temperature=0)
    assert (
        _ask(stack.client(private, "bob"), text, temperature=0).headers["x-behest-cache"] == "miss"
    )
    shared = stack.project(**CACHE_ON, shared_across_users=True)
    _ask(stack.client(shared, "alice"), text, temperature=0)
    assert _ask(stack.client(shared, "bob"), text, temperature=0).headers["x-behest-cache"] == "hit"


def test_projects_never_share(stack: Stack) -> None:
    text = _unique()
    one = stack.project(**CACHE_ON, shared_across_users=True)
    other = stack.project(**CACHE_ON, shared_across_users=True)
    _ask(stack.client(one), text, temperature=0)
    assert _ask(stack.client(other), text, temperature=0).headers["x-behest-cache"] == "miss"


def test_the_header_turns_it_off_or_refreshes(stack: Stack) -> None:
    project, text = stack.project(**CACHE_ON), _unique()
    _ask(stack.client(project), text, temperature=0)
    before = stack.seen()
    off = _ask(stack.client(project, **{"X-Behest-Cache": "off"}), text, temperature=0)
    assert off.headers["x-behest-cache"] == "bypass" and stack.seen() == before + 1
    refresh = _ask(stack.client(project, **{"X-Behest-Cache": "refresh"}), text, temperature=0)
    assert refresh.headers["x-behest-cache"] == "miss" and stack.seen() == before + 2
    assert _ask(stack.client(project), text, temperature=0).headers["x-behest-cache"] == "hit"
    assert stack.seen() == before + 2


def test_a_project_without_the_setting_never_caches(stack: Stack) -> None:
    client, text = stack.client(stack.project()), _unique()
    before = stack.seen()
    first = _ask(client, text, temperature=0)
    _ask(client, text, temperature=0)
    assert "x-behest-cache" not in first.headers
    assert stack.seen() == before + 2


def test_errors_are_never_cached(stack: Stack) -> None:
    client, text = stack.client(stack.project(**CACHE_ON)), _unique()
    http("POST", f"{stack.mock.url}/__mock__/faults", {"status": 500, "remaining": 1})
    with pytest.raises(openai.InternalServerError):
        _ask(client, text, temperature=0)
    http("POST", f"{stack.mock.url}/__mock__/faults", {"clear": True})
    assert _ask(client, text, temperature=0).headers["x-behest-cache"] == "miss"


def test_a_broken_stream_is_never_cached(stack: Stack) -> None:
    client, text = stack.client(stack.project(**CACHE_ON)), _unique()
    http("POST", f"{stack.mock.url}/__mock__/faults", {"break_after_chunks": 2, "remaining": 1})
    with pytest.raises(openai.APIError):
        for _ in _ask(client, text, temperature=0, stream=True).parse():
            pass
    http("POST", f"{stack.mock.url}/__mock__/faults", {"clear": True})
    assert _ask(client, text, temperature=0, stream=True).headers["x-behest-cache"] == "miss"
