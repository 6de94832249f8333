"""The SSE decoder: any byte split of a stream gives the same events."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.providers.sse import SSEDecoder, SSEEvent

STREAM = (
    b'event: message_start\r\ndata: {"a":1}\r\n\r\n'
    b": a comment\n\n"
    b"data: line one\ndata: line two\n\n"
    b"data:nospace\r\rdata: [DONE]\n\n"
)
EXPECTED = [
    SSEEvent(b'{"a":1}', "message_start"),
    SSEEvent(b"line one\nline two"),
    SSEEvent(b"nospace"),
    SSEEvent(b"[DONE]"),
]


def _decode(parts: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = [event for part in parts for event in decoder.feed(part)]
    return events + decoder.close()


def test_whole_stream() -> None:
    assert _decode([STREAM]) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_any_split_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    parts = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert _decode(parts) == EXPECTED


def test_a_stream_ending_without_a_blank_line_still_yields_its_last_event() -> None:
    assert _decode([b"data: tail"]) == [SSEEvent(b"tail")]


def _spec(stream: bytes) -> list[SSEEvent]:
    """The WHATWG event-stream rules applied to the whole stream at once (``close`` ends
    it with a blank line)."""
    events: list[SSEEvent] = []
    data: list[bytes] = []
    kind: str | None = None
    for line in re.split(rb"\r\n|\r|\n", stream + b"\n\n")[:-1]:
        if not line:
            if data:
                events.append(SSEEvent(b"\n".join(data), kind))
            data, kind = [], None
            continue
        if line.startswith(b":"):
            continue
        name, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if name == b"data":
            data.append(value)
        elif name == b"event":
            kind = value.decode()
    return events


LINES = st.sampled_from(
    [b"data: x", b"data:y", b"data:  two spaces", b"data: [DONE]", b'data: {"a":1}', b"data",
     b"event: delta", b": comment", b"id: 7", b"retry: 10", b""]
)  # fmt: skip
ENDINGS = st.sampled_from([b"\n", b"\n", b"\n", b"\r\n", b"\r"])


@given(
    st.lists(st.tuples(LINES, ENDINGS), max_size=30),
    st.lists(st.integers(min_value=0, max_value=400), max_size=12),
)
def test_the_decoder_follows_the_event_stream_rules(
    lines: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(line + ending for line, ending in lines)
    points = sorted({min(cut, len(stream)) for cut in cuts})
    parts = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert _decode(parts) == _spec(stream)
