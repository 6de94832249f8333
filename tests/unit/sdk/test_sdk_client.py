"""Behest over a fake gateway: parameters become headers, tokens are reused and refreshed."""

from __future__ import annotations

import openai
import pytest
from fake_gateway import BASE, KEY, FakeClock, FakeGateway

from behest import Behest

HELLO = [{"role": "user", "content": "hello"}]


def make(gateway: FakeGateway, clock: FakeClock | None = None, **options: object) -> Behest:
    extra = {} if clock is None else {"clock": clock}
    return Behest(KEY, base_url=BASE, http_client=gateway.sync_client(), **extra, **options)  # type: ignore[arg-type]


def test_user_and_thread_become_the_token_and_headers_the_rest_passes_through(
    gateway: FakeGateway,
) -> None:
    behest = make(gateway)
    reply = behest.chat.completions.create(
        model="gpt-4o-mini", messages=HELLO, user_id="u1", thread_id="thr_1", temperature=0.5
    )
    assert reply.choices[0].message.content == "tok-1"  # the fake echoes the bearer token
    assert gateway.mints == [{"user_id": "u1", "authorization": f"Bearer {KEY}"}]
    sent = gateway.calls[0]
    assert sent.headers["x-thread-id"] == "thr_1"
    assert sent.headers["x-session-id"] == "sess_generated"
    assert b'"temperature":0.5' in sent.content and b"user_id" not in sent.content
    assert b"thread_id" not in sent.content


def test_a_session_asked_for_is_minted_and_sent(gateway: FakeGateway) -> None:
    make(gateway).chat.completions.create(
        model="m", messages=HELLO, user_id="u1", session_id="sess_mine"
    )
    assert gateway.mints[0]["session_id"] == "sess_mine"
    assert gateway.calls[0].headers["x-session-id"] == "sess_mine"


def test_extra_headers_of_the_caller_are_kept_beside_the_thread(gateway: FakeGateway) -> None:
    make(gateway).chat.completions.create(
        model="m", messages=HELLO, user_id="u1", thread_id="t", extra_headers={"X-Mine": "1"}
    )
    assert gateway.calls[0].headers["x-mine"] == "1"
    assert gateway.calls[0].headers["x-thread-id"] == "t"


def test_one_mint_per_user_until_the_refresh_margin(gateway: FakeGateway, clock: FakeClock) -> None:
    behest = make(gateway, clock)
    for _ in range(5):
        behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    behest.chat.completions.create(model="m", messages=HELLO, user_id="u2")
    assert [m["user_id"] for m in gateway.mints] == ["u1", "u2"]
    clock.now += 871  # within 30 s of the 900 s expiry
    reply = behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    assert reply.choices[0].message.content == "tok-3"
    assert gateway.mints[-1] == {
        "user_id": "u1",
        "session_id": "sess_generated",  # the refresh keeps the session
        "authorization": f"Bearer {KEY}",
    }


def test_token_expired_drops_the_token_mints_once_and_retries_once(gateway: FakeGateway) -> None:
    behest = make(gateway)
    behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    gateway.expired.add("tok-1")
    reply = behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    assert reply.choices[0].message.content == "tok-2"
    assert len(gateway.mints) == 2 and len(gateway.calls) == 3


def test_a_second_token_expired_is_raised_not_retried_again(gateway: FakeGateway) -> None:
    behest = make(gateway, max_retries=0)
    gateway.expired.update({"tok-1", "tok-2", "tok-3"})
    with pytest.raises(openai.AuthenticationError) as refused:
        behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    assert refused.value.code == "token_expired"
    assert len(gateway.mints) == 2 and len(gateway.calls) == 2


def test_other_401s_are_raised_at_once(gateway: FakeGateway) -> None:
    gateway.refuse_calls_with = "revoked_api_key"
    with pytest.raises(openai.AuthenticationError) as refused:
        make(gateway).chat.completions.create(model="m", messages=HELLO, user_id="u1")
    assert refused.value.code == "revoked_api_key"
    assert len(gateway.mints) == 1 and len(gateway.calls) == 1


def test_a_stream_manager_is_refreshed_on_entry(gateway: FakeGateway) -> None:
    behest = make(gateway)
    behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    gateway.expired.add("tok-1")
    with behest.chat.completions.with_streaming_response.create(
        model="m", messages=HELLO, user_id="u1"
    ) as response:
        assert response.http_request.headers["authorization"] == "Bearer tok-2"
    assert len(gateway.mints) == 2


def test_a_call_without_a_user_says_how_to_name_one(gateway: FakeGateway) -> None:
    with pytest.raises(TypeError, match="user_id"):
        make(gateway).chat.completions.create(model="m", messages=HELLO)
    assert gateway.mints == []


def test_an_empty_user_id_is_refused_not_taken_for_the_default_user(
    gateway: FakeGateway,
) -> None:
    for behest in (make(gateway), make(gateway, user_id="app-user")):
        with pytest.raises(ValueError, match="empty user_id"):
            behest.chat.completions.create(model="m", messages=HELLO, user_id="")
        with pytest.raises(ValueError, match="empty user_id"):
            behest.models.list(user_id="")
        with pytest.raises(ValueError, match="empty user_id"):
            behest.as_user("")
    with pytest.raises(ValueError, match="empty user_id"):
        make(gateway, user_id="").chat.completions.create(model="m", messages=HELLO)
    assert gateway.mints == []


def test_a_default_user_serves_calls_that_name_none(gateway: FakeGateway) -> None:
    make(gateway, user_id="app-user").chat.completions.create(model="m", messages=HELLO)
    assert gateway.mints[0]["user_id"] == "app-user"


def test_as_user_is_the_official_client_with_the_users_token(gateway: FakeGateway) -> None:
    client = make(gateway).as_user("u1", thread_id="t")
    assert isinstance(client, openai.OpenAI)
    client.chat.completions.create(model="m", messages=HELLO)  # type: ignore[arg-type]
    assert gateway.calls[0].headers["authorization"] == "Bearer tok-1"
    assert gateway.calls[0].headers["x-thread-id"] == "t"


def test_unknown_attributes_are_not_invented(gateway: FakeGateway) -> None:
    with pytest.raises(AttributeError):
        make(gateway).chatt  # noqa: B018


def test_tokens_mint_is_a_fresh_token_for_an_apps_endpoint(gateway: FakeGateway) -> None:
    behest = make(gateway)
    first = behest.tokens.mint("u1", expires_in=60)
    second = behest.tokens.mint("u1", "sess_x")
    assert (first.access_token, first.session_id) == ("tok-1", "sess_generated")
    assert second.session_id == "sess_x"
    assert gateway.mints[0]["expires_in"] == 60
