"""Whatever the replies and however the socket cuts them into reads, each caller of the
lean Redis client gets the reply to its own command (a pipeline: its own replies)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.limits.resp import Connection, ReplyError

Reply = bytes | int | None | list[Any] | ReplyError

scalars = st.one_of(
    st.binary(max_size=40),
    st.integers(-(2**63), 2**63 - 1),
    st.none(),
    st.from_regex(r"\A[A-Z]{2,8} [ -~]{0,30}\Z").map(ReplyError),
)
replies = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=12)


def encode(reply: Reply) -> bytes:
    if isinstance(reply, bytes):
        return b"$%d\r\n%s\r\n" % (len(reply), reply)
    if isinstance(reply, bool | int):
        return b":%d\r\n" % reply
    if reply is None:
        return b"$-1\r\n"
    if isinstance(reply, ReplyError):
        return b"-%s\r\n" % str(reply).encode()
    return b"*%d\r\n" % len(reply) + b"".join(encode(item) for item in reply)


def same(got: Any, want: Reply) -> bool:
    if isinstance(want, ReplyError):
        return isinstance(got, ReplyError) and str(got) == str(want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(same, got, want))
    return bool(got == want) and type(got) is type(want)


class Wire(asyncio.Transport):
    def write(self, data: bytes | bytearray | memoryview) -> None:
        pass

    def close(self) -> None:
        pass


@given(
    batches=st.lists(st.lists(replies, min_size=1, max_size=3), min_size=1, max_size=12),
    cuts=st.lists(st.integers(0, 10_000), max_size=30),
)
def test_each_caller_gets_its_own_replies(batches: list[list[Reply]], cuts: list[int]) -> None:
    loop = asyncio.new_event_loop()
    try:
        connection = Connection(loop, timeout=60.0)
        connection.connection_made(Wire())
        futures = [connection.send(b"", len(batch)) for batch in batches]
        stream = b"".join(encode(reply) for batch in batches for reply in batch)
        points = sorted({cut % (len(stream) + 1) for cut in cuts} | {0, len(stream)})
        for start, end in itertools.pairwise(points):
            connection.data_received(stream[start:end])
        for future, batch in zip(futures, batches, strict=True):
            assert future.done() and all(map(same, future.result(), batch))
        connection.close()
    finally:
        loop.close()
