"""A misbehaving OpenAI-format upstream on a raw socket, for the fault suite.

The first path segment picks the behaviour (the credential's base URL carries it):

- ``/hang/v1/…``     reads the request, never answers; waits for the gateway to hang up
- ``/trickle/v1/…``  sends a 200 with ``Content-Length: 1000``, then one byte every 0.2 s
- ``/reset/v1/…``    reads the request, then closes with a TCP reset (SO_LINGER 0)
- ``/stream/v1/…``   an SSE chat stream: ``chunks`` deltas of one word, one every
  ``delay`` s (both from the request's query string-free model name ``m-<chunks>-<ms>``),
  a usage chunk and ``[DONE]``

Each connection's fate is recorded in ``events``: when the gateway closed it early
(``closed_early``) or when the whole answer was sent (``finished``).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Event:
    mode: str
    what: str  # "closed_early" or "finished"
    at: float  # time.monotonic()
    chunks_sent: int = 0


@dataclass
class RawUpstream:
    sock: socket.socket = field(default_factory=socket.socket)
    events: list[Event] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> RawUpstream:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                path, body = _read_request(conn)
            except (OSError, ValueError):
                return
            mode = path.strip("/").split("/")[0]
            handler = getattr(self, f"_{mode}")
            try:
                handler(conn, body)
            except OSError:
                return

    def _record(self, mode: str, what: str, chunks: int = 0) -> None:
        self.events.append(Event(mode, what, time.monotonic(), chunks))

    def _hang(self, conn: socket.socket, _body: dict[str, object]) -> None:
        conn.settimeout(None)
        if conn.recv(1) == b"":  # blocks until the gateway gives up
            self._record("hang", "closed_early")

    def _trickle(self, conn: socket.socket, _body: dict[str, object]) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
        conn.sendall(head.encode() + b"Connection: close\r\n\r\n")
        for _ in range(1000):
            time.sleep(0.2)
            conn.sendall(b" ")

    def _reset(self, conn: socket.socket, _body: dict[str, object]) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _stream(self, conn: socket.socket, body: dict[str, object]) -> None:
        _, chunks, delay_ms = str(body.get("model", "m-10-100")).split("-")
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode())
        sent = 0
        try:
            while sent < int(chunks):
                conn.sendall(_frame({"delta": {"content": "word "}, "finish_reason": None}))
                sent += 1
                time.sleep(int(delay_ms) / 1000)
            conn.sendall(_frame({"delta": {}, "finish_reason": "stop"}))
            usage = {"prompt_tokens": 5, "completion_tokens": int(chunks), "total_tokens": 0}
            conn.sendall(
                _sse(
                    {
                        "id": "c",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": body.get("model"),
                        "choices": [],
                        "usage": usage,
                    }
                )
            )
            conn.sendall(b"data: [DONE]\n\n")
        except OSError:
            self._record("stream", "closed_early", sent)
            return
        self._record("stream", "finished", sent)


def _sse(data: object) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def _frame(choice: dict[str, object]) -> bytes:
    return _sse(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, **choice}],
        }
    )


def _read_request(conn: socket.socket) -> tuple[str, dict[str, object]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("closed before the headers")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return path, json.loads(rest) if rest else {}
