"""behest's response headers, typed."""

from __future__ import annotations

import httpx2
import openai
import pytest
from fake_gateway import BASE, KEY, FakeGateway

from behest import Behest, behest_headers
from behest.sdk.headers import parse_duration, parse_guard

FULL = {
    "x-request-id": "req_1",
    "x-thread-id": "thr_1",
    "x-behest-guard": "pii=email:2,phone:1;action=redact;injection=0.12",
    "x-ratelimit-limit-requests": "50",
    "x-ratelimit-remaining-requests": "49",
    "x-ratelimit-reset-requests": "1.2s",
    "x-ratelimit-limit-tokens": "100000",
    "x-ratelimit-remaining-tokens": "99990",
    "x-ratelimit-reset-tokens": "6m0s",
}


def test_every_behest_header_is_read() -> None:
    headers = behest_headers(FULL)
    assert (headers.request_id, headers.thread_id) == ("req_1", "thr_1")
    assert (headers.requests.limit, headers.requests.remaining) == (50, 49)
    assert headers.requests.reset_s == pytest.approx(1.2)
    assert (headers.tokens.limit, headers.tokens.remaining) == (100000, 99990)
    assert headers.tokens.reset_s == 360
    assert headers.guard is not None and headers.guard.pii == {"email": 2, "phone": 1}
    assert (headers.guard.action, headers.guard.injection) == ("redact", 0.12)
    assert headers.retry_after_s is None


def test_absent_headers_are_none() -> None:
    headers = behest_headers({})
    assert headers.request_id is None and headers.guard is None
    assert headers.requests.limit is None and headers.tokens.reset_s is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("20ms", 0.02), ("0s", 0.0), ("1.5s", 1.5), ("6m0s", 360.0), ("1h2m3s", 3723.0)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_nonsense_is_none() -> None:
    assert parse_duration("soon") is None
    assert behest_headers({"x-ratelimit-limit-requests": "many"}).requests.limit is None


def test_a_guard_that_found_nothing() -> None:
    report = parse_guard("pii=none;action=none")
    assert report is not None and report.pii == {} and report.injection is None


def test_a_raw_response_and_a_rate_limit_error_carry_them(gateway: FakeGateway) -> None:
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    raw = behest.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "x"}], user_id="u1"
    )
    assert behest_headers(raw).request_id == "req_1"
    assert behest_headers(raw).requests.limit == 10
    response = httpx2.Response(
        429,
        headers={"retry-after": "2", "retry-after-ms": "1500"},
        request=httpx2.Request("POST", BASE),
    )
    limited = openai.RateLimitError("slow down", response=response, body=None)
    assert behest_headers(limited).retry_after_s == 1.5
