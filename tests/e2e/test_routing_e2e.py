"""Routing through the real gateway and the fault-injecting mocks: the default model,
fallback chains across providers, retries within the deadline, circuit breakers.

One gateway, one mock per provider; each test sets the project's routing settings it
needs through the admin API and reads the ``x-behest-route`` header.
"""

from __future__ import annotations

import http.client as http_client
import json
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import openai
import pytest
from provider_fixtures import ADMIN, Gateway, providers_gateway

from servers import free_port, http, start_mock

__all__ = ["providers_gateway"]  # the fixture, imported for pytest

HELLO: Any = [{"role": "user", "content": "say hello"}]
NO_BREAKER = {"enabled": False}
CHAIN = {"gpt-4o-mini": ["claude-sonnet-4-5", "gemini-2.5-flash"]}


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

    def chat(self, token: str | None = None, **body: object) -> tuple[int, Any, dict[str, str]]:
        return http(
            "POST",
            f"{self.gateway.process.url}/v1/chat/completions",
            {"messages": HELLO, **body},
            token=token or self.gateway.client().api_key,
        )

    def stream(self, **body: object) -> tuple[dict[str, str], list[str]]:
        """The response headers and the SSE data lines of a streamed chat."""
        token = self.gateway.client().api_key
        request = urllib.request.Request(
            f"{self.gateway.process.url}/v1/chat/completions",
            data=json.dumps({"messages": HELLO, "stream": True, **body}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            try:
                raw = response.read()
            except http_client.IncompleteRead as broken:
                raw = broken.partial
        lines = [line[6:] for line in raw.decode().splitlines() if line.startswith("data: ")]
        return headers, lines

    def seen(self, provider: str) -> int:
        _, body, _ = http("GET", f"{self.gateway.mocks[provider].url}/__mock__/last_request")
        return int(body["requests_seen"])


@pytest.fixture
def routed(providers_gateway: Gateway) -> Iterator[Routed]:
    routed = Routed(providers_gateway)
    routed.settings(breaker=NO_BREAKER)  # breaker tests turn it on for themselves
    yield routed
    for provider in providers_gateway.mocks:
        providers_gateway.fault(provider, clear=True)
    routed.settings(
        default_model=None,
        fallbacks={},
        retries={},
        timeouts={},
        breaker={},
        auto={},
        routes={},
        price_overrides={},
        limits={},
        load_balance={},
    )


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


_BEFORE_FIRST_BYTE = {
    "500": ({"status": 500}, "fallback:upstream_500", {}),
    "503": ({"status": 503}, "fallback:upstream_503", {}),
    "429": ({"status": 429}, "fallback:upstream_429", {}),
    "timeout": ({"latency_ms": 3000}, "fallback:timeout", {"first_byte_s": 0.5}),
    "reset": ({"drop_connection": True}, "fallback:reset", {}),
}


@pytest.mark.parametrize("fault", list(_BEFORE_FIRST_BYTE))
def test_a_failing_first_target_falls_back_across_providers(routed: Routed, fault: str) -> None:
    injected, reason, timeouts = _BEFORE_FIRST_BYTE[fault]
    routed.settings(fallbacks=CHAIN, timeouts=timeouts)
    routed.gateway.fault("openai", remaining=1, **injected)
    status, body, headers = routed.chat(model="gpt-4o-mini")
    assert status == 200, body
    assert body["choices"][0]["message"]["content"] == "Echo: say hello"
    route = _route(headers)
    assert route == {
        "model": "claude-sonnet-4-5",
        "provider": "anthropic",
        "attempts": "2",
        "reason": reason,
    }


@pytest.mark.parametrize(
    "injected", [{"status": 500}, {"break_after_chunks": 0}, {"error_event_after_chunks": 0}]
)
def test_a_stream_failing_before_its_first_chunk_falls_back(
    routed: Routed, injected: dict[str, object]
) -> None:
    routed.settings(fallbacks=CHAIN)
    routed.gateway.fault("openai", remaining=1, **injected)
    headers, lines = routed.stream(model="gpt-4o-mini")
    assert _route(headers)["provider"] == "anthropic"
    assert lines[-1] == "[DONE]"
    text = "".join(
        (chunk["choices"] or [{}])[0].get("delta", {}).get("content") or ""
        for chunk in map(json.loads, lines[:-1])
    )
    assert text == "Echo: say hello"


def test_a_hang_after_the_first_byte_breaks_the_stream_without_a_second_answer(
    routed: Routed,
) -> None:
    routed.settings(fallbacks=CHAIN, timeouts={"idle_s": 0.5})
    before = routed.seen("anthropic")
    routed.gateway.fault("openai", remaining=1, chunk_delay_ms=3000)
    headers, lines = routed.stream(model="gpt-4o-mini")
    assert _route(headers)["provider"] == "openai"
    assert "error" in json.loads(lines[-1])  # one error frame, no [DONE]
    assert "[DONE]" not in lines
    assert routed.seen("anthropic") == before  # nobody else was asked


def test_the_default_model_has_its_own_chain(routed: Routed) -> None:
    routed.settings(default_model="gpt-4o-mini", fallbacks={"default": ["gemini-2.5-flash"]})
    routed.gateway.fault("openai", remaining=1, status=500)
    status, body, headers = routed.chat()
    assert status == 200, body
    assert _route(headers) == {
        "model": "gemini-2.5-flash",
        "provider": "gemini",
        "attempts": "2",
        "reason": "fallback:upstream_500",
    }
    status, _, headers = routed.chat()
    assert status == 200 and _route(headers)["reason"] == "default_model"


def test_when_every_target_fails_the_last_error_says_how_far_it_got(routed: Routed) -> None:
    routed.settings(fallbacks={"gpt-4o-mini": ["gemini-2.5-flash"]})
    routed.gateway.fault("openai", remaining=1, status=500)
    routed.gateway.fault("gemini", remaining=1, status=503)
    status, body, headers = routed.chat(model="gpt-4o-mini")
    assert status == 503, body
    assert headers["x-behest-route"] == "attempts=2; reason=exhausted:upstream_503"


def test_a_503_is_retried_in_place_within_the_retries(routed: Routed) -> None:
    routed.settings(fallbacks=CHAIN, retries={"max": 2, "base_ms": 10, "max_ms": 100})
    routed.gateway.fault("openai", remaining=2, status=503)
    status, _, headers = routed.chat(model="gpt-4o-mini")
    assert status == 200
    assert _route(headers) == {
        "model": "gpt-4o-mini",
        "provider": "openai",
        "attempts": "3",
        "reason": "retry:upstream_503",
    }


def test_a_retry_after_beyond_the_cap_falls_back_at_once(routed: Routed) -> None:
    routed.settings(fallbacks=CHAIN, retries={"max": 2, "max_ms": 1000})
    routed.gateway.fault("openai", remaining=1, status=429, retry_after="30")
    token = routed.gateway.client().api_key
    started = time.monotonic()
    status, _, headers = routed.chat(token, model="gpt-4o-mini")
    assert status == 200 and time.monotonic() - started < 2
    assert _route(headers)["reason"] == "fallback:upstream_429"


def test_retries_never_exceed_the_deadline(routed: Routed) -> None:
    routed.settings(retries={"max": 10, "base_ms": 200, "max_ms": 400}, timeouts={"total_s": 1})
    routed.gateway.fault("openai", status=503)
    token = routed.gateway.client().api_key  # minted before the clock starts
    started = time.monotonic()
    status, _, headers = routed.chat(token, model="gpt-4o-mini")
    elapsed = time.monotonic() - started
    # unbounded, this schedule (10 retries, 0.2 s doubling to 0.4 s) would take about 3.6 s;
    # the deadline ends it during a backoff (the upstream's 503) or during an attempt (504)
    assert status in (503, 504) and elapsed < 2.0, (elapsed, headers.get("x-behest-route"))
    attempts = int(headers["x-behest-route"].split(";")[0].split("=")[1])
    assert 1 < attempts < 11


def test_a_breaker_opens_skips_the_dead_target_and_closes_after_recovery(routed: Routed) -> None:
    routed.settings(fallbacks=CHAIN, breaker={"failures": 2, "cooldown_s": 1})
    routed.gateway.fault("openai", status=500)
    for _ in range(2):
        assert _route(routed.chat(model="gpt-4o-mini")[2])["reason"] == "fallback:upstream_500"
    seen, token = routed.seen("openai"), routed.gateway.client().api_key
    started = time.monotonic()
    status, _, headers = routed.chat(token, model="gpt-4o-mini")
    assert status == 200 and time.monotonic() - started < 1
    assert _route(headers)["reason"] == "fallback:breaker_open"
    assert routed.seen("openai") == seen  # skipped: the dead target got no call
    _, breakers, _ = routed.admin("GET", f"/projects/{routed.project_id}/breakers")
    [openai_breaker] = [b for b in breakers["data"] if b["model"] == "gpt-4o-mini"]
    assert openai_breaker["state"] == "open" and openai_breaker["times_opened"] == 1
    routed.gateway.fault("openai", clear=True)
    time.sleep(1.1)
    status, _, headers = routed.chat(model="gpt-4o-mini")  # the half-open probe
    assert status == 200 and _route(headers)["reason"] == "primary"
    _, breakers, _ = routed.admin("GET", "/breakers")
    assert [b["state"] for b in breakers["data"] if b["model"] == "gpt-4o-mini"] == ["closed"]


def test_weights_spread_load_over_two_credentials_of_one_model(
    routed: Routed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    second = start_mock("openai", tmp_path_factory.mktemp("second-openai"))
    path = f"/projects/{routed.project_id}/credentials"
    credential = {
        "name": "openai-b",
        "provider": "openai",
        "base_url": second.url + "/v1",
        "api_key": "mock-key-b",
        "models": ["gpt-4o-mini"],
    }
    status, added, _ = routed.admin("POST", path, credential)
    assert status == 201, added
    try:
        routed.settings(load_balance={"strategy": "weighted", "weights": {"openai-b": 3}})
        first, seen_b = routed.seen("openai"), 0
        for _ in range(120):
            status, _, _ = routed.chat(model="gpt-4o-mini")
            assert status == 200
        _, body, _ = http("GET", f"{second.url}/__mock__/last_request")
        seen_b = int(body["requests_seen"])
        assert seen_b + routed.seen("openai") - first == 120
        assert abs(seen_b / 120 - 0.75) < 0.12, seen_b  # 3 : 1, stated tolerance ±12 points
    finally:
        routed.admin("DELETE", f"{path}/{added['id']}")
        routed.settings(load_balance={})
        second.stop()


def test_admission_moves_to_the_next_credential_when_the_first_is_at_its_limit(
    routed: Routed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    second = start_mock("openai", tmp_path_factory.mktemp("limited-openai"))
    path = f"/projects/{routed.project_id}/credentials"
    credential = {
        "name": "openai-limited",
        "provider": "openai",
        "base_url": second.url + "/v1",
        "api_key": "mock-key-limited",
        "models": ["gpt-4o-mini"],
    }
    status, added, _ = routed.admin("POST", path, credential)
    assert status == 201, added
    _, listed, _ = routed.admin("GET", path)
    [first] = [c for c in listed["data"] if c["provider"] == "openai" and c["id"] != added["id"]]
    try:
        routed.settings(
            load_balance={"strategy": "weighted", "weights": {"openai-limited": 1000}},
            limits={"credentials": {added["id"]: {"rpm": 2}, first["id"]: {"rpm": 2}}},
        )
        before = routed.seen("openai")
        answers = [routed.chat(model="gpt-4o-mini") for _ in range(6)]
        _, body, _ = http("GET", f"{second.url}/__mock__/last_request")
        # the limited credential is tried first (1000 : 1); once its 2 a minute are used,
        # admission moves on to the other credential, and refuses once both are full
        assert int(body["requests_seen"]) == 2 and routed.seen("openai") - before == 2
        statuses = [status for status, _, _ in answers]
        assert statuses.count(200) == 4 and statuses[-2:] == [429, 429], statuses
        refused = answers[-1][2]
        assert refused["x-ratelimit-limit-requests"] == "2" and "retry-after" in refused
    finally:
        routed.admin("DELETE", f"{path}/{added['id']}")
        routed.settings(load_balance={}, limits={})
        second.stop()


def test_a_refused_connection_is_retried_then_falls_back(routed: Routed) -> None:
    path = f"/projects/{routed.project_id}/credentials"
    dead = {
        "name": "dead",
        "provider": "openai",
        "base_url": f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
        "api_key": "sk-dead",
        "models": ["gpt-4o-mini"],
    }
    status, added, _ = routed.admin("POST", path, dead)
    assert status == 201, added
    try:
        routed.settings(
            fallbacks={"dead/gpt-4o-mini": ["claude-sonnet-4-5"]},
            retries={"max": 1, "base_ms": 10, "max_ms": 50},
        )
        status, _, headers = routed.chat(model="dead/gpt-4o-mini")
        assert status == 200
        assert _route(headers) == {
            "model": "claude-sonnet-4-5",
            "provider": "anthropic",
            "attempts": "3",  # refused, retried in place (it never got the request), moved on
            "reason": "fallback:connect",
        }
    finally:
        routed.admin("DELETE", f"{path}/{added['id']}")


def test_a_stream_past_its_total_deadline_is_cut_with_an_error_frame(routed: Routed) -> None:
    routed.settings(timeouts={"total_s": 1})
    routed.gateway.fault("openai", remaining=1, chunk_delay_ms=400)
    started = time.monotonic()
    _, lines = routed.stream(model="gpt-4o-mini")
    assert time.monotonic() - started < 2
    assert "error" in json.loads(lines[-1]) and "[DONE]" not in lines


# -- smart routing: model "auto" and named routes -----------------------------------------

AUTO = {
    "candidates": [
        "openai/gpt-4o",
        "anthropic/claude-haiku-4-5",
        "gemini-2.5-flash",
        "openai/o1-mini",
        "gpt-4o-mini",
    ],
    "prefer": "cost",
}
# the project's price for o1-mini makes it the cheapest; it has no tools and no vision
O1_PRICE = {"o1-mini": {"input": 0.05, "output": 0.2}}
CHEAP_VISION = {"candidates": ["openai/o1-mini", "anthropic/claude-haiku-4-5"]}
TOOLS: Any = [
    {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
    }
]
PIXEL = (  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)
IMAGE: Any = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is in this picture?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        ],
    }
]


@pytest.fixture
def smart(routed: Routed) -> Routed:
    routed.settings(auto=AUTO, routes={"cheap-vision": CHEAP_VISION}, price_overrides=O1_PRICE)
    return routed


def _raw(routed: Routed, **body: Any) -> tuple[Any, dict[str, str]]:
    """The SDK's parsed answer and the response headers."""
    raw = routed.gateway.client().chat.completions.with_raw_response.create(**body)
    return raw.parse(), {k.lower(): v for k, v in raw.headers.items()}


def test_without_the_setting_auto_is_an_unknown_model(routed: Routed) -> None:
    status, body, _ = routed.chat(model="auto")
    assert status == 404 and body["error"]["code"] == "model_not_found"
    assert "auto" not in {m.id for m in routed.gateway.client().models.list()}


@pytest.mark.parametrize(
    ("auto", "param"),
    [
        ({"candidates": ["gpt-4o", "my-model-7b"]}, "auto.candidates"),
        ({"candidates": []}, "auto.candidates"),
        ({"candidates": ["gpt-4o"], "prefer": "fastest"}, "auto.prefer"),
    ],
)
def test_a_bad_auto_setting_is_a_400_from_the_admin_api(
    routed: Routed, auto: dict[str, Any], param: str
) -> None:
    path = f"/projects/{routed.project_id}"
    status, body, _ = routed.admin("PATCH", path, {"settings": {"auto": auto}})
    assert status == 400 and body["error"]["param"] == param, body
    assert param in body["error"]["message"]


def test_auto_serves_a_plain_request_with_the_cheapest_candidate(smart: Routed) -> None:
    answer, headers = _raw(smart, model="auto", messages=HELLO)
    assert answer.choices[0].message.content == "Echo: say hello"
    assert answer.model == "o1-mini"
    assert _route(headers) == {
        "model": "o1-mini",
        "provider": "openai",
        "attempts": "1",
        "reason": "auto:cost",
    }
    listed = {m.id: m for m in smart.gateway.client().models.list()}
    assert getattr(listed["auto"], "route", None) == {
        "candidates": AUTO["candidates"],
        "prefer": "cost",
    }
    assert listed["cheap-vision"].owned_by == "behest"


def test_tools_go_to_the_cheapest_candidate_with_tools(smart: Routed) -> None:
    answer, headers = _raw(smart, model="auto", messages=HELLO, tools=TOOLS)
    assert answer.model == "gpt-4o-mini"
    assert _route(headers)["reason"] == "auto:cost(needs=tools)"
    assert smart.gateway.last_request("openai")["tools"][0]["function"]["name"] == "lookup"


def test_an_image_goes_to_a_vision_model(smart: Routed) -> None:
    _, headers = _raw(smart, model="cheap-vision", messages=IMAGE)
    assert _route(headers) == {
        "model": "claude-haiku-4-5",
        "provider": "anthropic",
        "attempts": "1",
        "reason": "auto:cost(needs=vision)",
    }
    image = smart.gateway.last_request("anthropic")["messages"][0]["content"][1]
    assert image["type"] == "image" and image["source"]["data"] == PIXEL
    _, headers = _raw(smart, model="auto", messages=IMAGE, stream=True)
    assert _route(headers)["model"] == "gpt-4o-mini"
    assert _route(headers)["reason"] == "auto:cost(needs=vision+stream)"


def test_a_long_prompt_goes_to_a_window_that_holds_it(smart: Routed) -> None:
    long = [{"role": "user", "content": "word " * 120_000}]  # ~150k tokens: beyond 128k
    answer, headers = _raw(smart, model="auto", messages=long, max_tokens=16)
    assert _route(headers)["model"] == "gemini-2.5-flash"  # 1M tokens, cheaper than haiku
    assert answer.choices[0].message.content


def test_when_no_candidate_fits_the_400_says_why_for_each(smart: Routed) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        smart.gateway.client().chat.completions.create(
            model="auto", messages=HELLO, max_tokens=100_000
        )
    error = raised.value
    assert error.code == "no_model_fits" and error.param == "model"
    for candidate in AUTO["candidates"]:
        assert f"{candidate}: max output" in error.message


def test_the_usage_record_keeps_the_served_model_and_the_reason(smart: Routed) -> None:
    _, headers = _raw(smart, model="auto", messages=HELLO, tools=TOOLS)
    record = _usage_record(smart, headers["x-request-id"])
    assert (record["model_requested"], record["model_served"]) == ("auto", "gpt-4o-mini")
    assert (record["route"], record["attempts"]) == ("auto:cost(needs=tools)", 1)
    _, report, _ = smart.admin("GET", f"/projects/{smart.project_id}/usage?group_by=model")
    by_model = {row["model"]: row for row in report["data"]}
    assert by_model["gpt-4o-mini"]["requests"] > by_model["gpt-4o-mini"]["errors"]
    # what auto served is booked under the model that served it; only the calls that no
    # model served (refused: no candidate fits, or before the setting) stay under "auto"
    refused = by_model.get("auto", {"requests": 0, "errors": 0})
    assert refused["requests"] == refused["errors"]


def test_a_failing_first_choice_falls_back_to_the_next_candidate(smart: Routed) -> None:
    smart.gateway.fault("openai", remaining=1, status=503, match_model="o1-mini")
    answer, headers = _raw(smart, model="auto", messages=HELLO)
    assert answer.model == "gpt-4o-mini"
    assert _route(headers) == {
        "model": "gpt-4o-mini",
        "provider": "openai",
        "attempts": "2",
        "reason": "auto:cost,fallback:upstream_503",
    }


def _usage_record(routed: Routed, request_id: str) -> dict[str, Any]:
    """The raw usage record of one request, once the gateway has written it."""
    database = Path(routed.gateway.process.env["BEHEST_DATA_DIR"]) / "behest.db"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(database)) as connection:
            connection.row_factory = sqlite3.Row
            row = connection.execute(
                "SELECT * FROM usage_records WHERE request_id = ?", (request_id,)
            ).fetchone()
        if row is not None:
            return dict(row)
        time.sleep(0.1)
    raise AssertionError(f"no usage record for {request_id}")
