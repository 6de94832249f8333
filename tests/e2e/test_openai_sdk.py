"""The official openai SDK against the real gateway process: the user's view of behest."""

from __future__ import annotations

import json

import openai
import pytest
from tenancy import Tenant

from servers import http

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {"name": "time", "parameters": {"type": "object", "properties": {}}},
    },
]


def test_mint_returns_a_bearer_token_and_the_session(tenant: Tenant) -> None:
    token = tenant.mint("user_123", session_id="sess-abc")
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 900
    assert token["session_id"] == "sess-abc"


def test_chat_non_streaming(tenant: Tenant) -> None:
    reply = tenant.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello there"}],
        max_tokens=64,
        extra_body={"metadata": {"trace": "x"}},
    )
    assert reply.choices[0].message.content == "Echo: hello there"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.total_tokens > 0
    sent = tenant.last_upstream_request()
    assert sent["body"]["metadata"] == {"trace": "x"}  # type: ignore[index]  # passed through


def test_chat_streaming_relays_chunks_and_usage_only_when_asked(tenant: Tenant) -> None:
    client = tenant.client()
    messages = [{"role": "user", "content": "one two three"}]
    chunks = list(
        client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
    )  # type: ignore[arg-type]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: one two three"
    assert all(c.usage is None for c in chunks)
    assert tenant.last_upstream_request()["body"]["stream_options"] == {"include_usage": True}  # type: ignore[index]
    with_usage = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,
            stream=True,  # type: ignore[arg-type]
            stream_options={"include_usage": True},
        )
    )
    assert with_usage[-1].choices == [] and with_usage[-1].usage is not None
    assert with_usage[-1].usage.completion_tokens == 4


def test_tool_calls_pass_through_streamed_and_not(tenant: Tenant) -> None:
    client = tenant.client()
    messages = [{"role": "user", "content": "please call tools"}]
    whole = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    calls = whole.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ["weather", "time"]
    assert whole.choices[0].finish_reason == "tool_calls"
    with client.chat.completions.stream(model="gpt-4o", messages=messages, tools=TOOLS) as stream:  # type: ignore[arg-type]
        final = stream.get_final_completion()
    streamed = final.choices[0].message.tool_calls or []
    assert [(c.function.name, json.loads(c.function.arguments)) for c in streamed] == [
        (c.function.name, json.loads(c.function.arguments)) for c in calls
    ]


def test_models_list_shows_what_the_project_can_use(tenant: Tenant) -> None:
    ids = {model.id for model in tenant.client().models.list()}
    assert {"gpt-4o-mini", "gpt-4o", "text-embedding-3-small"} <= ids


def test_embeddings_and_moderations_pass_through(tenant: Tenant) -> None:
    client = tenant.client()
    vectors = client.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], dimensions=8
    )
    assert [len(item.embedding) for item in vectors.data] == [8, 8]
    moderation = client.moderations.create(model="omni-moderation-latest", input="I will kill it")
    assert moderation.results[0].flagged
    unnamed = client.moderations.create(input="I will kill it")  # the model is optional
    assert unnamed.results[0].flagged and unnamed.model.startswith("omni-moderation")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"model": 5, "messages": []}', "model"),
        (b'{"model": "gpt-4o-mini"}', "messages"),
        (b'{"model": "gpt-4o-mini", "messages": [{"role": "wizard"}]}', "role"),
        (b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": 1}]}', "content"),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], '
            b'"stream": "yes"}',
            "boolean",
        ),
    ],
)
def test_malformed_bodies_are_clear_400s(tenant: Tenant, raw: bytes, message: str) -> None:
    token = tenant.mint()["access_token"]
    status, body, headers = http(
        "POST", f"{tenant.gateway.url}/v1/chat/completions", raw=raw, token=token
    )
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert message in body["error"]["message"]  # type: ignore[index]
    assert headers["x-request-id"]


def test_sdk_raises_the_right_exception_classes(tenant: Tenant) -> None:
    client = tenant.client()
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="no-such-model", messages=messages)  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    tenant.fault(status=429, retry_after="7", remaining=1)
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    assert limited.value.response.headers["retry-after"] == "7"
    tenant.fault(status=500, remaining=1)
    with pytest.raises(openai.InternalServerError) as failed:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    assert failed.value.status_code == 500
    tenant.fault(status=503, remaining=1)
    with pytest.raises(openai.InternalServerError) as unavailable:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    assert unavailable.value.status_code == 503
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=f"{tenant.gateway.url}/v1", api_key="nope", max_retries=0
        ).models.list()


def test_oversized_body_is_a_413(tenant: Tenant) -> None:
    token = tenant.mint()["access_token"]
    huge = (
        b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'
        + b"x" * (9 * 1024 * 1024)
        + b'"}]}'
    )
    status, body, _ = http(
        "POST", f"{tenant.gateway.url}/v1/chat/completions", raw=huge, token=token
    )
    assert status == 413
    assert body["error"]["code"] == "request_too_large"  # type: ignore[index]


@pytest.mark.parametrize("size", [17 * 1024, 60 * 1024])
def test_oversized_headers_are_a_json_431_with_a_request_id(tenant: Tenant, size: int) -> None:
    status, body, headers = http(
        "POST",
        f"{tenant.gateway.url}/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": []},
        headers={"Authorization": "Bearer " + "a" * size},
    )
    assert status == 431
    assert body["error"]["code"] == "headers_too_large"  # type: ignore[index]
    assert headers["x-request-id"]


def test_broken_upstream_stream_ends_with_one_error_frame(tenant: Tenant) -> None:
    client = tenant.client()
    tenant.fault(break_after_chunks=2, remaining=1)
    with pytest.raises(openai.APIError, match="broke off"):
        for _ in client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "a b c d e f"}],
            stream=True,
        ):
            pass


def test_upstream_unreachable_is_a_503(tenant: Tenant) -> None:
    status, credential, _ = tenant.admin(
        "POST",
        f"/projects/{tenant.project_id}/credentials",
        {
            "provider": "openai",
            "name": "dead",
            "base_url": "http://127.0.0.1:9/v1",
            "api_key": "k",
            "models": ["dead-model"],
        },
    )
    assert status == 201
    client = tenant.client()
    with pytest.raises(openai.InternalServerError) as failed:
        client.chat.completions.create(
            model="dead-model", messages=[{"role": "user", "content": "x"}]
        )
    assert failed.value.status_code == 503
    tenant.admin("DELETE", f"/projects/{tenant.project_id}/credentials/{credential['id']}")  # type: ignore[index]


def test_api_key_on_v1_needs_the_opt_in(tenant: Tenant) -> None:
    direct = openai.OpenAI(
        base_url=f"{tenant.gateway.url}/v1",
        api_key=tenant.api_key,
        max_retries=0,
        default_headers={"X-End-User-Id": "server-user"},
    )
    with pytest.raises(openai.AuthenticationError, match="/v1/auth/mint"):
        direct.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
    status, _, _ = tenant.admin(
        "PATCH", f"/projects/{tenant.project_id}", {"settings": {"allow_api_key_access": True}}
    )
    assert status == 200
    try:
        reply = direct.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "s2s"}]
        )
        assert reply.choices[0].message.content == "Echo: s2s"
        no_user = openai.OpenAI(
            base_url=f"{tenant.gateway.url}/v1", api_key=tenant.api_key, max_retries=0
        )
        with pytest.raises(openai.AuthenticationError, match="X-End-User-Id"):
            no_user.models.list()
    finally:
        tenant.admin(
            "PATCH", f"/projects/{tenant.project_id}", {"settings": {"allow_api_key_access": False}}
        )


def test_revoking_the_key_revokes_it_and_its_tokens(tenant: Tenant) -> None:
    status, key, _ = tenant.admin("POST", f"/projects/{tenant.project_id}/keys", {"name": "doomed"})
    assert status == 201
    status, token, _ = http(
        "POST", f"{tenant.gateway.url}/v1/auth/mint", {"user_id": "u"}, token=key["key"]
    )  # type: ignore[index]
    assert status == 200
    client = openai.OpenAI(
        base_url=f"{tenant.gateway.url}/v1", api_key=token["access_token"], max_retries=0
    )  # type: ignore[index]
    assert client.models.list().data
    tenant.admin("DELETE", f"/projects/{tenant.project_id}/keys/{key['id']}")  # type: ignore[index]
    with pytest.raises(openai.AuthenticationError, match="revoked"):
        client.models.list()
    status, body, _ = http(
        "POST", f"{tenant.gateway.url}/v1/auth/mint", {"user_id": "u"}, token=key["key"]
    )  # type: ignore[index]
    assert status == 401 and "revoked" in body["error"]["message"]  # type: ignore[index]


def test_provider_key_never_appears_in_responses_or_logs(tenant: Tenant) -> None:
    _, listed, _ = tenant.admin("GET", f"/projects/{tenant.project_id}/credentials")
    assert tenant.provider_key not in json.dumps(listed)
    tenant.fault(status=401, remaining=1)
    with pytest.raises(openai.APIStatusError) as failed:
        tenant.client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
    assert tenant.provider_key not in failed.value.response.text
    assert failed.value.status_code == 502  # the gateway's credential, not the caller's
    assert (
        tenant.last_upstream_request()["headers"]["Authorization"]
        == f"Bearer {tenant.provider_key}"
    )  # type: ignore[index]
    log = tenant.gateway.log()
    assert log  # DEBUG logging was on
    assert tenant.provider_key not in log
    assert tenant.api_key not in log


def test_cors_only_for_the_projects_origins(tenant: Tenant) -> None:
    tenant.admin(
        "PATCH",
        f"/projects/{tenant.project_id}",
        {"settings": {"cors_origins": ["https://app.example"]}},
    )
    token = tenant.mint()["access_token"]
    url = f"{tenant.gateway.url}/v1/models"
    status, _, headers = http(
        "OPTIONS",
        url,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert status == 204 and headers["access-control-allow-origin"] == "https://app.example"
    _, _, headers = http("GET", url, token=token, headers={"Origin": "https://app.example"})
    assert headers["access-control-allow-origin"] == "https://app.example"
    _, _, headers = http("GET", url, token=token, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in headers


def test_unknown_route_and_admin_without_token(tenant: Tenant) -> None:
    status, body, headers = http("GET", f"{tenant.gateway.url}/v1/nope")
    assert status == 404 and body["error"]["code"] == "unknown_url" and headers["x-request-id"]  # type: ignore[index]
    status, _, _ = http("GET", f"{tenant.gateway.url}/admin/v1/projects", token="wrong")
    assert status == 401


def test_jwks_and_openapi_are_public(tenant: Tenant) -> None:
    status, jwks, _ = http("GET", f"{tenant.gateway.url}/.well-known/jwks.json")
    assert status == 200 and jwks["keys"][0]["alg"] == "EdDSA"  # type: ignore[index]
    status, spec, _ = http("GET", f"{tenant.gateway.url}/openapi.json")
    assert status == 200 and spec["openapi"] == "3.1.0"  # type: ignore[index]


def test_unknown_key_id_and_wrong_secret_are_refused_alike(tenant: Tenant) -> None:
    prefix, _, secret = tenant.api_key.rpartition("_")
    head, _, key_id = prefix.rpartition("_")
    wrong_secret = f"{prefix}_{'x' * len(secret)}"
    unknown_id = f"{head}_{'y' * len(key_id)}_{secret}"
    answers = [
        http("POST", f"{tenant.gateway.url}/v1/auth/mint", {"user_id": "u"}, token=key)[:2]
        for key in (wrong_secret, unknown_id)
    ]
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
