"""The SSE decoder: any byte split of a stream gives the same events."""

from __future__ import annotations

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
