"""The Python SDK against a real gateway: every call shape, per-user tokens, errors.

Mints are counted on the wire, with the official client's own HTTP client hooks.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest
from pydantic import BaseModel
from tenancy import Tenant

from behest import AsyncBehest, Behest, behest_headers

MODEL = "gpt-4o-mini"
HELLO = [{"role": "user", "content": "hello"}]


@dataclass
class Wire:
    """What went over the wire: mint requests and the status of every response."""

    mints: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def on_request(self, request: Any) -> None:
        if request.url.path == "/v1/auth/mint":
            self.mints.append(json.loads(request.content)["user_id"])

    def on_response(self, response: Any) -> None:
        self.statuses.append(response.status_code)

    async def on_request_async(self, request: Any) -> None:
        self.on_request(request)

    async def on_response_async(self, response: Any) -> None:
        self.on_response(response)

    def sync_client(self) -> Any:
        hooks = {"request": [self.on_request], "response": [self.on_response]}
        return openai.DefaultHttpxClient(event_hooks=hooks)

    def async_client(self) -> Any:
        hooks = {"request": [self.on_request_async], "response": [self.on_response_async]}
        return openai.DefaultAsyncHttpxClient(event_hooks=hooks)


def settings(tenant: Tenant, **values: object) -> None:
    status, body, _ = tenant.admin("PATCH", f"/projects/{tenant.project_id}", {"settings": values})
    assert status == 200, body


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def behest(tenant: Tenant, wire: Wire) -> Iterator[Behest]:
    client = Behest(tenant.api_key, base_url=tenant.gateway.url, http_client=wire.sync_client())
    yield client
    client.close()


def test_a_plain_completion(behest: Behest, wire: Wire) -> None:
    reply = behest.chat.completions.create(model=MODEL, messages=HELLO, user_id="plain-user")
    assert isinstance(reply, openai.types.chat.ChatCompletion)
    assert reply.choices[0].message.content == "Echo: hello"
    assert wire.mints == ["plain-user"]


def test_a_streamed_completion(behest: Behest) -> None:
    chunks = behest.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "stream these words"}],
        user_id="stream-user",
        stream=True,
        stream_options={"include_usage": True},
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: stream these words"


def test_the_stream_helper_and_its_final_completion(behest: Behest) -> None:
    with behest.chat.completions.stream(
        model=MODEL, messages=[{"role": "user", "content": "helper"}], user_id="stream-user"
    ) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    assert "content.delta" in kinds
    assert final.choices[0].message.content == "Echo: helper"


async def test_the_async_client_streams_both_ways(tenant: Tenant) -> None:
    async with AsyncBehest(tenant.api_key, base_url=tenant.gateway.url) as behest:
        chunks = await behest.chat.completions.create(
            model=MODEL, messages=HELLO, user_id="async-user", stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])
        async with behest.chat.completions.stream(
            model=MODEL, messages=HELLO, user_id="async-user"
        ) as stream:
            final = await stream.get_final_completion()
        typed = await behest.as_user("async-user")
        listed = await typed.models.list()
    assert text == final.choices[0].message.content == "Echo: hello"
    assert any(m.id == MODEL for m in listed.data)


class Lookup(BaseModel):
    city: str


def test_tools_parsed_and_answered(behest: Behest) -> None:
    messages: list[Any] = [{"role": "user", "content": "please call tools"}]
    reply = behest.chat.completions.parse(
        model=MODEL,
        messages=messages,
        tools=[openai.pydantic_function_tool(Lookup)],
        user_id="tools-user",
    )
    message = reply.choices[0].message
    assert reply.choices[0].finish_reason == "tool_calls" and message.tool_calls
    call = message.tool_calls[0]
    assert call.function.name == "Lookup"  # type: ignore[union-attr]
    assert call.function.parsed_arguments == Lookup(city="Paris")  # type: ignore[union-attr]
    messages += [message, {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    messages.append({"role": "user", "content": "thanks"})
    answer = behest.chat.completions.create(model=MODEL, messages=messages, user_id="tools-user")
    assert answer.choices[0].message.content == "Echo: thanks"


class Weather(BaseModel):
    city: str
    celsius: float


def test_structured_output_parsed_with_pydantic(behest: Behest) -> None:
    reply = behest.chat.completions.parse(
        model=MODEL, messages=HELLO, response_format=Weather, user_id="parse-user"
    )
    parsed = reply.choices[0].message.parsed
    assert isinstance(parsed, Weather)


def test_embeddings_moderations_and_models(behest: Behest) -> None:
    vectors = behest.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], user_id="embed-user"
    )
    assert len(vectors.data) == 2 and len(vectors.data[0].embedding) > 0
    moderation = behest.moderations.create(
        model="omni-moderation-latest", input="hello", user_id="embed-user"
    )
    assert moderation.results[0].flagged is False
    models = {m.id for m in behest.models.list()}
    assert {"gpt-4o-mini", "text-embedding-3-small"} <= models


def test_raw_responses_carry_typed_behest_headers(tenant: Tenant, behest: Behest) -> None:
    settings(tenant, limits={"user": {"rpm": 50, "tpm": 100000}})
    try:
        raw = behest.chat.completions.with_raw_response.create(
            model=MODEL, messages=HELLO, user_id="header-user"
        )
    finally:
        settings(tenant, limits={})
    assert raw.parse().choices[0].message.content == "Echo: hello"
    headers = behest_headers(raw)
    assert headers.request_id and headers.request_id.startswith("req_")
    assert (headers.requests.limit, headers.requests.remaining) == (50, 49)
    assert headers.tokens.limit == 100000 and headers.requests.reset_s is not None
    assert headers.guard is not None


def test_usage_is_attributed_to_each_user(tenant: Tenant, behest: Behest) -> None:
    users = ["usage-alice", "usage-bob"]
    for user in users:
        for _ in range(2):
            behest.chat.completions.create(model=MODEL, messages=HELLO, user_id=user)
    deadline = time.monotonic() + 20
    while True:
        status, report, _ = tenant.admin(
            "GET", f"/projects/{tenant.project_id}/usage?group_by=user"
        )
        assert status == 200, report
        by_user = {row["user"]: row for row in report["data"]}  # type: ignore[index]
        if all(by_user.get(u, {}).get("requests") == 2 for u in users):
            break
        assert time.monotonic() < deadline, by_user
        time.sleep(0.2)
    assert all(by_user[u]["input_tokens"] > 0 for u in users)


def test_one_user_many_calls_one_mint(behest: Behest, wire: Wire) -> None:
    for _ in range(20):
        behest.chat.completions.create(model=MODEL, messages=HELLO, user_id="reuse-user")
    behest.embeddings.create(model="text-embedding-3-small", input="x", user_id="reuse-user")
    assert wire.mints == ["reuse-user"]


async def test_1000_parallel_calls_over_10_users_mint_10_times(tenant: Tenant, wire: Wire) -> None:
    behest = AsyncBehest(
        tenant.api_key, base_url=tenant.gateway.url, http_client=wire.async_client()
    )
    gate = asyncio.Semaphore(100)

    async def ask(index: int) -> str | None:
        async with gate:
            reply = await behest.chat.completions.create(
                model=MODEL, messages=HELLO, user_id=f"crowd-{index % 10}", max_tokens=4
            )
        return reply.choices[0].message.content

    replies = await asyncio.gather(*(ask(i) for i in range(1000)))
    await behest.close()
    assert len(replies) == 1000 and all(replies)
    assert sorted(wire.mints) == sorted(f"crowd-{i}" for i in range(10))
    print(f"\nmints per 1,000 calls over 10 users: {len(wire.mints)}")


def test_app_tokens_are_minted_for_a_browser(tenant: Tenant, behest: Behest) -> None:
    minted = behest.tokens.mint("browser-user", expires_in=60)
    assert minted.expires_in == 60 and minted.session_id.startswith("sess_")
    browser = openai.OpenAI(
        base_url=tenant.gateway.url + "/v1",
        api_key=minted.access_token,
        default_headers={"X-Session-Id": minted.session_id},
        max_retries=0,
    )
    assert browser.chat.completions.create(model=MODEL, messages=HELLO).choices  # type: ignore[arg-type]


def test_a_bad_key_is_an_authentication_error_that_says_so(tenant: Tenant) -> None:
    wrong = tenant.api_key[:-8] + ("A" * 8 if not tenant.api_key.endswith("A" * 8) else "B" * 8)
    behest = Behest(wrong, base_url=tenant.gateway.url, max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="Incorrect API key provided") as refused:
        behest.chat.completions.create(model=MODEL, messages=HELLO, user_id="u")
    assert wrong not in str(refused.value) and refused.value.status_code == 401


def test_a_rate_limited_user_gets_a_rate_limit_error_with_retry_after(
    tenant: Tenant, behest: Behest
) -> None:
    settings(tenant, limits={"user": {"rpm": 2}})
    limited_client = Behest(tenant.api_key, base_url=tenant.gateway.url, max_retries=0)
    try:
        for _ in range(2):
            limited_client.chat.completions.create(model=MODEL, messages=HELLO, user_id="rl-user")
        with pytest.raises(openai.RateLimitError) as limited:
            limited_client.chat.completions.create(model=MODEL, messages=HELLO, user_id="rl-user")
    finally:
        settings(tenant, limits={})
    retry_after = behest_headers(limited.value).retry_after_s
    assert retry_after is not None and retry_after > 0


@pytest.mark.slow
async def test_tokens_are_refreshed_before_expiry_and_on_token_expired(tenant: Tenant) -> None:
    """A 30 s token: one client refreshes it ahead of expiry; one whose clock never moves
    sends it expired, is refused with token_expired, mints once and retries once."""
    settings(tenant, jwt_ttl_s=30)
    ahead, stale = Wire(), Wire()
    fresh_client = AsyncBehest(
        tenant.api_key, base_url=tenant.gateway.url, http_client=ahead.async_client()
    )
    frozen_client = AsyncBehest(
        tenant.api_key,
        base_url=tenant.gateway.url,
        http_client=stale.async_client(),
        clock=lambda: 0.0,
    )
    try:
        for client in (fresh_client, frozen_client):
            await client.chat.completions.create(model=MODEL, messages=HELLO, user_id="ttl-user")
        await asyncio.sleep(36)  # 30 s of life and the gateway's 5 s of leeway
        for client in (fresh_client, frozen_client):
            reply = await client.chat.completions.create(
                model=MODEL, messages=HELLO, user_id="ttl-user"
            )
            assert reply.choices[0].message.content == "Echo: hello"
    finally:
        settings(tenant, jwt_ttl_s=900)
        await fresh_client.close()
        await frozen_client.close()
    assert ahead.mints == ["ttl-user", "ttl-user"] and 401 not in ahead.statuses
    assert stale.mints == ["ttl-user", "ttl-user"]
    assert stale.statuses == [200, 200, 401, 200, 200]  # mint, call, refused, mint, retried
