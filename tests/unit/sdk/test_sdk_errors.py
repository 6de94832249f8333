"""Set-up errors say what to set; mint failures raise the official SDK's classes."""

from __future__ import annotations

import httpx2
import openai
import pytest
from fake_gateway import BASE, KEY, FakeGateway, error

from behest import AsyncBehest, Behest
from behest.sdk import BehestConfigError, MintReplyError

HELLO = [{"role": "user", "content": "hello"}]


def test_a_missing_key_says_to_set_behest_key_or_pass_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BEHEST_KEY", raising=False)
    with pytest.raises(BehestConfigError, match=r"set BEHEST_KEY .*or pass key="):
        Behest()
    assert issubclass(BehestConfigError, openai.OpenAIError)


def test_a_key_that_is_not_a_project_key_says_so_without_echoing_it() -> None:
    with pytest.raises(BehestConfigError, match="behest_sk_") as refused:
        Behest("sk-proj-openai-secret-value")
    assert "sk-proj-openai-secret-value" not in str(refused.value)


def test_key_and_gateway_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEHEST_KEY", KEY)
    monkeypatch.setenv("BEHEST_BASE_URL", "http://gw.example:8080/v1/")
    behest = Behest()
    assert behest.config.base_url == "http://gw.example:8080"
    assert behest.config.api_url == "http://gw.example:8080/v1"


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "invalid_api_key", openai.AuthenticationError),
        (403, "forbidden", openai.PermissionDeniedError),
        (400, "invalid_request", openai.BadRequestError),
        (429, "rate_limit_exceeded", openai.RateLimitError),
        (500, "internal_error", openai.InternalServerError),
    ],
)
def test_a_refused_mint_raises_the_official_class(
    gateway: FakeGateway, status: int, code: str, kind: type[openai.APIStatusError]
) -> None:
    gateway.mint_reply = lambda _: error(status, code, "Incorrect API key provided.")
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client(), max_retries=0)
    with pytest.raises(kind, match="Incorrect API key provided") as refused:
        behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    assert refused.value.status_code == status and refused.value.code == code
    assert KEY not in str(refused.value) and gateway.calls == []


def test_a_token_expired_at_mint_is_not_retried_as_a_call(gateway: FakeGateway) -> None:
    gateway.mint_reply = lambda _: error(401, "token_expired")
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client(), max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    assert len(gateway.mints) == 1


def test_a_malformed_mint_reply_is_its_own_error(gateway: FakeGateway) -> None:
    gateway.mint_reply = lambda _: httpx2.Response(200, json={"token": "x"})
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    with pytest.raises(MintReplyError):
        behest.tokens.mint("u1")


GOOD = {"access_token": "tok", "expires_in": 900, "session_id": "sess_1"}
MALFORMED = [
    b"[]",
    b"null",
    b'"x"',
    b"not json {",
    b"\xff\xfe",
    b'{"access_token": "", "expires_in": 900, "session_id": "s"}',
    b'{"access_token": 7, "expires_in": 900, "session_id": "s"}',
    b'{"access_token": "tok", "expires_in": true, "session_id": "s"}',
    b'{"access_token": "tok", "expires_in": -5, "session_id": "s"}',
    b'{"access_token": "tok", "expires_in": 0, "session_id": "s"}',
    b'{"access_token": "tok", "expires_in": 9.5, "session_id": "s"}',
    b'{"access_token": "tok", "expires_in": 900, "session_id": ["s"]}',
]


@pytest.mark.parametrize("body", MALFORMED)
def test_every_malformed_mint_reply_is_a_mint_reply_error(
    gateway: FakeGateway, body: bytes
) -> None:
    headers = {"content-type": "application/json"}
    gateway.mint_reply = lambda _: httpx2.Response(200, content=body, headers=headers)
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    with pytest.raises(MintReplyError):
        behest.tokens.mint("u1")
    with pytest.raises(MintReplyError):
        behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")


@pytest.mark.parametrize("body", MALFORMED[:4])
async def test_the_async_client_raises_the_same_mint_reply_error(
    gateway: FakeGateway, body: bytes
) -> None:
    gateway.mint_reply = lambda _: httpx2.Response(200, content=body)
    behest = AsyncBehest(KEY, base_url=BASE, http_client=gateway.async_client())
    with pytest.raises(MintReplyError):
        await behest.tokens.mint("u1")


def test_a_well_formed_mint_reply_is_a_token(gateway: FakeGateway) -> None:
    gateway.mint_reply = lambda _: httpx2.Response(200, json=GOOD)
    token = Behest(KEY, base_url=BASE, http_client=gateway.sync_client()).tokens.mint("u1")
    assert (token.access_token, token.expires_in, token.session_id) == ("tok", 900, "sess_1")
    assert token.token_type == "Bearer"


def test_an_unreachable_gateway_is_a_connection_error() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    client = httpx2.Client(transport=httpx2.MockTransport(refuse))
    behest = Behest(KEY, base_url=BASE, http_client=client, max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
