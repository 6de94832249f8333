"""Server-sent events: an incremental decoder for upstream streams and the frame encoder."""

from __future__ import annotations

from typing import NamedTuple


class SSEEvent(NamedTuple):
    """One event; a tuple, as one is made per streamed chunk (a frozen dataclass costs
    several times as much to build)."""

    data: bytes
    event: str | None = None


class SSEDecoder:
    """Feeds raw bytes in any split; yields complete events (``\\n``, ``\\r\\n`` or ``\\r``)."""

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []
        self._event: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        buffer = self._buffer + chunk if self._buffer else chunk
        if self._data or self._event is not None or b"\r" in buffer:
            self._buffer = buffer
            return self._feed_lines([])
        return self._feed_blocks(buffer)

    def _feed_blocks(self, buffer: bytes) -> list[SSEEvent]:
        """The common case, no ``\r`` and no event begun: whole events are the blocks
        between blank lines, and a block that is one ``data: `` line is the event itself."""
        blocks = buffer.split(b"\n\n")
        self._buffer = blocks.pop()
        events: list[SSEEvent] = []
        for block in blocks:
            if block.startswith(b"data: ") and b"\n" not in block:
                events.append(SSEEvent(block[6:]))
                continue
            for line in block.split(b"\n"):
                self._take_line(line)
            event = self._take_line(b"")
            if event is not None:
                events.append(event)
        return events

    def _feed_lines(self, events: list[SSEEvent]) -> list[SSEEvent]:
        while True:
            line, found = self._next_line()
            if not found:
                return events
            event = self._take_line(line)
            if event is not None:
                events.append(event)

    def close(self) -> list[SSEEvent]:
        """Flushes an event that the stream ended without a blank line after."""
        events = self.feed(b"\n\n") if self._buffer or self._data else []
        self._buffer = b""
        return events

    def _next_line(self) -> tuple[bytes, bool]:
        buffer = self._buffer
        newline = buffer.find(b"\n")
        carriage = buffer.find(b"\r")
        if carriage != -1 and (newline == -1 or carriage < newline):
            if carriage == len(buffer) - 1:
                return b"", False  # a "\r" at the end may be half of "\r\n"
            end = carriage + 2 if buffer[carriage + 1 : carriage + 2] == b"\n" else carriage + 1
            self._buffer = buffer[end:]
            return buffer[:carriage], True
        if newline == -1:
            return b"", False
        self._buffer = buffer[newline + 1 :]
        return buffer[:newline], True

    def _take_line(self, line: bytes) -> SSEEvent | None:
        if not line:
            if not self._data:
                self._event = None
                return None
            event = SSEEvent(b"\n".join(self._data), self._event)
            self._data = []
            self._event = None
            return event
        if line.startswith(b":"):
            return None
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        return None


def encode_data(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


DONE_FRAME = b"data: [DONE]\n\n"
