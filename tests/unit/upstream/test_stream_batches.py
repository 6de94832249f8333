"""A stream's chunks are the same whatever the sizes of the reads that carried them; a long
read is relayed a slice at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from itertools import pairwise
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.providers import adapter_for
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.upstream.dispatch import DECODE_SLICE, OpenStream

TARGET = Target("openai", "openai", "gpt-4o", "http://up/v1", "sk", credential_id="c")
CALL = Call("chat", "gpt-4o", {"model": "gpt-4o", "messages": [], "stream": True})


def _body(words: int) -> bytes:
    chunks = [
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": f"word{n} "}, "finish_reason": None}],
        }
        for n in range(words)
    ]
    frames = b"".join(b"data: " + orjson.dumps(chunk) + b"\n\n" for chunk in chunks)
    return frames + b"data: [DONE]\n\n"


class Reads:
    def __init__(self, reads: list[bytes]) -> None:
        self.reads = reads

    async def chunks(self) -> AsyncIterator[bytes]:
        for read in self.reads:
            yield read


async def _batches(reads: list[bytes]) -> list[list[Any]]:
    adapter = adapter_for("openai")
    response: Any = Reads(reads)
    opened = OpenStream(
        TARGET, adapter, adapter.new_stream(CALL, TARGET), response, AsyncExitStack()
    )
    return [batch async for batch in opened.batches()]


def _cut(body: bytes, cuts: list[int]) -> list[bytes]:
    edges = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    return [body[a:b] for a, b in pairwise(edges)]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0), max_size=12))
async def test_the_chunks_do_not_depend_on_the_reads(cuts: list[int]) -> None:
    body = _body(800)  # longer than DECODE_SLICE
    whole = await _batches([body])

    cut = await _batches(_cut(body, cuts))

    assert [c for batch in cut for c in batch] == [c for batch in whole for c in batch]


async def test_a_long_read_is_relayed_a_slice_at_a_time() -> None:
    body = _body(2000)
    assert len(body) > 4 * DECODE_SLICE

    batches = await _batches([body])

    assert len(batches) >= len(body) // DECODE_SLICE
    assert max(len(orjson.dumps(batch)) for batch in batches) < 2 * DECODE_SLICE
    assert sum(map(len, batches)) == 2000
