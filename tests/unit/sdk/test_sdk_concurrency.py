"""Under concurrency each user is minted once: an asyncio lock (or a thread lock) per user."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fake_gateway import BASE, KEY, FakeGateway

from behest import AsyncBehest, Behest

HELLO = [{"role": "user", "content": "hello"}]


def make_async(gateway: FakeGateway) -> AsyncBehest:
    return AsyncBehest(KEY, base_url=BASE, http_client=gateway.async_client())


async def ask(behest: AsyncBehest, user: str) -> Any:
    return await behest.chat.completions.create(model="m", messages=HELLO, user_id=user)


async def test_100_concurrent_calls_of_one_user_mint_once(gateway: FakeGateway) -> None:
    gateway.mint_delay_s = 0.05  # every task arrives while the first mint is in flight
    behest = make_async(gateway)
    replies = await asyncio.gather(
        *(
            behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
            for _ in range(100)
        )
    )
    assert {r.choices[0].message.content for r in replies} == {"tok-1"}
    assert len(gateway.mints) == 1 and len(gateway.calls) == 100


async def test_100_concurrent_calls_over_10_users_mint_10_times(gateway: FakeGateway) -> None:
    gateway.mint_delay_s = 0.05
    behest = make_async(gateway)
    await asyncio.gather(
        *(
            behest.chat.completions.create(model="m", messages=HELLO, user_id=f"u{i % 10}")
            for i in range(100)
        )
    )
    assert sorted(m["user_id"] for m in gateway.mints) == sorted(f"u{i}" for i in range(10))


async def test_concurrent_token_expired_refusals_mint_once_more(gateway: FakeGateway) -> None:
    behest = make_async(gateway)
    await behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
    gateway.expired.add("tok-1")
    gateway.mint_delay_s = 0.05
    replies = await asyncio.gather(
        *(
            behest.chat.completions.create(model="m", messages=HELLO, user_id="u1")
            for _ in range(20)
        )
    )
    assert {r.choices[0].message.content for r in replies} == {"tok-2"}
    assert len(gateway.mints) == 2


@pytest.mark.parametrize("users", [1, 10])
def test_threads_of_the_sync_client_mint_once_per_user(gateway: FakeGateway, users: int) -> None:
    import time

    original = gateway.answer

    def slow_mints(request):  # type: ignore[no-untyped-def]
        if request.url.path == "/v1/auth/mint":
            time.sleep(0.05)
        return original(request)

    gateway.answer = slow_mints  # type: ignore[method-assign]
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    with ThreadPoolExecutor(32) as pool:
        list(
            pool.map(
                lambda i: behest.chat.completions.create(
                    model="m", messages=HELLO, user_id=f"u{i % users}"
                ),
                range(100),
            )
        )
    assert len(gateway.mints) == users and len(gateway.calls) == 100


async def test_an_async_stream_manager_is_refreshed_on_entry(gateway: FakeGateway) -> None:
    behest = make_async(gateway)
    await ask(behest, "u1")
    gateway.expired.add("tok-1")
    async with behest.chat.completions.with_streaming_response.create(
        model="m", messages=HELLO, user_id="u1"
    ) as response:
        assert response.http_request.headers["authorization"] == "Bearer tok-2"
    assert len(gateway.mints) == 2


async def test_async_token_expired_is_retried_once(gateway: FakeGateway) -> None:
    behest = make_async(gateway)
    await ask(behest, "u1")
    gateway.expired.add("tok-1")
    reply = await ask(behest, "u1")
    assert reply.choices[0].message.content == "tok-2" and len(gateway.calls) == 3


def test_20000_users_keep_at_most_10000_entries(gateway: FakeGateway) -> None:
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    for i in range(20_000):
        behest.as_user(f"u{i}")
    assert len(behest._users._cache) == 10_000
    assert len(gateway.mints) == 20_000


async def test_a_small_cache_still_mints_each_user_once_under_concurrency(
    gateway: FakeGateway,
) -> None:
    gateway.mint_delay_s = 0.05
    behest = AsyncBehest(KEY, base_url=BASE, http_client=gateway.async_client(), max_users=2)
    await asyncio.gather(*(ask(behest, f"u{i % 10}") for i in range(100)))
    assert sorted(m["user_id"] for m in gateway.mints) == sorted(f"u{i}" for i in range(10))
    assert len(behest._users._cache) == 10  # all ten were minting at once: none was dropped
    await ask(behest, "later")
    assert len(behest._users._cache) == 2
